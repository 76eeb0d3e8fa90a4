"""The insights' tallies on Redis: one hash per day, ``<namespace>:{insights}:day:<YYYY-MM-DD>``,
each field a counter (``HINCRBY``), expiring :data:`~bot.desk.insights.tallies.KEEP_DAYS` after
its last count; and ``<namespace>:{insights}:open``, the conversations going on by when to check
them (a sorted set of customer ids). Every key shares the hash tag ``{insights}``, so that on Redis
Cluster a turn's counts over two days (a re-contact counts on the day of the conversation before)
and its watch are one script on one slot; it runs only at conversation boundaries, never on an
ordinary turn."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from datetime import timedelta
from typing import TypeVar, cast

from redis.exceptions import RedisError

from bot.desk.insights.tallies import KEEP_DAYS, Tallies, Watch
from bot.errors import MemoryUnavailable
from memory.redis.connection import Client, close, explain
from memory.redis.lua import lua

T = TypeVar("T")


class RedisTallies(Tallies):
    """The tallies every worker adds to."""

    def __init__(self, client: Client, namespace: str = "omnibot") -> None:
        self._redis = client
        self._base = f"{namespace}:{{insights}}:day:"
        self._open = f"{namespace}:{{insights}}:open"
        self._add, self._due = (
            client.register_script(lua(name)) for name in ("insights_add", "insights_due")
        )
        self._ttl = int(timedelta(days=KEEP_DAYS).total_seconds())

    def key(self, day: str) -> str:
        """The hash of one day."""
        return self._base + day

    async def add(self, counts: Mapping[tuple[str, str], int], watch: Watch | None = None) -> None:
        if not counts and watch is None:
            return
        keys: list[str] = [self._open]
        customer, at = watch if watch is not None else ("", None)
        args: list[str | int | float] = [self._ttl, customer, "" if at is None else at]
        for (day, name), amount in counts.items():
            key = self.key(day)
            if key not in keys:
                keys.append(key)
            args.extend((keys.index(key) + 1, name, amount))
        await self._call(self._add(keys=keys, args=args))

    async def due(self, now: float, hold: float, limit: int) -> list[str]:
        taken = await self._call(self._due(keys=[self._open], args=[now, hold, limit]))
        return [c.decode() if isinstance(c, bytes) else str(c) for c in cast(list[object], taken)]

    async def read(self, days: Sequence[str]) -> dict[str, dict[str, int]]:
        if not days:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(self.key(day))
        hashes = cast(list[dict[bytes, bytes]], await self._call(pipe.execute()))
        return {
            day: {name.decode(): int(value) for name, value in raw.items()}
            for day, raw in zip(days, hashes, strict=True)
            if raw
        }

    async def close(self) -> None:
        await close(self._redis)

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except RedisError as exc:
            raise MemoryUnavailable(f"redis insights operation failed: {explain(exc)}") from exc
