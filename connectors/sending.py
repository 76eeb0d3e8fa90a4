"""Sending a turn's messages the same way on every channel: in order, one receipt each.

A connector's ``send`` hands each rendered message to its own ``deliver`` (render, then the
vendor's client), which answers with the vendor's id for what it made. When one fails, the error
leaves with the receipts of the messages already sent (``DeliveryError.sent``), so that the core
retries only the rest (:mod:`bot.turn.delivery`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.connector import Outgoing, Receipt
from bot.errors import DeliveryError

Deliver = Callable[[Outgoing], Awaitable[str | None]]
"""Sends one message; the vendor's id for it (``None`` when the vendor gives none)."""


async def send_in_order(messages: Sequence[Outgoing], deliver: Deliver) -> list[Receipt]:
    """Deliver ``messages`` one after the other; their receipts, or the first failure with the
    receipts of those sent before it."""
    receipts: list[Receipt] = []
    try:
        for outgoing in messages:
            receipts.append(Receipt(outgoing.message_id, await deliver(outgoing)))
    except DeliveryError as error:
        error.sent = tuple(receipts)
        raise
    return receipts
