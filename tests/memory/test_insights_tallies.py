"""The insights' tallies' contract, on every backend (one Redis and a Redis Cluster for real):
counts added by many workers at once sum up, a day's counts are kept about 400 days, and the
conversations watched come due once each, held back from a second taker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.desk.insights.tallies import KEEP_DAYS, Tallies
from memory.embedded.insights import EmbeddedTallies
from memory.redis.connection import connect
from memory.redis.insights import RedisTallies
from tests.redis_cluster import OneCustomerPerCommand


@pytest.fixture
async def tallies(backend: str, backend_url: str, namespace: str) -> AsyncIterator[Tallies]:
    if backend == "embedded":
        made: Tallies = EmbeddedTallies()
    elif backend == "cluster":
        client = OneCustomerPerCommand.for_url(backend_url)
        await client.initialize()
        made = RedisTallies(client, namespace)
    else:
        made = RedisTallies(connect(backend_url), namespace)
    yield made
    await made.close()


async def test_counts_from_many_workers_at_once_add_up(tallies: Tallies) -> None:
    one = {("2026-11-22", "t|sms|en|conversations"): 1, ("2026-11-21", "t|sms|en|recontacted"): 1}
    await asyncio.gather(*(tallies.add(one) for _ in range(50)))
    found = await tallies.read(["2026-11-20", "2026-11-21", "2026-11-22"])
    assert found == {
        "2026-11-21": {"t|sms|en|recontacted": 50},
        "2026-11-22": {"t|sms|en|conversations": 50},
    }


async def test_a_watched_conversation_comes_due_once_and_is_held_back(tallies: Tallies) -> None:
    await tallies.add({}, ("c1", 100.0))
    await tallies.add({("2026-11-22", "t|sms|en|conversations"): 1}, ("c2", 200.0))
    assert await tallies.due(150.0, 60.0, 10) == ["c1"]
    takers = await asyncio.gather(tallies.due(150.0, 60.0, 10), tallies.due(150.0, 60.0, 10))
    assert list(takers) == [[], []]  # held until 210
    assert sorted(await tallies.due(250.0, 60.0, 10)) == ["c1", "c2"]
    await tallies.add({}, ("c1", None))  # over
    await tallies.add({}, ("c2", 1000.0))  # checked again later
    assert await tallies.due(999.0, 60.0, 10) == []
    assert await tallies.due(1000.0, 60.0, 10) == ["c2"]


async def test_a_days_counts_are_kept_about_400_days(
    backend: str, backend_url: str, namespace: str
) -> None:
    if backend != "redis":
        pytest.skip("the lifetime of a Redis key")
    tallies = RedisTallies(connect(backend_url), namespace)
    await tallies.add({("2026-11-22", "t|sms|en|conversations"): 1})
    client = Redis.from_url(backend_url)
    ttl = await client.ttl(tallies.key("2026-11-22"))
    await client.aclose()
    await tallies.close()
    assert KEEP_DAYS * 86400 - 60 <= ttl <= KEEP_DAYS * 86400
    assert tallies.key("2026-11-22") == f"{namespace}:{{insights}}:day:2026-11-22"
