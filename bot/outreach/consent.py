"""What a customer agreed to hear from the business, and what it has sent them unasked.

Kept in the customer's record (``CustomerRecord.outreach``), so every worker reads the same:

- ``consents``: each opt-in or opt-out to marketing a flow recorded, and the "no" every stop
  records (:mod:`bot.outreach.optout`), with when, on which channel and the words the customer
  was shown or used (what ``omnibot customer export`` gives);
- ``sent``: when each proactive message went and for what purpose, for the daily caps (only
  the last two days are kept).

A channel's ``stop`` lives beside it in ``CustomerRecord.opted_out``: it silences that channel
entirely and, for marketing, every channel (see :mod:`bot.outreach.reach`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, Field

from bot.format.messages import Model

Purpose = Literal["transactional", "marketing"]
"""Why a flow speaks first: about something the customer did (an order shipped), or to sell."""
TRANSACTIONAL: Purpose = "transactional"
MARKETING: Purpose = "marketing"
_KEPT = timedelta(days=2)
MAX_WORDING = 1000


class Consent(Model):
    """One answer to "may we send you offers?": ``given`` (yes) or withdrawn, when, where, and
    the wording the customer was shown."""

    at: AwareDatetime
    channel: str | None = None
    wording: str = Field(default="", max_length=MAX_WORDING)
    given: bool = True


class SentMark(Model):
    """One proactive message that went: when, and for what purpose."""

    at: AwareDatetime
    purpose: Purpose


class OutreachState(Model):
    """A customer's consents to marketing and their recent proactive messages."""

    consents: tuple[Consent, ...] = ()
    sent: tuple[SentMark, ...] = ()

    @property
    def marketing_allowed(self) -> bool:
        """Whether the customer's latest answer about marketing was yes."""
        return bool(self.consents) and self.consents[-1].given

    def answered(self, consent: Consent) -> OutreachState:
        """This state with another consent answer recorded."""
        return self.model_copy(update={"consents": (*self.consents, consent)})

    def counted(self, purpose: Purpose, at: datetime) -> OutreachState:
        """This state with a proactive message sent at ``at``; marks older than two days go."""
        kept = tuple(mark for mark in self.sent if at - mark.at < _KEPT)
        return self.model_copy(update={"sent": (*kept, SentMark(at=at, purpose=purpose))})

    def sent_since(self, purpose: Purpose, since: datetime) -> int:
        """How many ``purpose`` messages went at or after ``since``."""
        return sum(1 for mark in self.sent if mark.purpose == purpose and mark.at >= since)
