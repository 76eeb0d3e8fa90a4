"""What a turn costs Redis: the commands it runs (the scripts' own included) and its round trips.

A private redis-server (started here, stopped by its PID) is watched with ``MONITOR``, which
shows every command a client sends and every command a script runs inside Redis (``lua``), and
counted with ``INFO commandstats`` after ``CONFIG RESETSTAT``: the two must agree. The turn is
the one a Telegram webhook drives: the channel submits a text from a known customer, the
pipeline resolves the identity (cached), enqueues, runs the turn, commits and releases.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
from redis.asyncio import Redis

from bot.turn.store import MemoryPolicy
from memory.redis.lua import lua
from tests.helpers import Worker, make_memory, start_worker
from tests.redis_server import StartedRedis, start_redis

# A known customer's turn, and a new customer's first one (which also binds the identity).
MOST_COMMANDS = 19
MOST_COMMANDS_FIRST = 33
ROUND_TRIPS = 3
_SCRIPTS = ("enqueue", "commit", "release", "link", "note", "renew")
_NOT_THE_TURN = {"CONFIG", "INFO", "MONITOR", "ECHO", "HELLO", "CLIENT", "SELECT", "SCRIPT"}


@dataclass
class Cost:
    """What Redis was asked during one turn: each round trip with the commands it ran."""

    trips: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def commands(self) -> int:
        return sum(1 + len(inner) for _, inner in self.trips)

    def breakdown(self) -> str:
        lines = [f"  {name}: {1 + len(inner)} ({' '.join(inner)})" for name, inner in self.trips]
        return "\n".join([f"{len(self.trips)} round trips, {self.commands} commands", *lines])


@pytest.fixture(scope="module")
def private_redis() -> Iterator[StartedRedis]:
    """A Redis of this module's own: its statistics count these turns and nothing else."""
    server = start_redis()
    yield server
    server.stop()


@pytest.fixture(params=["redis", "redis-py"])
async def worker(
    request: pytest.FixtureRequest, private_redis: StartedRedis, namespace: str
) -> AsyncIterator[Worker]:
    """A worker on the private Redis: its turn path on the lean wire, or on redis-py."""
    memory = make_memory(request.param, private_redis.url, namespace, MemoryPolicy())
    started = await start_worker(memory)
    yield started
    await started.pipeline.close()
    await memory.close()


def _names() -> dict[str, str]:
    return {hashlib.sha1(lua(name).encode()).hexdigest(): name for name in _SCRIPTS}


async def _watched_turn(worker: Worker, url: str, user: str, text: str) -> Cost:
    """Run one turn of ``user`` and return what Redis saw of it (``MONITOR``)."""
    names = _names()
    cost = Cost()
    watcher = Redis.from_url(url, decode_responses=True)
    control = Redis.from_url(url)
    try:
        async with watcher.monitor() as monitor:
            await worker.channels["telegram"].say(user, text)
            await worker.pipeline.join()
            await control.echo("turn-over")
            while "turn-over" not in (seen := await monitor.next_command())["command"]:
                words = seen["command"].split()
                if seen["client_type"] == "lua":
                    cost.trips[-1][1].append(words[0])
                elif words[0].upper() not in _NOT_THE_TURN:
                    name = names.get(words[1], words[1]) if words[0] == "EVALSHA" else words[0]
                    cost.trips.append((name, []))
    finally:
        await watcher.aclose()
        await control.aclose()
    return cost


async def _counted(url: str) -> int:
    """Commands Redis ran since its statistics were reset, the counting's own aside."""
    control = Redis.from_url(url)
    try:
        stats = await control.info("commandstats")
    finally:
        await control.aclose()
    calls = Counter({name.removeprefix("cmdstat_"): row["calls"] for name, row in stats.items()})
    return sum(n for name, n in calls.items() if name.split("|")[0].upper() not in _NOT_THE_TURN)


async def _reset(url: str) -> None:
    control = Redis.from_url(url)
    try:
        await control.config_resetstat()
    finally:
        await control.aclose()


async def test_a_known_customers_turn_is_three_round_trips_and_few_commands(
    worker: Worker, private_redis: StartedRedis
) -> None:
    url = private_redis.url
    await worker.channels["telegram"].say("u1", "hello")
    await worker.pipeline.join()
    await _reset(url)
    cost = await _watched_turn(worker, url, "u1", "where is my order")
    print(f"\nknown customer's turn on {type(worker.memory).__name__}: {cost.breakdown()}")
    assert [name for name, _ in cost.trips] == ["enqueue", "commit", "release"]
    assert len(cost.trips) == ROUND_TRIPS
    assert cost.commands <= MOST_COMMANDS, cost.breakdown()
    assert await _counted(url) == cost.commands
    assert len(await worker.channels["telegram"].wait_for("u1", 2)) == 2


async def test_a_new_customers_first_turn(worker: Worker, private_redis: StartedRedis) -> None:
    url = private_redis.url
    await _reset(url)
    cost = await _watched_turn(worker, url, "u2", "hello")
    print(f"\nnew customer's first turn: {cost.breakdown()}")
    assert [name for name, _ in cost.trips][-3:] == ["enqueue", "commit", "release"]
    assert cost.commands <= MOST_COMMANDS_FIRST, cost.breakdown()
    assert await _counted(url) == cost.commands
    assert len(await worker.channels["telegram"].wait_for("u2", 1)) == 1
