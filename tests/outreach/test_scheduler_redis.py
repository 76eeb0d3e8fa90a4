"""The scheduler on a Redis of the test's own, in real time: an item survives Redis restarting
(append-only file) between being scheduled and firing; an idle worker sends Redis nothing, and
wakes when another worker schedules something sooner."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from redis.asyncio import Redis

from bot.format.messages import utcnow
from bot.outreach.scheduler import Scheduler, Timing
from bot.turn.store import MemoryPolicy
from memory import EmbeddedBus
from memory.redis.bus import RedisBus
from memory.redis.connection import connect
from memory.redis.schedule import RedisSchedule
from memory.redis.store import RedisMemory
from tests.helpers import start_worker
from tests.outreach.kit import fired, fired_within, item
from tests.redis_server import DurableRedis, start_redis

NAMESPACE = "sched"


async def commands(client: Redis) -> int:
    """How many commands Redis has processed so far."""
    stats = await client.info("stats")
    return int(stats["total_commands_processed"])


async def test_an_item_scheduled_before_redis_restarts_fires_after(tmp_path: Path) -> None:
    redis = DurableRedis(tmp_path / "redis")
    redis.start()
    try:
        schedule = RedisSchedule(connect(redis.url), NAMESPACE)
        put = await schedule.put(item(customer="c1", due_in=-5))
        await schedule.close()
        await asyncio.to_thread(redis.stop)
        await asyncio.to_thread(redis.start)
        memory = RedisMemory.from_url(redis.url, MemoryPolicy(), NAMESPACE)
        worker = await start_worker(memory)
        scheduler = Scheduler(
            RedisSchedule(connect(redis.url), NAMESPACE), worker.pipeline, memory, EmbeddedBus()
        )
        try:
            assert await scheduler.fire_due() == 1
            await worker.pipeline.join()
            assert [e.event_id for e in await fired(memory, "c1")] == [f"sched:{put.id}"]
        finally:
            await scheduler.stop()
            await memory.close()
    finally:
        redis.stop()


async def test_an_idle_worker_sends_redis_nothing_and_wakes_for_a_sooner_item() -> None:
    redis = start_redis()
    memory = RedisMemory.from_url(redis.url, MemoryPolicy(), NAMESPACE)
    worker = await start_worker(memory)
    idle = Timing(idle_check=timedelta(minutes=10))
    buses = [RedisBus(connect(redis.url), NAMESPACE) for _ in range(2)]
    sleeper, other = (
        Scheduler(
            RedisSchedule(connect(redis.url), NAMESPACE),
            worker.pipeline,
            memory,
            bus,
            timing=idle,
        )
        for bus in buses
    )
    counter = Redis.from_url(redis.url)
    try:
        await sleeper.start()
        await asyncio.sleep(0.5)  # it looked, found nothing, and sleeps for ten minutes
        first = await commands(counter)
        counting = await commands(counter) - first  # what asking costs
        await asyncio.sleep(3)
        assert await commands(counter) - first == 2 * counting
        due = utcnow() + timedelta(seconds=0.5)
        put = await other.put(item(customer="c1").model_copy(update={"due_at": due}))
        events = await fired_within(memory, "c1", 5)
        assert utcnow() >= due
        assert [e.event_id for e in events] == [f"sched:{put.id}"]
    finally:
        await counter.aclose()
        await sleeper.stop()
        await other.stop()
        for bus in buses:
            await bus.close()
        await worker.pipeline.close(5)
        await memory.close()
        redis.stop()
