"""The web chat's one outbound call: telling the pages that show a conversation to read it again.

The web chat has no vendor to post to. Its pages (the widget's socket, a Direct Line stream) read
what to show from the transcript, where the core wrote each message before sending it, and
render it themselves (:mod:`.outbound`). Sending is a notification on the conversation's bus
topic, which every worker hears, so that the one holding the page reads again; a customer who is
not connected sees the messages in the history when they come back. A bus that cannot be
reached is a temporary delivery error, as a vendor's 5xx is on other channels.
"""

from __future__ import annotations

from bot.errors import MemoryUnavailable, TemporaryDeliveryError
from bot.turn.bus import Bus

NEW = b"new"


def topic(conversation_id: str) -> str:
    """The bus topic of one web chat conversation."""
    return f"webchat:{conversation_id}"


async def notify(bus: Bus, conversation_id: str) -> None:
    """Tell the pages that show ``conversation_id``, on any worker, that it has new entries;
    raises :class:`TemporaryDeliveryError` when the bus cannot be reached."""
    try:
        await bus.publish(topic(conversation_id), NEW)
    except MemoryUnavailable as exc:
        raise TemporaryDeliveryError(f"web chat notification failed: {exc}") from exc
