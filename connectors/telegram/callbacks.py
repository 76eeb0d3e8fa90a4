"""Button payloads in Telegram's ``callback_data``, which holds at most 64 bytes.

A payload that fits is sent as it is, so a press needs nothing but the update. A longer one (or
one that starts with the marker) is sent as the marker and a 128-bit digest of it; a press then
finds the payload among the buttons of the customer's recent transcript, which the core wrote
before the message was sent, so every worker can read it. The transcript is the one place where
every message the customer can see is recorded, which is why the digest is looked up there
rather than in a store of our own.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from bot.connector import Core
from bot.format.messages import ChannelIdentity
from bot.format.outbound import Button, Card, Media, Text
from bot.format.transcript import Logged, OutboundEntry

MAX_BYTES = 64
MARKER = "#~"
LOOKBACK = 100
"""How many of the customer's latest transcript entries a long payload is looked for in."""


def encode(payload: str) -> str:
    """The ``callback_data`` for a postback ``payload``: itself, or the marker and its digest."""
    size = len(payload.encode())
    if 0 < size <= MAX_BYTES and not payload.startswith(MARKER):
        return payload
    return MARKER + _digest(payload)


def digest_in(data: str) -> str | None:
    """The digest a ``callback_data`` carries, or ``None`` if it is the payload itself."""
    return data.removeprefix(MARKER) if data.startswith(MARKER) else None


async def resolve(core: Core, identity: ChannelIdentity, digest: str) -> str | None:
    """The payload behind ``digest`` among the buttons recently sent to ``identity``'s customer.

    Raises :class:`~bot.errors.MemoryUnavailable` like any read of the memory.
    """
    customer = await core.customer_of(identity)
    if customer is None:
        return None
    entries = await core.entries(customer, None, LOOKBACK)
    for payload in _payloads(reversed(entries)):
        if _digest(payload) == digest:
            return payload
    return None


def _payloads(entries: Iterable[Logged]) -> Iterable[str]:
    for logged in entries:
        entry = logged.entry
        if isinstance(entry, OutboundEntry) and entry.channel == "telegram":
            for button in _buttons(entry.message):
                if button.kind == "postback" and button.payload is not None:
                    yield button.payload


def _buttons(message: Text | Media | Card | object) -> tuple[Button, ...]:
    if isinstance(message, Text):
        return message.buttons + message.quick_replies
    if isinstance(message, Media | Card):
        return message.buttons
    return ()


def _digest(payload: str) -> str:
    raw = hashlib.blake2b(payload.encode(), digest_size=16, person=b"omnibot-tg-cb").digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
