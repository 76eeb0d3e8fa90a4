"""Resolving a channel identity to a customer id, with a small per-worker cache.

The cache is safe across workers: every enqueue checks that the identity still belongs to the
customer (``STALE`` otherwise), and the pipeline then forgets the cached entry and resolves again.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from bot.format.messages import ChannelIdentity
from bot.turn.customer import new_customer_id
from bot.turn.store import Memory


class IdentityResolver:
    """Finds or creates the customer behind a channel identity."""

    def __init__(
        self,
        memory: Memory,
        *,
        cache_size: int = 100_000,
        cache_ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._memory = memory
        self._size = cache_size
        self._ttl = cache_ttl
        self._clock = clock
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()

    async def resolve(self, identity: ChannelIdentity) -> str:
        """The customer id of ``identity``; a customer is created on first contact."""
        hit = self._cache.get(identity.key)
        if hit is not None and hit[1] > self._clock():
            self._cache.move_to_end(identity.key)
            return hit[0]
        customer_id = await self._memory.lookup(identity)
        if customer_id is None:
            customer_id = await self._memory.create_customer(identity, new_customer_id())
        self._remember(identity.key, customer_id)
        return customer_id

    def forget(self, identity: ChannelIdentity) -> None:
        """Drop a cached entry that turned out stale."""
        self._cache.pop(identity.key, None)

    def _remember(self, key: str, customer_id: str) -> None:
        self._cache[key] = (customer_id, self._clock() + self._ttl)
        self._cache.move_to_end(key)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
