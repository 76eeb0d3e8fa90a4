"""The scheduler's cost per due item on Redis, against the floor of the same Redis, same run.

    python -m bench.scheduler_bench [--items 100000] [--customers 10000] [--workers 4]
                                    [--runtime-items 10000] [--write bench/results/scheduler.md]

The floor is the least any durable scheduler on Redis does: one sorted set of ids by due time,
filled with ZADD, and emptied by a script that takes a batch of due ids and removes them (no
item bodies, no claims that can run out, no index by customer, one hot key). The schedule
(:class:`memory.redis.schedule.RedisSchedule`) keeps the item, its claim and the customer's
index, over 16 shards. Both are filled with ``--items`` items over ``--customers`` customers,
all due, and emptied by ``--workers`` concurrent claimers in batches of 100 (per shard, for the
schedule). Runs alternate (floor, schedule) and the median of the pairs is quoted.

Also measured: the Redis memory per pending item (``INFO memory`` before and after filling the
schedule), items per second through the whole runtime path (claimed, queued as a system event
in the customer's inbox, a turn run and committed, done) for ``--runtime-items``, and what an
idle scheduler sends Redis (on a Redis of its own, so nothing else is counted).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from redis.asyncio import Redis

from bot.app.metrics import Metrics
from bot.format.capabilities import RICH
from bot.format.messages import SystemEvent, utcnow
from bot.format.transcript import InboundEntry
from bot.outreach.schedule import Scheduled
from bot.outreach.scheduler import Scheduler, Timing
from bot.turn.delivery import Outlets
from bot.turn.handler import Turn, TurnOutcome
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import MemoryPolicy
from connectors.loopback import LoopbackConnector
from memory import EmbeddedBus
from memory.redis.bus import RedisBus
from memory.redis.connection import connect
from memory.redis.schedule import SHARDS, RedisSchedule
from memory.redis.store import RedisMemory
from tests.redis_server import find_or_start, start_redis

BATCH = 100
VISIBILITY = timedelta(minutes=5)
_FLOOR_CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #ids > 0 then redis.call('ZREM', KEYS[1], unpack(ids)) end
return ids
"""


@dataclass
class Load:
    items: int
    customers: int
    workers: int
    runtime_items: int
    pairs: int


@dataclass
class Results:
    load: Load
    floors: list[float] = field(default_factory=list)
    schedules: list[float] = field(default_factory=list)
    puts: list[float] = field(default_factory=list)
    bytes_per_item: float = 0.0
    runtime_rate: float = 0.0
    runtime_once: int = 0
    idle_seconds: float = 0.0
    idle_commands: int = 0
    check_commands: int = 0


def items_of(load: Load, count: int, customers: int) -> list[Scheduled]:
    """``count`` items over ``customers`` customers, all due a minute ago."""
    due = utcnow() - timedelta(minutes=1)
    return [
        Scheduled(customer_id=f"c{n % customers}", key=f"k{n}", due_at=due, name="bench.due")
        for n in range(count)
    ]


async def concurrently(workers: int, work: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(work() for _ in range(workers)))
    return time.perf_counter() - started


async def floor(url: str, load: Load) -> float:
    """Items per second out of one sorted set of ids (the floor)."""
    client = Redis.from_url(url)
    key = f"bench-floor-{secrets.token_hex(4)}"
    for start in range(0, load.items, 1000):
        await client.zadd(key, {f"i{n}": 0 for n in range(start, min(load.items, start + 1000))})
    claim = client.register_script(_FLOOR_CLAIM)
    taken = 0

    async def claimer() -> None:
        nonlocal taken
        while ids := await claim(keys=[key], args=[1, BATCH]):
            taken += len(ids)

    seconds = await concurrently(load.workers, claimer)
    assert taken == load.items, f"the floor took {taken} of {load.items}"
    await client.delete(key)
    await client.aclose()
    return load.items / seconds


async def used_memory(client: Redis) -> int:
    info = await client.info("memory")
    return int(info["used_memory"])


async def schedule_run(url: str, load: Load) -> tuple[float, float, float]:
    """Puts per second, items per second claimed and done, and bytes per pending item."""
    namespace = f"bench{secrets.token_hex(4)}"
    schedule = RedisSchedule(connect(url), namespace)
    raw = Redis.from_url(url)
    items = items_of(load, load.items, load.customers)
    before = await used_memory(raw)
    queue = iter(items)

    async def putter() -> None:
        for item in queue:
            await schedule.put(item)

    put_seconds = await concurrently(64, putter)
    per_item = (await used_memory(raw) - before) / load.items
    handled = 0

    async def claimer() -> None:
        nonlocal handled
        worker = secrets.token_hex(4)
        while batch := await schedule.claim_due(utcnow(), BATCH, worker, VISIBILITY):
            await schedule.done(batch)
            handled += len(batch)

    seconds = await concurrently(load.workers, claimer)
    assert handled == load.items, f"the schedule handled {handled} of {load.items}"
    assert await schedule.next_due() is None
    await schedule.close()
    await raw.aclose()
    await wipe(url, namespace)
    return load.items / put_seconds, load.items / seconds, per_item


async def reply(turn: Turn) -> TurnOutcome:
    """A handler that keeps a count, as a flow's step would change a slot."""
    count = turn.customer.slots.get("n", 0)
    assert isinstance(count, int)
    customer = turn.customer.model_copy(update={"slots": {"n": count + 1}})
    return TurnOutcome(customer=customer)


async def runtime_run(url: str, load: Load) -> tuple[float, int]:
    """Items per second through the whole path, and how many fired exactly once."""
    namespace = f"bench{secrets.token_hex(4)}"
    customers = max(1, load.runtime_items // 10)
    schedules = [RedisSchedule(connect(url), namespace) for _ in range(load.workers)]
    memory = RedisMemory.from_url(url, MemoryPolicy(), namespace)
    channel = LoopbackConnector("telegram", RICH)
    pipeline = TurnPipeline(memory=memory, handler=reply, outlets=Outlets([channel]))
    await channel.start(pipeline)
    for item in items_of(load, load.runtime_items, customers):
        await schedules[0].put(item)
    firing = [
        Scheduler(s, pipeline, memory, EmbeddedBus(), metrics=Metrics(), timing=Timing(batch=BATCH))
        for s in schedules
    ]
    started = time.perf_counter()
    await asyncio.gather(*(scheduler.fire_due() for scheduler in firing))
    await pipeline.join()
    rate = load.runtime_items / (time.perf_counter() - started)
    seen: dict[str, int] = {}
    for n in range(customers):
        for entry in await memory.transcript(f"c{n}", 10_000):
            if isinstance(entry, InboundEntry) and isinstance(entry.event, SystemEvent):
                seen[entry.event.event_id or ""] = seen.get(entry.event.event_id or "", 0) + 1
    once = sum(1 for count in seen.values() if count == 1)
    await pipeline.close()
    for scheduler in firing:
        await scheduler.stop()
    await memory.close()
    await wipe(url, namespace)
    return rate, once


async def idle_run(seconds: float) -> tuple[int, int]:
    """Commands an idle scheduler (default timing) has Redis run in ``seconds``, on a Redis of
    its own (those its scripts run included); and what one idle check costs (measured on a
    scheduler asking every 0.2 s)."""
    redis = start_redis()
    try:
        idle = await _idle_commands(redis.url, seconds, Timing())
        eager = Timing(idle_check=timedelta(seconds=0.2))
        asked = await _idle_commands(redis.url, 2.0, eager, checks=True)
        return idle, asked
    finally:
        redis.stop()


async def _idle_commands(url: str, seconds: float, timing: Timing, checks: bool = False) -> int:
    memory = RedisMemory.from_url(url, MemoryPolicy(), "idle")
    pipeline = TurnPipeline(memory=memory, handler=reply, outlets=Outlets([]))
    bus = RedisBus(connect(url), "idle")
    scheduler = Scheduler(RedisSchedule(connect(url), "idle"), pipeline, memory, bus, timing=timing)
    counter = Redis.from_url(url)
    await scheduler.start()
    await asyncio.sleep(0.5)
    await counter.config_resetstat()
    await asyncio.sleep(seconds)
    stats = await counter.info("commandstats")
    await scheduler.stop()
    await bus.close()
    await memory.close()
    await counter.aclose()
    counted = {name: int(value["calls"]) for name, value in stats.items() if "config" not in name}
    if checks:  # per idle check: each check is one script per shard
        return round(sum(counted.values()) * SHARDS / max(1, counted.get("cmdstat_evalsha", 1)))
    return sum(counted.values())


async def wipe(url: str, namespace: str) -> None:
    client = Redis.from_url(url)
    keys = [key async for key in client.scan_iter(match=f"{namespace}:*", count=5000)]
    for start in range(0, len(keys), 1000):
        await client.delete(*keys[start : start + 1000])
    await client.aclose()


async def bench(load: Load, url: str, idle_seconds: float = 60.0) -> Results:
    results = Results(load)
    for _ in range(load.pairs):
        results.floors.append(await floor(url, load))
        puts, rate, per_item = await schedule_run(url, load)
        results.puts.append(puts)
        results.schedules.append(rate)
        results.bytes_per_item = per_item
    results.runtime_rate, results.runtime_once = await runtime_run(url, load)
    results.idle_seconds = idle_seconds
    results.idle_commands, results.check_commands = await idle_run(idle_seconds)
    return results


def report(results: Results) -> str:
    load = results.load
    floor_median = statistics.median(results.floors)
    rate_median = statistics.median(results.schedules)
    pairs = ", ".join(
        f"({f:.0f}, {r:.0f})" for f, r in zip(results.floors, results.schedules, strict=True)
    )
    per_minute = results.idle_commands * 60 / results.idle_seconds
    lines = [
        f"Load: {load.items:,} due items over {load.customers:,} customers, "
        f"{load.workers} concurrent claimers, batches of {BATCH}; median of {load.pairs} pairs.",
        "",
        "| run | items/s | ratio to floor |",
        "|---|---:|---:|",
        f"| floor: one sorted set, claim = ZRANGEBYSCORE + ZREM | {floor_median:,.0f} | 1.00 |",
        f"| schedule: claim_due + done, {SHARDS} shards | {rate_median:,.0f} "
        f"| {rate_median / floor_median:.2f} |",
        f"| schedule: put (64 concurrent callers) | {statistics.median(results.puts):,.0f} | |",
        f"| full path: claimed, queued, turn run, done ({load.runtime_items:,} items, "
        f"{load.workers} schedulers, one pipeline) | {results.runtime_rate:,.0f} | |",
        "",
        f"- pairs (floor, schedule): {pairs}",
        f"- Redis memory per pending item: {results.bytes_per_item:,.0f} bytes",
        f"- full path: {results.runtime_once:,} of {load.runtime_items:,} items fired exactly once",
        f"- idle: {results.idle_commands} Redis commands in {results.idle_seconds:.0f} s "
        f"({per_minute:.0f} per minute) from one idle worker with the default timing; one idle "
        f"check is {SHARDS} requests (a script per shard) and {results.check_commands} commands "
        "counted by Redis (those the scripts run included), made once per `idle_check` (60 s) "
        "or when the bus says an item is due sooner",
    ]
    return "\n".join(lines) + "\n"


async def main(load: Load, idle_seconds: float) -> str:
    url, started = find_or_start()
    try:
        return report(await bench(load, url, idle_seconds))
    finally:
        if started:
            started.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runtime-items", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    load = Load(args.items, args.customers, args.workers, args.runtime_items, args.pairs)
    text = asyncio.run(main(load, args.idle_seconds))
    print(text)
    if args.write is not None:
        args.write.write_text(text, encoding="utf-8")
