"""Link codes: "continue on my phone" without typing anything the bot could not check.

A customer asks for a code on the channel they are on; the bot answers with two forms of one
single-use secret, both valid for a few minutes:

- a **code** of ``digits`` digits, short enough to type ("text 4821 3977 to +1 555...");
- a **token** of 128 random bits for links (``t.me/<bot>?start=<token>``, ``/chat?link=<token>``),
  which nobody can guess.

Presenting either on another channel spends it and asks the person there whether to join the
conversation of the customer who asked for it (see :mod:`bot.identity.consent`): a code never joins
anything by being presented. Only digests are stored, so the memory never holds a usable code.
Redeeming is rate-limited per presenting identity, and a typed code also for the whole bot,
because a wrong code says nothing about whose code was meant: the bot-wide limit is what bounds
guessing codes (see ``docs/omnichannel.md``). Tokens need none: nobody guesses 128 bits.

The bot-wide limit is two budgets, so that identities anyone makes for nothing (an anonymous
web chat session, a Direct Line conversation: :attr:`InboundEvent.anonymous`) cannot use up the
one of the channels where an identity costs a phone number or an account; their guesses are
also limited per client address where they come in (``connectors.webchat.rates``). A bare code
as a first message ("text this code to ...") is taken only from an identity that costs
something.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import JsonValue, ValidationError

from bot.errors import OmnibotError
from bot.format.messages import Address, ChannelIdentity, InboundEvent
from bot.identity.code_budget import CodeBudget
from bot.turn.store import Memory

_KIND = "link"
_ISSUE_ATTEMPTS = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
_TYPED = re.compile(r"^(?:(?P<word>link|code|c[oó]digo|vincular)\s*:?\s*)?(?P<code>[\d\s-]+)$")


class LinkLimited(OmnibotError):
    """Too many codes asked for, or too many tried: wait and try again."""


@dataclass(frozen=True, slots=True)
class CodeRules:
    """How codes look and how hard they are to guess; from ``bot.yaml``'s ``linking``."""

    digits: int = 8
    lifetime: timedelta = timedelta(minutes=10)
    attempts: int = 5
    redeem_per_minute: int = 120
    anonymous_redeem_per_minute: int = 30
    issue_per_lifetime: int = 10


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """Which attributes vouched for by a channel link on their own, how codes work, and what
    may be spent on one-time codes (by default nothing: no country is allowed)."""

    automatic: frozenset[str] = frozenset({"phone", "email", "external_id"})
    rules: CodeRules = field(default_factory=CodeRules)
    budget: CodeBudget = field(default_factory=CodeBudget)


@dataclass(frozen=True, slots=True)
class LinkCode:
    """A freshly issued code: show ``code`` to type and put ``token`` in links."""

    code: str
    token: str
    issued_at: datetime
    expires_at: datetime

    @property
    def spaced(self) -> str:
        """The code in groups of four, easier to read aloud and type."""
        return " ".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks for a code: the customer, where they asked (``None`` in a turn with no channel)
    and when their conversation started, which is what the presenting side is told of them."""

    customer_id: str
    address: Address | None
    started: datetime


class Redemption(StrEnum):
    """What became of a presented code."""

    VALID = "valid"
    INVALID = "invalid"
    LIMITED = "limited"


@dataclass(frozen=True, slots=True)
class Redeemed:
    """The answer to :meth:`LinkCodes.redeem`: when the code was good, the customer who asked
    for it (``owner``), the channel and address they asked on, when their conversation started
    and when the code would have expired."""

    outcome: Redemption
    owner: str | None = None
    asked_on: str | None = None
    asked_from: Address | None = None
    started: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Presented:
    """A code or token found in a customer's message; ``anonymous`` when the identity that
    presents it cost nothing to make."""

    value: str
    explicit: bool
    anonymous: bool = False

    @property
    def guessable(self) -> bool:
        """A code (digits someone could guess), not a link's token."""
        return self.value.isdigit()


def digest(kind: str, value: str) -> str:
    """The stored form of a secret: SHA-256 over its purpose and value."""
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


class LinkCodes:
    """Issues and redeems link codes, in the shared memory so any worker can redeem them."""

    def __init__(self, memory: Memory, rules: CodeRules | None = None) -> None:
        self._memory = memory
        self.rules = rules or CodeRules()

    async def issue(self, asker: Asker, now: datetime) -> LinkCode:
        """A new code and token for ``asker``; raises :class:`LinkLimited` after too many in
        one lifetime."""
        issued = await self._memory.hit(f"link-issue:{asker.customer_id}", self.rules.lifetime)
        if issued > self.rules.issue_per_lifetime:
            raise LinkLimited("too many link codes asked for; try again in a few minutes")
        expires = now + self.rules.lifetime
        address = asker.address
        base: dict[str, JsonValue] = {
            "customer": asker.customer_id,
            "channel": address.channel if address else None,
            "address": address.model_dump(mode="json") if address else None,
            "started": asker.started.isoformat(),
            "expires": expires.isoformat(),
        }
        for _ in range(_ISSUE_ATTEMPTS):
            code = f"{secrets.randbelow(10**self.rules.digits):0{self.rules.digits}d}"
            token = secrets.token_urlsafe(16)
            if await self._store(base, code, token):
                return LinkCode(code, token, now, expires)
        raise LinkLimited("no free link code right now; try again")

    def presented(self, event: InboundEvent, first_contact: bool) -> Presented | None:
        """The code in ``event``, if it presents one: the argument of a start command (a deep
        link), ``link 1234 5678`` typed anywhere, or a bare code as a customer's first message
        (typed into SMS after "text this code to ..."). A bare number later in a conversation
        is an answer, never a code."""
        command = event.command
        if event.kind == "command" and command is not None and command.name == "start":
            argument = (command.argument or "").strip()
            return Presented(argument, True, event.anonymous) if self._shaped(argument) else None
        if event.kind != "text" or not event.text or len(event.text) > 64:
            return None
        match = _TYPED.match(event.text.strip().lower())
        if match is None:
            return None
        code = re.sub(r"[\s-]", "", match.group("code"))
        explicit = match.group("word") is not None
        bare = first_contact and not event.anonymous  # nobody texts a code to a web page
        if len(code) != self.rules.digits or not (explicit or bare):
            return None
        return Presented(code, explicit, event.anonymous)

    async def redeem(self, presented: Presented, identity: ChannelIdentity) -> Redeemed:
        """Use a presented code once (it is spent whatever the presenting side answers). Every
        attempt counts against the presenting identity, and a typed code against its budget for
        the whole bot, both checked before the code is looked up."""
        mine = await self._memory.hit(f"link-try:{identity.key}", self.rules.lifetime)
        if mine > self.rules.attempts or not await self._within_budget(presented):
            return Redeemed(Redemption.LIMITED)
        stored = await self._memory.take_secret(_KIND, digest(_KIND, presented.value))
        if stored is None:
            return Redeemed(Redemption.INVALID)
        value = json.loads(stored)
        await self._memory.take_secret(_KIND, str(value["twin"]))
        return Redeemed(
            Redemption.VALID,
            str(value["customer"]),
            value.get("channel"),
            _address(value.get("address")),
            _moment(value.get("started")),
            _moment(value.get("expires")),
        )

    def guessable(self, event: InboundEvent) -> bool:
        """Whether ``event`` presents a code someone could guess (not a link's token), counting
        only what is taken at any point of a conversation (not a bare first message)."""
        presented = self.presented(event, first_contact=False)
        return presented is not None and presented.guessable

    async def _within_budget(self, presented: Presented) -> bool:
        if not presented.guessable:
            return True
        if presented.anonymous:
            budget, key = self.rules.anonymous_redeem_per_minute, "link-try:anonymous"
        else:
            budget, key = self.rules.redeem_per_minute, "link-try"
        return await self._memory.hit(key, timedelta(minutes=1)) <= budget

    def _shaped(self, value: str) -> bool:
        return bool(_TOKEN.match(value)) or (value.isdigit() and len(value) == self.rules.digits)

    async def _store(self, base: dict[str, JsonValue], code: str, token: str) -> bool:
        code_key, token_key = digest(_KIND, code), digest(_KIND, token)
        ttl = self.rules.lifetime
        if not await self._memory.put_secret(
            _KIND, code_key, json.dumps({**base, "twin": token_key}), ttl
        ):
            return False  # a live code already has these digits: draw again
        await self._memory.put_secret(_KIND, token_key, json.dumps({**base, "twin": code_key}), ttl)
        return True


def _moment(value: object) -> datetime | None:
    """A time stored with a code (codes issued before it was stored have none)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _address(value: object) -> Address | None:
    """Where a code was asked for (codes issued before that was stored name only the channel)."""
    if not isinstance(value, dict):
        return None
    try:
        return Address.model_validate(value)
    except ValidationError:
        return None
