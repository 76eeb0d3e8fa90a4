"""What the scheduler's tests share: the schedule on each backend (on the
cluster with a client that fails a command over two shards), items, and counting what fired."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import JsonValue

from bot.format.messages import SystemEvent
from bot.format.transcript import InboundEntry
from bot.outreach.schedule import Schedule, Scheduled
from bot.outreach.scheduler import EVENT_ID_PREFIX
from bot.turn.store import Memory
from memory import EmbeddedSchedule
from memory.redis.connection import Cluster, cluster_url, connect
from memory.redis.schedule import RedisSchedule
from tests.helpers import NOW
from tests.helpers import Clock as Clock  # where tests/console/test_insights_browser.py finds it

_SHARD_TAG = re.compile(rb"\{sched:\d+\}")


def item(
    customer: str = "c1",
    key: str = "reminder",
    due_in: float = 60.0,
    name: str = "cart.remind",
    **fields: Any,
) -> Scheduled:
    """An item due ``due_in`` seconds after :data:`NOW`."""
    return Scheduled(
        customer_id=customer,
        key=key,
        due_at=NOW + timedelta(seconds=due_in),
        name=name,
        created_at=NOW,
        **fields,
    )


class OneShardPerCommand(Cluster):
    """A cluster client that fails the test when a command names keys outside one shard of the
    schedule, and remembers every shard tag it saw (the cluster would refuse two slots; two
    shards' tags may share a slot by chance, this does not depend on chance)."""

    tags: set[bytes]

    @classmethod
    def for_url(cls, url: str) -> OneShardPerCommand:
        node = cluster_url(url)
        assert node is not None, f"{url} does not name a cluster"
        client = cls.from_url(node, reinitialize_steps=0)
        assert isinstance(client, cls)
        client.tags = set()
        return client

    async def _determine_slot(self, command: str, *args: Any) -> int:
        if command.upper() in ("EVAL", "EVALSHA"):
            keys = list(args[2 : 2 + int(args[1])])
        else:
            keys = list(await self.commands_parser.get_keys(command, *args) or [])
        encoded = [key if isinstance(key, bytes) else str(key).encode() for key in keys]
        tags = {tag.group() for key in encoded if (tag := _SHARD_TAG.search(key))}
        assert len(tags) == 1, f"{command} is not on one shard of the schedule: {encoded}"
        assert all(_SHARD_TAG.search(key) for key in encoded), f"{command} mixes {encoded}"
        self.tags |= tags
        slot: int = await super()._determine_slot(command, *args)
        return slot


def make_schedule(kind: str, url: str, namespace: str) -> Schedule:
    """The schedule on a backend: "embedded", "redis" or "cluster"."""
    if kind == "embedded":
        return EmbeddedSchedule()
    if kind == "cluster":
        return RedisSchedule(OneShardPerCommand.for_url(url), namespace)
    return RedisSchedule(connect(url), namespace)


async def fired(memory: Memory, customer: str) -> list[SystemEvent]:
    """The scheduled items that reached the customer's turns, in order."""
    return [
        entry.event
        for entry in await memory.transcript(customer, 10_000)
        if isinstance(entry, InboundEntry)
        and isinstance(entry.event, SystemEvent)
        and (entry.event.event_id or "").startswith(EVENT_ID_PREFIX)
    ]


@dataclass
class Tally:
    """How many times each item fired, over many customers."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, events: list[SystemEvent]) -> None:
        for event in events:
            key = event.event_id or ""
            self.counts[key] = self.counts.get(key, 0) + 1

    def figures(self, scheduled: int) -> dict[str, JsonValue]:
        once = sum(1 for n in self.counts.values() if n == 1)
        return {
            "scheduled": scheduled,
            "fired_once": once,
            "duplicated": sum(1 for n in self.counts.values() if n > 1),
            "lost": scheduled - len(self.counts),
        }


async def fired_within(memory: Memory, customer: str, seconds: float) -> list[SystemEvent]:
    """The customer's fired items, once there are any; fails the test after ``seconds``."""
    for _ in range(int(seconds / 0.05)):
        if found := await fired(memory, customer):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing fired for {customer} within {seconds}s")
