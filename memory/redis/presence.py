"""Open pages on Redis, laid out for Redis Cluster.

Each customer's marks are one sorted set under their own hash tag (:attr:`CustomerKeys.pages`),
so every command names one key in the customer's slot. A member is ``channel:page`` and its score
when its mark runs out (ms, by the workers' clocks, which agree within far less than a mark's
life). A mark is one script: add the member, drop the members that ran out (pruning what dead
workers left), and keep the key alive at least ``ttl``, so that a customer whose pages are all
gone leaves no key behind. A read is one ``ZRANGEBYSCORE``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar, cast

from redis.exceptions import RedisError

from bot.errors import MemoryUnavailable
from bot.turn.presence import Presence
from memory.keys import KeyLayout
from memory.redis.connection import Client, close, connect, explain
from memory.redis.lua import lua

T = TypeVar("T")


class RedisPresence(Presence):
    """The open pages every worker sees; ``clock`` gives seconds (a test's, in tests)."""

    def __init__(
        self, client: Client, namespace: str = "omnibot", clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = client
        self._layout = KeyLayout(namespace)
        self._clock = clock
        source = lua("presence_mark")
        self._mark = client.register_script(source)

    @classmethod
    def from_url(cls, url: str, namespace: str = "omnibot") -> RedisPresence:
        """Connect lazily to the Redis or Redis Cluster that ``url`` names."""
        return cls(connect(url), namespace)

    async def mark(self, customer_id: str, channel: str, page: str, ttl: timedelta) -> None:
        now = int(self._clock() * 1000)
        life = max(int(ttl.total_seconds() * 1000), 1)
        args: list[str | int] = [f"{channel}:{page}", now + life, now, life]
        await self._call(self._mark(keys=[self._key(customer_id)], args=args), "mark")

    async def unmark(self, customer_id: str, channel: str, page: str) -> None:
        await self._call(self._redis.zrem(self._key(customer_id), f"{channel}:{page}"), "unmark")

    async def channels(self, customer_id: str) -> frozenset[str]:
        now = int(self._clock() * 1000)
        read = self._redis.zrangebyscore(self._key(customer_id), f"({now}", "+inf")
        members = cast(list[bytes], await self._call(read, "read"))
        return frozenset(member.decode().partition(":")[0] for member in members)

    async def close(self) -> None:
        await close(self._redis)

    def _key(self, customer_id: str) -> str:
        return self._layout.customer(customer_id).pages

    async def _call(self, awaitable: Awaitable[T], operation: str) -> T:
        try:
            return await awaitable
        except RedisError as exc:
            raise MemoryUnavailable(f"redis presence {operation} failed: {explain(exc)}") from exc
