"""How many wrong passwords the console takes, from whom, without locking anyone out.

Two things must hold at once: guessing a credential must be bounded, and nobody may keep agents
out by failing on purpose (behind one proxy or office network, every agent has one address).

- **Tokens** are never refused by a limit: a right token always signs in, so failing on purpose
  gains nothing. Guessing is bounded by the token itself: at least 32 characters, checked at
  start (:data:`bot.desk.console.auth.MIN_TOKEN`).
- **Passwords** can be guessed, so wrong ones are counted (only wrong ones: signing in often
  costs nothing), and a try is refused, before its password is checked, when in the last 15
  minutes its name had :data:`PER_PLACE` wrong passwords from the same address or
  :data:`PER_NAME` from anywhere. Whatever the number of addresses, a name gets at most
  :data:`PER_NAME` guesses per 15 minutes.
- **A browser an agent signed in from** keeps a device cookie (``omnibot_device``: random,
  ``HttpOnly``, sent to sign-in only), which the memory knows by its digest, for that agent,
  for :data:`DEVICE_DAYS` days. A password from it is counted on its own (:data:`PER_PLACE`
  wrong ones), not against the name: a guesser, even one behind the same proxy, cannot keep the
  agent out of the browsers they use. Only a browser that never signed in as that agent is
  refused while the name is being guessed; others' names are never affected.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from bot.turn.store import Memory

WINDOW = timedelta(minutes=15)
PER_PLACE = 10
"""Wrong passwords for one name from one address (or from one known browser), per window."""
PER_NAME = 50
"""Wrong passwords for one name from browsers that never signed in as it, per window."""
DEVICE_DAYS = 30
DEVICE_WINDOW = timedelta(days=DEVICE_DAYS)


def _digest(device: str) -> str:
    return hashlib.sha256(device.encode()).hexdigest()[:32]


class SignInLimits:
    """Counts wrong sign-ins in the shared memory, and says whether a password may be tried."""

    def __init__(self, memory: Memory) -> None:
        self._memory = memory

    async def may_try_password(self, name: str, source: str, device: str | None) -> bool:
        """Whether a password for ``name`` from ``source`` (with the browser's ``device``
        cookie, if any) may be checked now."""
        if device is not None and await self._known(name, device):
            return await self._memory.count(_device_key(name, device)) < PER_PLACE
        here = await self._memory.count(f"sign-in-fail:{name}:{source}")
        anywhere = await self._memory.count(f"sign-in-fail:{name}")
        return here < PER_PLACE and anywhere < PER_NAME

    async def failed(self, name: str, source: str, device: str | None) -> None:
        """A wrong password for ``name``."""
        if device is not None and await self._known(name, device):
            await self._memory.hit(_device_key(name, device), WINDOW)
            return
        await self._memory.hit(f"sign-in-fail:{name}:{source}", WINDOW)
        await self._memory.hit(f"sign-in-fail:{name}", WINDOW)

    async def signed_in(self, name: str, device: str) -> None:
        """``name`` signed in from the browser that is given the device cookie ``device`` (a
        new one at each sign-in, known for :data:`DEVICE_DAYS` days from then)."""
        await self._memory.hit(f"sign-in-device:{name}:{_digest(device)}", DEVICE_WINDOW)

    async def _known(self, name: str, device: str) -> bool:
        return await self._memory.count(f"sign-in-device:{name}:{_digest(device)}") > 0


def _device_key(name: str, device: str) -> str:
    return f"sign-in-fail:{name}:device:{_digest(device)}"
