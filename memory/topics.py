"""Listeners by topic, and dispatching to them: what the in-process bus and the Redis bus share."""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from bot.turn.bus import Listener, Subscription

log = logging.getLogger("omnibot.bus")


@dataclass(eq=False)
class Handle(Subscription):
    """One listener on one topic of one bus."""

    bus: Listeners
    topic: str
    listener: Listener

    async def cancel(self) -> None:
        await self.bus.remove(self.topic, self.listener)


@dataclass
class Listeners:
    """Listeners by topic, and dispatching to them."""

    by_topic: dict[str, list[Listener]] = field(default_factory=lambda: defaultdict(list))

    def add(self, topic: str, listener: Listener) -> bool:
        """Add a listener; ``True`` when it is the topic's first."""
        listeners = self.by_topic[topic]
        listeners.append(listener)
        return len(listeners) == 1

    async def remove(self, topic: str, listener: Listener) -> None:
        listeners = self.by_topic.get(topic, [])
        with contextlib.suppress(ValueError):
            listeners.remove(listener)
        if not listeners:
            self.by_topic.pop(topic, None)
            await self.emptied(topic)

    async def emptied(self, topic: str) -> None:
        """The last listener of ``topic`` left."""

    def dispatch(self, topic: str, message: bytes) -> None:
        for listener in list(self.by_topic.get(topic, ())):
            try:
                listener(message)
            except Exception:  # one broken listener must not starve the others
                log.exception("a bus listener failed")
