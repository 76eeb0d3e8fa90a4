"""The shared memory's backends (adapters): the in-process one, and Redis (one server or a
cluster). Each implements a contract the core owns: the store (:mod:`bot.turn.store`), the desk
(:mod:`bot.desk.store`), the bus (:mod:`bot.turn.bus`), the schedule
(:mod:`bot.outreach.schedule`) and the open pages (:mod:`bot.turn.presence`). Only the
composition root (:mod:`bot.app.compose`) imports this package, and the Redis modules only when
a URL names Redis: importing this package loads no Redis client.
"""

from __future__ import annotations

from memory.embedded.bus import EmbeddedBus
from memory.embedded.desk import EmbeddedDesk
from memory.embedded.presence import EmbeddedPresence
from memory.embedded.schedule import EmbeddedSchedule
from memory.embedded.store import EmbeddedMemory

__all__ = [
    "EmbeddedBus",
    "EmbeddedDesk",
    "EmbeddedMemory",
    "EmbeddedPresence",
    "EmbeddedSchedule",
]
