"""Telling every worker that something happened to a conversation.

The web chat uses it to reach a customer whose websocket another worker holds; the agent console
to show every agent what changed. Messages are small notifications ("this conversation has new
entries"), not the content: readers fetch what is new from the transcript, so a notification
lost while a reader was away costs nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

Listener = Callable[[bytes], None]
"""Called in the event loop with each message; it must not block (queue the work)."""


def customer_topic(customer_id: str) -> str:
    """The topic that says a customer's conversation has new entries, whatever the channel:
    what a customer's open pages listen to (they follow their identity to another customer
    when a join moves it)."""
    return f"customer:{customer_id}"


class Subscription(ABC):
    """A listener's place on a topic; cancel it when the listener goes away."""

    @abstractmethod
    async def cancel(self) -> None:
        """Stop receiving."""


class Bus(ABC):
    """Publish and subscribe by topic, across every worker that shares the memory."""

    @abstractmethod
    async def publish(self, topic: str, message: bytes) -> None:
        """Send ``message`` to every current subscriber of ``topic``, in any worker."""

    @abstractmethod
    async def subscribe(self, topic: str, listener: Listener) -> Subscription:
        """Call ``listener`` with every message published to ``topic`` from now on."""

    @abstractmethod
    async def close(self) -> None:
        """Stop delivering and release connections."""
