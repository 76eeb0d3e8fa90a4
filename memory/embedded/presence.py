"""Open pages in process: enough with the embedded memory (one worker)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.turn.presence import Presence


@dataclass
class EmbeddedPresence(Presence):
    """Each customer's pages (``channel:page``) with when their mark runs out, by ``clock``
    (seconds)."""

    clock: Callable[[], float] = time.time
    pages: dict[str, dict[str, float]] = field(default_factory=dict)

    async def mark(self, customer_id: str, channel: str, page: str, ttl: timedelta) -> None:
        await asyncio.sleep(0)
        now = self.clock()
        mine = self.pages.setdefault(customer_id, {})
        for member in [m for m, until in mine.items() if until <= now]:
            del mine[member]
        mine[f"{channel}:{page}"] = now + ttl.total_seconds()

    async def unmark(self, customer_id: str, channel: str, page: str) -> None:
        await asyncio.sleep(0)
        mine = self.pages.get(customer_id, {})
        mine.pop(f"{channel}:{page}", None)
        if not mine:
            self.pages.pop(customer_id, None)

    async def channels(self, customer_id: str) -> frozenset[str]:
        await asyncio.sleep(0)
        now = self.clock()
        mine = self.pages.get(customer_id, {})
        return frozenset(m.partition(":")[0] for m, until in mine.items() if until > now)

    async def close(self) -> None:
        self.pages.clear()
