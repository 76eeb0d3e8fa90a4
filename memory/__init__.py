"""The shared memory's backends (adapters): the in-process one, and Redis (one server or a
cluster). Each implements a contract the core owns: the store (:mod:`bot.turn.store`), the desk
(:mod:`bot.desk.store`) and the bus (:mod:`bot.turn.bus`). Only the composition root
(:mod:`bot.app.compose`) imports this package; Redis is imported only when a URL names it.
"""

from __future__ import annotations

from bot.desk.store import Desk
from bot.turn.bus import Bus
from bot.turn.store import Memory, MemoryPolicy
from memory.embedded import EmbeddedMemory
from memory.embedded_bus import EmbeddedBus
from memory.embedded_desk import EmbeddedDesk

__all__ = [
    "EmbeddedBus",
    "EmbeddedDesk",
    "EmbeddedMemory",
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
    from memory.connection import connect
    from memory.redis_bus import RedisBus

    return RedisBus(connect(url), namespace)
