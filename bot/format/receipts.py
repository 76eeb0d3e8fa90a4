"""What a channel says back when it accepts a message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Receipt:
    """A sent message and the channel's own id for it (for delivery status callbacks)."""

    message_id: str
    provider_id: str | None = None
