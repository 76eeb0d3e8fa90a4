"""Telling the customer their message was read, and that an answer is being written.

When a customer's messages are queued for their turn, the latest of them is marked read and the
typing indicator shown, in one Graph call: ``{"messaging_product": "whatsapp", "status":
"read", "message_id": <wamid>, "typing_indicator": {"type": "text"}}``. WhatsApp hides the
indicator when our answer arrives, or after 25 seconds. Both are courtesies: the call runs in
the background after the webhook is acknowledged, and a failure is logged, never retried and
never in the way of the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal, NotRequired, TypedDict

from bot.errors import DeliveryError
from bot.format.messages import InboundEvent

log = logging.getLogger("omnibot.whatsapp")


class TypingIndicator(TypedDict):
    """``typing_indicator``: WhatsApp shows "typing…" (text is its only kind)."""

    type: Literal["text"]


class ReadBody(TypedDict):
    """The JSON body that marks a message read, with the typing indicator."""

    messaging_product: Literal["whatsapp"]
    status: Literal["read"]
    message_id: str
    typing_indicator: NotRequired[TypingIndicator]


def read_receipt(message_id: str, typing: bool = True) -> ReadBody:
    """The body that marks the customer's message ``message_id`` read."""
    body: ReadBody = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing:
        body["typing_indicator"] = {"type": "text"}
    return body


def latest(events: Sequence[InboundEvent]) -> list[str]:
    """The id of each sender's last message in ``events`` (marking it read marks those before
    it read too), in the order the senders first appear."""
    last: dict[str, str] = {}
    for event in events:
        last[event.sender.key] = event.event_id
    return list(last.values())


async def acknowledge(
    mark: Callable[[ReadBody], Awaitable[None]], message_ids: Sequence[str]
) -> None:
    """Mark each of ``message_ids`` read, with the typing indicator; failures are logged."""
    for message_id in message_ids:
        try:
            await mark(read_receipt(message_id))
        except DeliveryError as exc:
            log.info("a message was not marked read: %s", exc)
