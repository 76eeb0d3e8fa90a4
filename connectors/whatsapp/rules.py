"""WhatsApp's own rules, whichever provider carries the message (the Cloud API or Twilio): the
channel's name, the pace to one customer, the customer-service window, a profile name's length,
and what a provider reports about a message it took."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import WindowClosed
from bot.format.transcript import DeliveryStatus

CHANNEL = "whatsapp"
PAIR_WAIT = 6.0
"""Seconds before trying again after a rate limit: WhatsApp names no wait, and allows about
one message every 6 seconds to one customer (131056)."""
MAX_NAME = 100
"""The longest profile name kept."""


class ReengagementRequired(WindowClosed):
    """More than 24 hours have passed since the customer last wrote: only an approved template
    may go until they write again (131047; Twilio's 63016)."""


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What became of one of our messages, as WhatsApp reported it."""

    message_id: str
    recipients: tuple[str, ...]
    """Who it was sent to: their number, their business-scoped user id, or both."""
    status: DeliveryStatus
    detail: str
    window_closed: bool = False
    """WhatsApp refused it after all because the customer-service window is closed (131047
    in a ``failed`` status, sent after a 200): :mod:`.statuses` routes it again."""
