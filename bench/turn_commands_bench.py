"""What a turn costs Redis and the worker, with and without the records a worker keeps.

    python -m bench.turn_commands_bench [--customers 500] [--turns 10000] [--pairs 3]

A private redis-server (started here, stopped by its PID) so that ``INFO commandstats`` counts
this run's commands alone. Each run drives known customers' turns through the turn pipeline on
one Redis (the lean wire), from ``concurrency`` callers in this process, each turn a text from
a known Telegram customer with a reply. Runs alternate: the worker keeping the records it
parsed (memory/redis/records.py), then not keeping any (``records=0``, every enqueue sends and
parses the record); the median of the pairs is quoted. CPU is this process's (driver, pipeline
and client), per turn; Redis's own CPU per turn is ``INFO cpu``'s.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from bench.pipeline_bench import Load, drive, reply
from bot.app.metrics import Metrics
from bot.format.capabilities import RICH
from bot.turn.delivery import Outlets
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import MemoryPolicy
from connectors.loopback import LoopbackConnector
from memory.keys import KeyLayout
from memory.redis.connection import connect
from memory.redis.records import DEFAULT_SIZE
from memory.redis.store import RedisMemory
from memory.redis.wire import wire_for
from tests.redis_server import start_redis


@dataclass
class Run:
    rate: float
    cpu_ms: float
    redis_cpu_ms: float
    commands: float
    trips: float


async def _stats(url: str) -> tuple[int, float]:
    client = Redis.from_url(url)
    try:
        calls = await client.info("commandstats")
        cpu = await client.info("cpu")
    finally:
        await client.aclose()
    commands = sum(
        row["calls"]
        for name, row in calls.items()
        if not name.startswith(("cmdstat_config", "cmdstat_info"))
    )
    return commands, float(cpu["used_cpu_sys"]) + float(cpu["used_cpu_user"])


async def one_run(url: str, load: Load, records: int) -> Run:
    namespace = f"bench{secrets.token_hex(4)}"
    memory = RedisMemory(
        connect(url), MemoryPolicy(), KeyLayout(namespace), wire=wire_for(url), records=records
    )
    metrics = Metrics()
    trips = 0

    def counted(operation: str) -> None:
        nonlocal trips
        trips += 1

    channel = LoopbackConnector("telegram", RICH)
    turns = TurnPipeline(memory=memory, handler=reply, outlets=Outlets([channel]), metrics=metrics)
    await channel.start(turns)

    async def one_turn(customer: int, n: int) -> None:
        await channel.say(f"user{customer}", f"message {n}", event_id=f"u{n}")

    known = Load(load.customers, load.customers, load.concurrency)
    await drive(known, one_turn)  # every customer known (and their identity cached) first
    await turns.join()
    memory.observe.observer = counted
    control = Redis.from_url(url)
    await control.config_resetstat()
    _, redis_cpu = await _stats(url)
    cpu, started = time.process_time(), time.perf_counter()
    await drive(Load(load.customers, load.turns, load.concurrency), one_turn)
    await turns.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    commands, redis_after = await _stats(url)
    await turns.close()
    await memory.close()
    keys = [key async for key in control.scan_iter(match=f"{namespace}:*", count=5000)]
    for start in range(0, len(keys), 1000):
        await control.delete(*keys[start : start + 1000])
    await control.aclose()
    per = 1000 / load.turns
    return Run(
        load.turns / elapsed,
        cpu * per,
        (redis_after - redis_cpu) * per,
        commands / load.turns,
        trips / load.turns,
    )


async def main(load: Load, pairs: int) -> None:
    server = start_redis()
    try:
        kept: list[Run] = []
        parsed: list[Run] = []
        for _ in range(pairs):
            kept.append(await one_run(server.url, load, DEFAULT_SIZE))
            parsed.append(await one_run(server.url, load, 0))
        report(load, kept, parsed)
    finally:
        server.stop()


def _median(runs: list[Run], field: str) -> float:
    return float(statistics.median(float(getattr(run, field)) for run in runs))


def report(load: Load, kept: list[Run], parsed: list[Run]) -> None:
    print(
        f"load: {load.turns} turns of {load.customers} known customers, {load.concurrency} at once"
    )
    head = ("turns/s", "CPU ms/turn", "Redis CPU ms/turn", "commands/turn", "round trips/turn")
    print(f"{'run':<36}" + "".join(f"{h:>19}" for h in head))
    for name, runs in (("records kept (4,096)", kept), ("records parsed every turn", parsed)):
        fields = ("rate", "cpu_ms", "redis_cpu_ms", "commands", "trips")
        print(f"{name:<36}" + "".join(f"{_median(runs, f):>19.2f}" for f in fields))
    ratio = _median(kept, "cpu_ms") / _median(parsed, "cpu_ms")
    print(f"CPU per turn, kept / parsed (median of {len(kept)} pairs): {ratio:.2f}")
    pairs = ", ".join(
        f"({k.cpu_ms:.3f}, {p.cpu_ms:.3f})" for k, p in zip(kept, parsed, strict=True)
    )
    print(f"pairs, CPU ms/turn (kept, parsed): {pairs}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(Load(args.customers, args.turns, args.concurrency), args.pairs))
