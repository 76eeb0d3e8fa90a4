"""The schedule in process: enough with the embedded memory (one worker, nothing kept across
restarts)."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.outreach.schedule import Schedule, Scheduled


@dataclass(slots=True)
class _Claim:
    deadline: datetime
    worker: str


@dataclass
class EmbeddedSchedule(Schedule):
    """Items by id, each customer's keys, and a heap of due times (entries of items since
    cancelled, replaced or claimed are skipped when they come up)."""

    items: dict[str, Scheduled] = field(default_factory=dict)
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each customer's items: key -> id."""
    claims: dict[str, _Claim] = field(default_factory=dict)
    _heap: list[tuple[datetime, str]] = field(default_factory=list)

    async def put(self, item: Scheduled, *, replace: bool = False) -> Scheduled:
        await asyncio.sleep(0)
        current = self.keys.get(item.customer_id, {}).get(item.key)
        if current is not None:
            if not replace:
                return self.items[current]
            self._drop(current)
        return self._add(item)

    async def cancel(self, customer_id: str, key: str) -> Scheduled | None:
        await asyncio.sleep(0)
        current = self.keys.get(customer_id, {}).get(key)
        return self._drop(current) if current is not None else None

    async def cancel_on(self, customer_id: str, event: str) -> list[Scheduled]:
        await asyncio.sleep(0)
        return [self._drop(item.id) for item in self._of(customer_id) if event in item.cancel_on]

    async def forget(self, customer_id: str) -> int:
        await asyncio.sleep(0)
        return len([self._drop(item.id) for item in self._of(customer_id)])

    async def move(self, source_id: str, target_id: str) -> list[Scheduled]:
        await asyncio.sleep(0)
        moved: list[Scheduled] = []
        if source_id == target_id:
            return moved
        for item in self._of(source_id):
            claimed = item.id in self.claims  # else its entry in the heap stands
            self._drop(item.id)
            if item.key not in self.keys.get(target_id, {}):
                theirs = item.model_copy(update={"customer_id": target_id})
                moved.append(self._add(theirs, queue=claimed))
        return moved

    async def pending(self, customer_id: str) -> list[Scheduled]:
        await asyncio.sleep(0)
        return sorted(self._of(customer_id), key=lambda item: item.due_at)

    async def claim_due(
        self, now: datetime, limit: int, worker: str, visibility: timedelta
    ) -> list[Scheduled]:
        await asyncio.sleep(0)
        lapsed = sorted(
            (claim.deadline, item_id)
            for item_id, claim in self.claims.items()
            if claim.deadline <= now
        )
        taken = [item_id for _, item_id in lapsed[:limit]]
        while len(taken) < limit and self._heap and self._heap[0][0] <= now:
            due_at, item_id = heapq.heappop(self._heap)
            if self._waiting(item_id, due_at):
                taken.append(item_id)
        for item_id in taken:
            self.claims[item_id] = _Claim(now + visibility, worker)
        return [self.items[item_id] for item_id in taken]

    async def done(self, items: Sequence[Scheduled]) -> None:
        await asyncio.sleep(0)
        for item in items:
            if item.id in self.claims:
                self._drop(item.id)

    async def next_due(self) -> datetime | None:
        await asyncio.sleep(0)
        while self._heap and not self._waiting(self._heap[0][1], self._heap[0][0]):
            heapq.heappop(self._heap)
        times = [claim.deadline for claim in self.claims.values()]
        times += [self._heap[0][0]] if self._heap else []
        return min(times, default=None)

    async def close(self) -> None:
        self.items.clear()
        self.keys.clear()
        self.claims.clear()
        self._heap.clear()

    def _waiting(self, item_id: str, due_at: datetime) -> bool:
        """Whether a heap entry is a pending item's own (not since dropped or claimed)."""
        item = self.items.get(item_id)
        return item is not None and item.due_at == due_at and item_id not in self.claims

    def _of(self, customer_id: str) -> list[Scheduled]:
        return [self.items[item_id] for item_id in self.keys.get(customer_id, {}).values()]

    def _add(self, item: Scheduled, queue: bool = True) -> Scheduled:
        self.items[item.id] = item
        self.keys.setdefault(item.customer_id, {})[item.key] = item.id
        if queue:
            heapq.heappush(self._heap, (item.due_at, item.id))
        return item

    def _drop(self, item_id: str) -> Scheduled:
        item = self.items.pop(item_id)
        self.claims.pop(item_id, None)
        mine = self.keys[item.customer_id]
        del mine[item.key]
        if not mine:
            del self.keys[item.customer_id]
        return item
