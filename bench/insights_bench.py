"""What the managers' insights cost: Redis commands and round trips per turn with and without
them, and the bytes a day's tallies take in Redis, from a real run of a day of customers.

    python -m bench.insights_bench [--customers 10000] [--turns-each 4]

On a Redis of its own (so that ``INFO commandstats`` counts only this run), each customer has
one conversation of ``--turns-each`` messages on one of six channels, in English or Portuguese;
three in ten enter a flow, and one in ten is left inside it (abandoned). The same day is run
twice, without the insights and with them, through the real turn pipeline; then the clock moves
a day on and the idle sweep closes every conversation (their checks are turns too, counted
apart).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from bot.app.compose import open_memory, open_tallies
from bot.desk.insights.accounting import InsightPolicy
from bot.desk.insights.recorder import Insights
from bot.desk.insights.sweeper import IdleSweeper
from bot.desk.insights.tallies import Tallies, Watch
from bot.format.messages import InboundEvent
from bot.format.outbound import Text
from bot.turn.delivery import Outlets
from bot.turn.handler import Turn, TurnOutcome
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory, MemoryPolicy
from connectors.channels import CHANNELS
from connectors.loopback import LoopbackConnector
from tests.redis_server import start_redis

NAMES = ("telegram", "sms", "webchat", "whatsapp", "slack", "email")
START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


async def handler(turn: Turn) -> TurnOutcome:
    """Answers; a customer whose number ends in 0-2 enters a flow on their first message, and
    leaves it on their last unless it ends in 0 (abandoned)."""
    record = turn.customer
    number = int(str(record.slots.get("number", 0)))
    said = int(str(record.slots.get("said", 0))) + 1
    dialog = dict(record.dialog)
    if said == 1 and number % 10 < 3:
        dialog = {"stack": [{"flow": "order", "step": "order_id"}]}
    elif said == 4 and number % 10 in (1, 2):
        dialog = {}
    language = "pt" if number % 2 else "en"
    text = turn.input.text if isinstance(turn.input, InboundEvent) else None
    if text is not None and text.startswith("hello "):
        number = int(text.split()[1])
    slots = {**record.slots, "said": said, "number": number}
    customer = record.model_copy(update={"slots": slots, "dialog": dialog, "language": language})
    return TurnOutcome(customer=customer, replies=(Text(text=f"reply {said}"),))


class Counting(Tallies):
    """The tallies, counting the calls that write to them (one round trip each)."""

    def __init__(self, inner: Tallies) -> None:
        self.inner, self.calls = inner, 0

    async def add(self, counts: Mapping[tuple[str, str], int], watch: Watch | None = None) -> None:
        self.calls += 1
        await self.inner.add(counts, watch)

    async def due(self, now: float, hold: float, limit: int) -> list[str]:
        return await self.inner.due(now, hold, limit)

    async def read(self, days: Sequence[str]) -> dict[str, dict[str, int]]:
        return await self.inner.read(days)

    async def close(self) -> None:
        await self.inner.close()


async def commands(client: Redis) -> int:
    stats = await client.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if not k.endswith("info"))


async def day(url: str, customers: int, each: int, with_insights: bool) -> dict[str, float]:
    namespace = f"bench{secrets.token_hex(4)}"
    memory = open_memory(url, MemoryPolicy(), namespace)
    tallies = Counting(open_tallies(url, namespace))
    insights = Insights(tallies, InsightPolicy()) if with_insights else None
    clock = Clock()
    channels = {name: LoopbackConnector(name, CHANNELS[name]) for name in NAMES}
    pipeline = TurnPipeline(
        memory=memory,
        handler=handler,
        outlets=Outlets(channels.values()),
        clock=clock,
        insights=insights,
    )
    for channel in channels.values():
        await channel.start(pipeline)
    client = Redis.from_url(url)
    before = await commands(client)
    for n in range(each):
        clock.now = START + timedelta(minutes=n)
        for first in range(0, customers, 64):
            last = min(first + 64, customers)
            await asyncio.gather(*(say(channels, pipeline, c, n) for c in range(first, last)))
            await pipeline.join()
    turns = customers * each
    result = {
        "commands_per_turn": (await commands(client) - before - 1) / turns,
        "writes_per_turn": tallies.calls / turns,
    }
    if insights is not None:
        result.update(await closing(client, namespace, insights, pipeline, clock, memory))
    await pipeline.close()
    await memory.close()
    await tallies.close()
    await client.aclose()
    return result


async def say(
    channels: dict[str, LoopbackConnector], pipeline: TurnPipeline, customer: int, n: int
) -> None:
    channel = channels[NAMES[customer % len(NAMES)]]
    if n == 0:  # the first message also tells the handler who this is
        await channel.say(f"u{customer}", f"hello {customer}", event_id=f"{customer}:{n}")
        return
    await channel.say(f"u{customer}", f"message {n}", event_id=f"{customer}:{n}")


async def closing(
    client: Redis,
    namespace: str,
    insights: Insights,
    pipeline: TurnPipeline,
    clock: Clock,
    memory: Memory,
) -> dict[str, float]:
    """Bytes of the day's tallies and of the open conversations, then the sweep a day on."""
    day_key = f"{namespace}:{{insights}}:day:{START.date().isoformat()}"
    open_key = f"{namespace}:{{insights}}:open"
    found = {
        "day_hash_fields": float(await client.hlen(day_key)),
        "open_bytes": float(await client.memory_usage(open_key) or 0),
    }
    clock.now = START + timedelta(days=1, hours=1)

    async def known(customer_id: str) -> bool:
        return await memory.load(customer_id) is not None

    sweeper = IdleSweeper(insights, pipeline.notify, known, clock)
    before, checks = await commands(client), 0
    while queued := await sweeper.sweep():
        checks += queued
        await pipeline.join()
    found["check_commands_each"] = (await commands(client) - before - 1) / max(checks, 1)
    found["day_bytes"] = float(await client.memory_usage(day_key) or 0)
    found["day_hash_fields_closed"] = float(await client.hlen(day_key))
    found["open_left"] = float(await client.zcard(open_key))
    return found


async def measure(customers: int, each: int) -> tuple[dict[str, float], dict[str, float]]:
    """The day without the insights, and with them."""
    started = start_redis()
    try:
        without = await day(started.url, customers, each, with_insights=False)
        with_them = await day(started.url, customers, each, with_insights=True)
    finally:
        started.stop()
    return without, with_them


async def main(customers: int, each: int) -> None:
    without, with_them = await measure(customers, each)
    extra = with_them["commands_per_turn"] - without["commands_per_turn"]
    print(f"{customers} customers, {each} messages each, one day")
    print(f"redis commands per turn without insights: {without['commands_per_turn']:.2f}")
    print(f"redis commands per turn with insights:    {with_them['commands_per_turn']:.2f}")
    print(f"extra per turn (averaged over the day):   {extra:.2f}")
    print(f"insights writes (round trips) per turn:   {with_them['writes_per_turn']:.3f}")
    print(f"extra per conversation start:             {extra * each:.2f}")
    print(f"each idle check (a system turn):          {with_them['check_commands_each']:.2f}")
    print(f"open conversations set, before the sweep: {with_them['open_bytes'] / 1024:.0f} KiB")
    print(f"open conversations left after the sweep:  {with_them['open_left']:.0f}")
    print(
        f"the day's hash: {with_them['day_hash_fields_closed']:.0f} fields, "
        f"{with_them['day_bytes'] / 1024:.1f} KiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--turns-each", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main(args.customers, args.turns_each))
