"""Turns per second through the turn pipeline, against the floor of the same Redis, same run.

    python -m bench.pipeline_bench [--customers 1000] [--turns 20000] [--concurrency 64]

The floor does what any stateful bot must do per turn, and nothing else: GET the customer's
state and SET it back (two round trips) from the same number of concurrent callers. The
pipeline run does a full turn: identity resolution, deduplication, the per-customer lease,
the handler, rendering, the commit of state and transcript, delivery to an in-process channel
and the lease release. Runs alternate (floor, pipeline) and the median of the pairs is quoted,
because this shared machine's speed moves between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.app.compose import open_memory
from bot.app.metrics import Metrics
from bot.format.capabilities import RICH
from bot.format.outbound import Text
from bot.turn.delivery import Outlets
from bot.turn.handler import Turn, TurnOutcome
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory, MemoryPolicy
from connectors.loopback import LoopbackConnector
from tests.redis_server import find_or_start


async def reply(turn: Turn) -> TurnOutcome:
    """A handler that does the least a real one does: update a slot and answer."""
    count = turn.customer.slots.get("n", 0)
    assert isinstance(count, int)
    count += 1
    customer = turn.customer.model_copy(update={"slots": {"n": count}})
    return TurnOutcome(customer=customer, replies=(Text(text=f"reply {count}"),))


@dataclass
class Load:
    customers: int
    turns: int
    concurrency: int


async def drive(load: Load, one_turn: Callable[[int, int], Awaitable[object]]) -> float:
    """Run ``load.turns`` calls of ``one_turn(customer, n)`` from ``concurrency`` callers."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(load.turns):
        queue.put_nowait(n)

    async def caller() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await one_turn(n % load.customers, n)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(load.concurrency)))
    return load.turns / (time.perf_counter() - started)


async def floor(url: str, load: Load) -> float:
    client = Redis.from_url(url)
    prefix = f"bench-floor-{secrets.token_hex(4)}"
    state = json.dumps({"slots": {"n": 0}, "version": 0})

    async def one_turn(customer: int, n: int) -> None:
        key = f"{prefix}:{customer}"
        await client.get(key)
        await client.set(key, state)

    rate = await drive(load, one_turn)
    await _wipe(client, prefix)
    await client.aclose()
    return rate


async def pipeline(memory: Memory, load: Load) -> tuple[float, float]:
    """Turns per second end to end (until the last reply is delivered), and round trips per turn."""
    metrics = Metrics()
    memory.observe.observer = metrics.count_round_trip
    channel = LoopbackConnector("telegram", RICH)
    turns = TurnPipeline(memory=memory, handler=reply, outlets=Outlets([channel]), metrics=metrics)
    await channel.start(turns)

    async def one_turn(customer: int, n: int) -> None:
        await channel.say(f"user{customer}", f"message {n}", event_id=f"u{n}")

    started = time.perf_counter()
    await drive(load, one_turn)
    await turns.join()
    rate = load.turns / (time.perf_counter() - started)
    delivered = sum(len(messages) for messages in channel.sent.values())
    assert delivered == load.turns, f"{delivered} replies for {load.turns} turns"
    trips = sum(
        sample.value
        for family in metrics.registry.collect()
        if family.name == "omnibot_memory_round_trips"
        for sample in family.samples
        if sample.name.endswith("_total")
    )
    await turns.close()
    return rate, trips / load.turns


async def _wipe(client: Redis, prefix: str) -> None:
    keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=5000)]
    for start in range(0, len(keys), 1000):
        await client.delete(*keys[start : start + 1000])


async def main(load: Load, pairs: int) -> None:
    url, started = find_or_start()
    try:
        floors: list[float] = []
        rates: list[float] = []
        trips: list[float] = []
        for _ in range(pairs):
            floors.append(await floor(url, load))
            namespace = f"bench{secrets.token_hex(4)}"
            memory = open_memory(url, MemoryPolicy(), namespace)
            rate, per_turn = await pipeline(memory, load)
            rates.append(rate)
            trips.append(per_turn)
            await _wipe(Redis.from_url(url), namespace)
            await memory.close()
        embedded, embedded_trips = await pipeline(open_memory(None, MemoryPolicy()), load)
        report(load, floors, rates, trips, embedded, embedded_trips)
    finally:
        if started:
            started.stop()


def report(
    load: Load,
    floors: list[float],
    rates: list[float],
    trips: list[float],
    embedded: float,
    embedded_trips: float,
) -> None:
    floor_median, rate_median = statistics.median(floors), statistics.median(rates)
    print(f"load: {load.turns} turns, {load.customers} customers, {load.concurrency} callers")
    print(f"{'run':<44}{'turns/s':>10}{'round trips/turn':>18}")
    print(f"{'floor: redis GET + SET per turn':<44}{floor_median:>10.0f}{2.0:>18.2f}")
    print(f"{'pipeline, redis memory':<44}{rate_median:>10.0f}{statistics.median(trips):>18.2f}")
    print(f"{'pipeline, embedded memory':<44}{embedded:>10.0f}{embedded_trips:>18.2f}")
    print(f"ratio pipeline/floor (median of {len(rates)} pairs): {rate_median / floor_median:.2f}")
    pairs = ", ".join(f"({f:.0f}, {r:.0f})" for f, r in zip(floors, rates, strict=True))
    print(f"pairs (floor, pipeline): {pairs}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(Load(args.customers, args.turns, args.concurrency), args.pairs))
