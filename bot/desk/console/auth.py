"""Who may use the agent console, and how they prove it.

Agents come from ``OMNIBOT_AGENT_TOKENS`` (``name:token`` pairs; they sign in with the token)
and from a users file named in ``bot.yaml`` (``name:scrypt$...`` lines; they sign in with name
and password; ``omnibot agent-password NAME`` makes a line). Secrets are compared in constant
time, and a wrong one costs as much as a right one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError
from bot.http.untrusted import same_secret

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")
MIN_TOKEN = 32
"""Characters of an agent token at the least. Token sign-in has no limit that could lock agents
out (see :mod:`bot.desk.console.throttle`), so the token itself bounds guessing: 32 random base64
characters are 192 bits, and a billion guesses a second for a thousand years try 2^65."""
_N, _R, _P = 2**14, 8, 1
_DECOY = "scrypt$16384$8$1$" + base64.b64encode(b"0" * 16).decode() + "$" + "A" * 44


def hash_password(password: str, salt: bytes | None = None) -> str:
    """The stored form of a password: ``scrypt$N$r$p$salt$hash`` (base64)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return f"scrypt${_N}${_R}${_P}$" + "$".join(encoded)


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        made = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
        return hmac.compare_digest(made, base64.b64decode(digest))
    except ValueError:
        return False


@dataclass(frozen=True)
class Agents:
    """The agents who may sign in: by token, or by name and password."""

    tokens: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    _scrypt: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1), compare=False)

    @property
    def configured(self) -> bool:
        """Whether anyone can sign in at all."""
        return bool(self.tokens or self.passwords)

    @property
    def methods(self) -> list[str]:
        """The ways to sign in that are set up: ``token``, ``password``, both or none."""
        return [m for m, given in (("token", self.tokens), ("password", self.passwords)) if given]

    @property
    def names(self) -> list[str]:
        """Every agent's name."""
        return sorted(set(self.tokens) | set(self.passwords))

    def by_token(self, token: str) -> str | None:
        """The agent whose token this is (every token is compared, so timing tells nothing)."""
        found = None
        for name, expected in self.tokens.items():
            if same_secret(token, expected):
                found = name
        return found

    async def by_password(self, name: str, password: str) -> str | None:
        """The agent, if ``password`` is theirs; an unknown name costs as much as a known one.
        scrypt takes tens of milliseconds of CPU and 16 MiB: it runs in a thread, one at a time
        per worker, so that sign-ins never stall the event loop."""
        stored = self.passwords.get(name)
        async with self._scrypt:
            right = await asyncio.to_thread(check_password, password, stored or _DECOY)
        return name if stored is not None and right else None


def load_agents(tokens: Iterable[str], users_file: Path | None) -> Agents:
    """Agents from ``OMNIBOT_AGENT_TOKENS`` entries and a users file; raises
    :class:`ConfigError` with ``file:line:col`` for a bad line."""
    by_token: dict[str, str] = {}
    for number, entry in enumerate(tokens, start=1):
        name, _, token = entry.partition(":")
        if not NAME.match(name) or len(token) < MIN_TOKEN:
            raise ConfigError(
                [
                    f"$OMNIBOT_AGENT_TOKENS: entry {number} must be name:token, the token at "
                    f"least {MIN_TOKEN} random characters (openssl rand -base64 24)"
                ]
            )
        by_token[name] = token
    return Agents(by_token, _users(users_file) if users_file else {})


def _users(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise ConfigError([f"{path}:1:1: the agents' users file does not exist"])
    users: dict[str, str] = {}
    problems = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, stored = line.strip().partition(":")
        if not NAME.match(name) or not stored.startswith("scrypt$") or stored.count("$") != 5:
            problems.append(f"{path}:{number}:1: expected name:scrypt$... (omnibot agent-password)")
            continue
        users[name] = stored
    if problems:
        raise ConfigError(problems)
    return users
