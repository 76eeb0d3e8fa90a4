"""One-time codes to a phone: what a send or a check can come to, and who makes the codes.

The core owns this contract; two providers implement it. Omnibot itself makes a code and texts
it through the SMS channel (:mod:`bot.identity.texted_codes`), or a verification service makes,
sends and checks it (Twilio Verify, :mod:`connectors.sms.verify_codes`). Either way the core
decides first whether a code may go at all (:mod:`bot.identity.code_budget`) and binds it to the
customer who asked (:mod:`bot.identity.phone_check`): a provider only delivers and compares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.errors import OmnibotError
from bot.format.messages import VerifiedAttribute


class Sent(StrEnum):
    """What became of a request to send a code (the ``reason`` a flow sees when not sent)."""

    SENT = "sent"
    INVALID_PHONE = "invalid_phone"
    COUNTRY = "country"
    OPTED_OUT = "opted_out"
    LIMITED = "limited"
    BUDGET = "budget"
    NO_SMS = "no_sms"
    FAILED = "failed"


class Checked(StrEnum):
    """What a typed code proved."""

    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The answer to a check; ``attribute`` when the phone is proven."""

    outcome: Checked
    left: int = 0
    attribute: VerifiedAttribute | None = None


CodeText = Callable[[str, int], str]
"""Words a texted code: the code and the minutes it lasts in, the message out."""


class CodeRefused(OmnibotError):
    """A provider would not send a code; ``reason`` is what the flow is told."""

    def __init__(self, reason: Sent, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


class CodeProvider(Protocol):
    """Makes one-time codes, gets them to a phone, and compares what the customer typed.

    ``name`` labels metrics and notes; ``issuer`` is who vouches for a phone proven this way.
    """

    name: str
    issuer: str

    @property
    def ready(self) -> bool:
        """Whether a code can be sent now (the built-in way needs the SMS channel on)."""
        ...

    async def send(self, phone: str, text: CodeText) -> str | None:
        """Send a new code to ``phone`` (an E.164 number the core has admitted). Returns what
        the core keeps to check it by (a digest, never the code), or ``None`` when the
        provider keeps the code itself. Raises :class:`CodeRefused`."""
        ...

    async def check(self, phone: str, typed: str, kept: str | None) -> Checked:
        """Compare ``typed`` (digits only) with the code sent to ``phone``: ``VERIFIED``,
        ``WRONG``, ``EXPIRED`` (nothing to compare with), ``LOCKED`` (the provider counted
        too many tries) or ``FAILED`` (it could not be asked; nothing was spent)."""
        ...
