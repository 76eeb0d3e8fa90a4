"""Who is writing: a Slack user's name, verified e-mail and locale, from ``users.info``, cached.

The workspace has confirmed its members' e-mail addresses, so the connector hands the e-mail to
the core as a verified attribute (issuer ``slack``), which lets the core recognise a customer it
already knows from another channel. ``users.info`` is asked once per person per worker, then
again when the answer is older than the cache's time to live; it runs before Slack's request is
acknowledged, so it is bounded by a timeout, and a failure costs the event its attributes, never
the event itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.errors import DeliveryError
from bot.format.messages import VerifiedAttribute

log = logging.getLogger("omnibot.slack")

ISSUER = "slack"


@dataclass(frozen=True, slots=True)
class Person:
    """What ``users.info`` tells about a user, as omnibot uses it.

    ``email`` is set only when the workspace has confirmed it; ``locale`` is the user's Slack
    language (``pt-BR``), the channel's hint for the bot's language.
    """

    user_id: str
    name: str | None = None
    email: str | None = None
    locale: str | None = None

    def verified(self) -> tuple[VerifiedAttribute, ...]:
        """The attributes the workspace vouches for."""
        if self.email is None:
            return ()
        return (VerifiedAttribute(kind="email", value=self.email, issuer=ISSUER),)


@dataclass(frozen=True, slots=True)
class _Known:
    person: Person
    at: float


Lookup = Callable[[str], Awaitable[Person]]


class People:
    """A per-worker cache of :class:`Person` by user id, refreshed when stale.

    ``fresh`` seconds after an answer, the next message asks again; if that fails, the answer
    before is still used for up to ``keep`` seconds, since a workspace e-mail rarely changes and
    a customer should not lose their identity to a brief Slack outage. After a failure with
    nothing to fall back on, the user is not asked again for ``pause`` seconds, so that an
    outage does not delay every acknowledgement by ``timeout``.
    """

    def __init__(
        self,
        lookup: Lookup,
        *,
        fresh: float = 3600.0,
        keep: float = 86400.0,
        pause: float = 60.0,
        timeout: float = 2.0,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._fresh, self._keep, self._pause = fresh, keep, pause
        self._timeout = timeout
        self._size = size
        self._clock = clock
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._failed: dict[str, float] = {}

    async def get(self, user_id: str) -> Person | None:
        """The person behind ``user_id``, or ``None`` if Slack cannot say right now."""
        now = self._clock()
        known = self._known.get(user_id)
        if known is not None and now - known.at < self._fresh:
            return known.person
        if now - self._failed.get(user_id, -self._pause) < self._pause:
            return self._fallback(known, now)
        try:
            person = await asyncio.wait_for(self._lookup(user_id), self._timeout)
        except (DeliveryError, TimeoutError) as exc:
            log.warning("users.info failed for a Slack user, going on without: %s", exc)
            if len(self._failed) >= self._size:
                self._failed.clear()
            self._failed[user_id] = now
            return self._fallback(known, now)
        self._failed.pop(user_id, None)
        self._remember(user_id, person, now)
        return person

    def _fallback(self, known: _Known | None, now: float) -> Person | None:
        if known is None or now - known.at >= self._keep:
            return None
        return known.person

    def _remember(self, user_id: str, person: Person, now: float) -> None:
        self._known[user_id] = _Known(person, now)
        self._known.move_to_end(user_id)
        while len(self._known) > self._size:
            self._known.popitem(last=False)
