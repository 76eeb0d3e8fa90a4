"""Twilio's refusals, translated into omnibot's delivery errors.

The core decides what to do with each kind (see :mod:`bot.turn.delivery` and
:mod:`bot.turn.pipeline`): an :class:`~bot.errors.Unreachable` number is not tried again until the
customer writes from it; a :class:`~bot.errors.ChannelMisconfigured` channel needs its operator;
rate limits and temporary failures are retried with backoff. Messages are written here, not copied
from Twilio: Twilio's own text often quotes the phone number, which has no place in logs.
"""

from __future__ import annotations

from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)

UNREACHABLE = {
    21610: "the number has opted out (replied STOP to this sender)",
    21211: "the number is not a valid phone number",
    21612: "Twilio cannot route SMS to this number",
    21614: "the number is not a mobile number",
    21408: "sending to this country is not enabled in the Twilio account",
}
"""Codes about the recipient: sending to this number again will fail the same way. (21408, the
account's geographic permissions, is the operator's to fix, but is per destination: other
customers stay reachable.)"""

MISCONFIGURED = {
    20003: "Twilio refused the credentials (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)",
    20404: "Twilio does not know this account or resource (check TWILIO_ACCOUNT_SID)",
    21212: "the sender number is not valid (check TWILIO_FROM_NUMBER)",
    21606: "the sender number cannot send to this destination (check TWILIO_FROM_NUMBER)",
    21659: "the sender is not a Twilio number of this account (check TWILIO_FROM_NUMBER)",
    21703: "the Messaging Service has no sender for this destination",
    21704: "the Messaging Service has no senders",
    21705: "the Messaging Service is not valid (check TWILIO_MESSAGING_SERVICE_SID)",
}
"""Codes about our side: every message would fail until the configuration changes."""


def refusal(status: int, code: int | None, retry_after: float | None = None) -> DeliveryError:
    """The delivery error for an HTTP ``status`` and Twilio error ``code`` (if any)."""
    tag = f"Twilio error {code}" if code else f"Twilio HTTP {status}"
    if status == 429:
        if retry_after is not None:
            return RateLimited(f"{tag}: too many requests", retry_after)
        return TemporaryDeliveryError(f"{tag}: too many requests")
    if status >= 500:
        return TemporaryDeliveryError(f"{tag}: Twilio is having trouble")
    if code in UNREACHABLE:
        return Unreachable(f"{tag}: {UNREACHABLE[code]}")
    if code in MISCONFIGURED:
        return ChannelMisconfigured(f"{tag}: {MISCONFIGURED[code]}")
    if status in (401, 403):
        return ChannelMisconfigured(f"{tag}: Twilio refused the credentials")
    return DeliveryError(f"{tag}: Twilio refused the message")


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (an HTTP date, which Twilio does
    not send, counts as absent and leaves the backoff to the core)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 3600 else None
