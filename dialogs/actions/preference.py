"""The channel a customer asks the business to write on ("message me on WhatsApp"): the
``prefer`` global intent's part. The choice is kept as ``profile.preferred_channel``, which the
outreach decision tries first (:mod:`bot.outreach.reach`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.outreach.reach import PREFERRED
from bot.turn.customer import CustomerRecord
from dialogs.design.defaults import CHANNEL_NAMES

__all__ = ["PREFERRED", "Preference", "preference"]

_NAMED = (
    ("whatsapp", re.compile(r"whats\s?app|\bzap\b|\bwpp\b", re.IGNORECASE)),
    ("telegram", re.compile(r"telegram", re.IGNORECASE)),
    ("email", re.compile(r"\be-?mail\b|\bcorreo\b", re.IGNORECASE)),
    ("sms", re.compile(r"\bsms\b|\btext|\btexto\b|\btorpedo", re.IGNORECASE)),
)
"""The channels a customer can ask for, and how they name them (in English and Portuguese)."""


@dataclass(frozen=True, slots=True)
class Preference:
    """The channel named (``None``: none recognised), whether it is on, and whether the
    customer can be written to there: only then is it kept."""

    channel: str | None
    on: bool
    reachable: bool

    @property
    def kept(self) -> bool:
        return self.channel is not None and self.on and self.reachable

    def context(self) -> dict[str, object]:
        """For the confirmation's template: ``preferred.name``, ``preferred.on``."""
        name = CHANNEL_NAMES.get(self.channel, self.channel) if self.channel else "that channel"
        return {"preferred": {"channel": self.channel, "name": name, "on": self.on}}


def preference(text: str, customer: CustomerRecord, on: frozenset[str] | None) -> Preference:
    """The channel ``text`` asks for, judged for ``customer`` against the channels that are
    ``on`` (``None``: unknown, the customer's own addresses decide)."""
    channel = next((name for name, pattern in _NAMED if pattern.search(text)), None)
    if channel is None:
        return Preference(None, on=False, reachable=False)
    is_on = on is None or channel in on
    reachable = channel in customer.addresses and channel not in customer.unreachable
    return Preference(channel, on=is_on, reachable=reachable)
