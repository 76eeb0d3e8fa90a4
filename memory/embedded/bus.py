"""The bus in process: enough with the embedded memory (one worker)."""

from __future__ import annotations

import asyncio

from bot.turn.bus import Bus, Listener, Subscription
from memory.topics import Handle, Listeners


class EmbeddedBus(Listeners, Bus):
    """Topics inside this process: enough when there is one worker."""

    async def publish(self, topic: str, message: bytes) -> None:
        await asyncio.sleep(0)
        self.dispatch(topic, message)

    async def subscribe(self, topic: str, listener: Listener) -> Subscription:
        self.add(topic, listener)
        return Handle(self, topic, listener)

    async def close(self) -> None:
        self.by_topic.clear()
