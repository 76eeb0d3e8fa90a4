"""The schedule on Redis, laid out for Redis Cluster.

Items are cut in ``shards`` shards by their customer (:func:`memory.keys.shard_of`), each under a
hash tag of its own (:class:`memory.keys.ScheduleShard`), so no one key takes every write and on
a cluster the shards spread over the nodes. A customer's items and their index sit in one shard,
so every operation is one Lua script over one shard's keys: one slot, never two. Claiming and
finding the next due time ask each shard (concurrently); everything else asks one. Moving a
customer's items to another customer (a join) is one script per item when the two share a shard,
else, per item, a put on the target's shard and then a cancel on the source's.

The shard count is part of the layout: change it only on an empty schedule.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar, cast

from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from bot.errors import MemoryUnavailable
from bot.outreach.schedule import Schedule, Scheduled
from memory.keys import KeyLayout, ScheduleShard, shard_of
from memory.redis.connection import Client, close, connect, explain
from memory.redis.lua import lua

T = TypeVar("T")
SHARDS = 16
_SCRIPTS = ("put", "cancel", "claim", "done", "pending", "next", "move")


def _script(client: Client, name: str) -> AsyncScript:
    source = lua(f"sched_{name}")
    return client.register_script(source)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _items(raw: Sequence[object]) -> list[Scheduled]:
    return [Scheduled.model_validate_json(cast(bytes, one)) for one in raw if one]


class RedisSchedule(Schedule):
    """The schedule shared by every worker."""

    def __init__(self, client: Client, namespace: str = "omnibot", shards: int = SHARDS) -> None:
        self._redis = client
        layout = KeyLayout(namespace)
        self._shards = [layout.schedule(n) for n in range(shards)]
        self._scripts = {name: _script(client, name) for name in _SCRIPTS}

    @classmethod
    def from_url(cls, url: str, namespace: str = "omnibot") -> RedisSchedule:
        """Connect lazily to the Redis or Redis Cluster that ``url`` names."""
        return cls(connect(url), namespace)

    async def put(self, item: Scheduled, *, replace: bool = False) -> Scheduled:
        shard = self._shard(item.customer_id)
        keys = [*_all(shard), shard.customer(item.customer_id)]
        encoded = item.model_dump_json(exclude_defaults=True)
        args: list[str | int] = [item.key, item.id, _ms(item.due_at), encoded, int(replace)]
        reply = await self._run("put", keys, args)
        return Scheduled.model_validate_json(reply[1]) if reply[0] == b"kept" else item

    async def cancel(self, customer_id: str, key: str) -> Scheduled | None:
        dropped = await self._cancel(customer_id, "key", key)
        return dropped[0] if dropped else None

    async def cancel_on(self, customer_id: str, event: str) -> list[Scheduled]:
        return await self._cancel(customer_id, "event", event)

    async def forget(self, customer_id: str) -> int:
        return len(await self._cancel(customer_id, "all", ""))

    async def move(self, source_id: str, target_id: str) -> list[Scheduled]:
        moved: list[Scheduled] = []
        if source_id == target_id:
            return moved
        same = self._shard(source_id) is self._shard(target_id)
        for item in await self.pending(source_id):
            theirs = item.model_copy(update={"customer_id": target_id})
            given = await (self._within(item, theirs) if same else self._across(item, theirs))
            moved += [theirs] if given else []
        return moved

    async def pending(self, customer_id: str) -> list[Scheduled]:
        shard = self._shard(customer_id)
        raw = await self._run("pending", [shard.items, shard.customer(customer_id)], [])
        return sorted(_items(raw), key=lambda item: item.due_at)

    async def claim_due(
        self, now: datetime, limit: int, worker: str, visibility: timedelta
    ) -> list[Scheduled]:
        args: list[str | int] = [_ms(now), limit, _ms(now + visibility), worker]
        claimed = await self._each("claim", lambda s: (_all(s), args))
        return [item for raw in claimed for item in _items(cast(list[object], raw))]

    async def done(self, items: Sequence[Scheduled]) -> None:
        by_shard: dict[int, list[Scheduled]] = {}
        for item in items:
            by_shard.setdefault(shard_of(item.customer_id, len(self._shards)), []).append(item)
        await self._call(
            asyncio.gather(*(self._done(batch) for batch in by_shard.values())), "done"
        )

    async def next_due(self) -> datetime | None:
        soonest = await self._each("next", lambda s: ([s.due, s.claimed], []))
        found = [int(cast(int, ms)) for ms in soonest if ms is not None]
        return datetime.fromtimestamp(min(found) / 1000, UTC) if found else None

    async def close(self) -> None:
        await close(self._redis)

    def _shard(self, customer_id: str) -> ScheduleShard:
        return self._shards[shard_of(customer_id, len(self._shards))]

    async def _cancel(self, customer_id: str, how: str, *what: str) -> list[Scheduled]:
        shard = self._shard(customer_id)
        keys = [*_all(shard), shard.customer(customer_id)]
        return _items(await self._run("cancel", keys, [how, *what]))

    async def _within(self, item: Scheduled, theirs: Scheduled) -> bool:
        """Move ``item`` in its shard, in one step (the two customers share its items hash,
        where an id names one item)."""
        shard = self._shard(item.customer_id)
        keys = [*_all(shard), shard.customer(item.customer_id), shard.customer(theirs.customer_id)]
        encoded = theirs.model_dump_json(exclude_defaults=True)
        reply = await self._run("move", keys, [item.key, item.id, encoded, _ms(item.due_at)])
        return cast(bytes, reply) == b"moved"

    async def _across(self, item: Scheduled, theirs: Scheduled) -> bool:
        """Move ``item`` to another shard: put there, then dropped here if the key still
        names it (moving again after an interruption between the two puts nothing twice)."""
        kept = await self.put(theirs)
        await self._cancel(item.customer_id, "key", item.key, item.id)
        return kept.id == item.id

    async def _done(self, batch: Sequence[Scheduled]) -> None:
        shard = self._shard(batch[0].customer_id)
        keys = [shard.claimed, shard.claims, shard.items]
        keys += [shard.customer(item.customer_id) for item in batch]
        args = [value for item in batch for value in (item.id, item.key)]
        await self._scripts["done"](keys=keys, args=args)

    async def _each(
        self,
        script: str,
        call: Callable[[ScheduleShard], tuple[list[str], list[str | int]]],
    ) -> list[object]:
        """Run ``script`` on every shard at once; the replies in shard order."""
        runs = []
        for shard in self._shards:
            keys, args = call(shard)
            runs.append(self._scripts[script](keys=keys, args=args))
        return list(await self._call(asyncio.gather(*runs), script))

    async def _run(self, script: str, keys: list[str], args: Sequence[str | int]) -> list[bytes]:
        reply = await self._call(self._scripts[script](keys=keys, args=list(args)), script)
        return cast(list[bytes], reply)

    async def _call(self, awaitable: Awaitable[T], operation: str) -> T:
        try:
            return await awaitable
        except RedisError as exc:
            raise MemoryUnavailable(f"redis schedule {operation} failed: {explain(exc)}") from exc


def _all(shard: ScheduleShard) -> list[str]:
    """A shard's keys in the order its scripts take them."""
    return [shard.due, shard.claimed, shard.claims, shard.items]
