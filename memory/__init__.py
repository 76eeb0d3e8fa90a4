"""Shared memory: the store interface, its Redis and embedded backends, and identity resolution."""

from __future__ import annotations

from bot.turn.bus import Bus
from memory.bus import EmbeddedBus
from memory.desk import Desk, EmbeddedDesk
from memory.embedded import EmbeddedMemory
from memory.store import Enqueued, EnqueueStatus, Lease, Memory, MemoryPolicy, Queued

__all__ = [
    "Desk",
    "EmbeddedDesk",
    "EmbeddedMemory",
    "EnqueueStatus",
    "Enqueued",
    "Lease",
    "Memory",
    "MemoryPolicy",
    "Queued",
    "open_bus",
    "open_desk",
    "open_memory",
]


def open_memory(url: str | None, policy: MemoryPolicy, namespace: str = "omnibot") -> Memory:
    """Redis (or a Redis Cluster, by the URL's scheme) when ``url`` is given
    (``OMNIBOT_REDIS_URL``), else embedded in-process memory."""
    if not url:
        return EmbeddedMemory(policy)
    from memory.redis_store import RedisMemory  # Redis only when configured

    return RedisMemory.from_url(url, policy, namespace)


def open_desk(url: str | None, namespace: str = "omnibot") -> Desk:
    """The agent desk next to the memory: on Redis when ``url`` is given, else in-process."""
    if not url:
        return EmbeddedDesk()
    from memory.connection import connect
    from memory.redis_desk import RedisDesk

    return RedisDesk(connect(url), namespace)


def open_bus(url: str | None, namespace: str = "omnibot") -> Bus:
    """The bus next to the memory: Redis pub/sub when ``url`` is given, else in-process."""
    if not url:
        return EmbeddedBus()
    from memory.bus import RedisBus
    from memory.connection import connect

    return RedisBus(connect(url), namespace)
