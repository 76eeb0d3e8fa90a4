"""``Memory.throttle_all``: several token buckets taken together, all or none, in one step, on
every backend (one Redis and a cluster, where the buckets share one hash slot)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.turn.store import Bucket, Memory, MemoryPolicy
from tests.helpers import make_memory

NUMBER = Bucket("whatsapp:{1065}:out", burst=1, per_second=0.05)
CUSTOMER = Bucket("whatsapp:{1065}:to:5511", burst=2, per_second=0.1)


@pytest.fixture
def now() -> list[float]:
    """The memory's clock, moved by the test (buckets refill in tens of seconds, so that
    Redis's real-time expiry of a key cannot refill one while a slow machine runs the test)."""
    return [1_000_000.0]


@pytest.fixture
async def clocked(
    backend: str, backend_url: str, namespace: str, now: list[float]
) -> AsyncIterator[Memory]:
    store = make_memory(backend, backend_url, namespace, MemoryPolicy(), clock=lambda: now[0])
    await store.ping()
    yield store
    await store.close()


async def test_all_buckets_are_taken_or_none(clocked: Memory) -> None:
    assert await clocked.throttle_all([NUMBER, CUSTOMER]) == 0.0
    assert await clocked.throttle_all([NUMBER, CUSTOMER]) > 0, "the number's one is gone"
    assert await clocked.throttle_all([CUSTOMER]) == 0.0, "the refusal took none of the customer's"
    assert await clocked.throttle_all([CUSTOMER]) > 0


async def test_the_wait_is_until_every_bucket_has_one(clocked: Memory, now: list[float]) -> None:
    await clocked.throttle_all([NUMBER, CUSTOMER])
    await clocked.throttle_all([CUSTOMER])
    wait = await clocked.throttle_all([NUMBER, CUSTOMER])
    assert wait == pytest.approx(20.0, abs=0.01), "the number's, the longer of the two"
    now[0] += wait - 1
    assert await clocked.throttle_all([NUMBER, CUSTOMER]) == pytest.approx(1.0, abs=0.01)
    now[0] += 1
    assert await clocked.throttle_all([NUMBER, CUSTOMER]) == 0.0


async def test_one_bucket_is_the_same_for_throttle_and_throttle_all(clocked: Memory) -> None:
    assert await clocked.throttle(NUMBER.key, NUMBER.burst, NUMBER.per_second)
    assert await clocked.throttle_all([NUMBER]) > 0
    assert await clocked.throttle_all([CUSTOMER]) == 0.0
    assert await clocked.throttle(CUSTOMER.key, CUSTOMER.burst, CUSTOMER.per_second)
    assert not await clocked.throttle(CUSTOMER.key, CUSTOMER.burst, CUSTOMER.per_second)


async def test_workers_racing_take_no_more_than_the_buckets_hold(
    memory: Memory, backend: str, backend_url: str, namespace: str
) -> None:
    others = [
        make_memory(backend, backend_url, namespace, MemoryPolicy())
        if backend != "embedded"
        else memory
        for _ in range(3)
    ]
    slow = [Bucket("race:{n}:out", burst=5, per_second=0.01), Bucket("race:{n}:to", 3, 0.01)]
    try:
        waits = await asyncio.gather(
            *(worker.throttle_all(slow) for worker in [memory, *others] * 4)
        )
    finally:
        for other in others:
            if other is not memory:
                await other.close()
    assert waits.count(0.0) == 3, "the customer's burst bounds what all of them take"


@pytest.mark.parametrize(
    "keys",
    [
        ("whatsapp:{1065}:out", "whatsapp:{2077}:to:5511"),
        ("whatsapp:out:1065", "whatsapp:to:1065:5511"),
        ("whatsapp:{1065}:out", "whatsapp:{1065}:out"),
    ],
    ids=["two-tags", "no-tag", "twice"],
)
async def test_buckets_that_cannot_share_a_slot_are_refused(
    clocked: Memory, keys: tuple[str, str]
) -> None:
    with pytest.raises(ValueError, match="bucket"):
        await clocked.throttle_all([Bucket(key, 1, 1.0) for key in keys])
    assert await clocked.throttle_all([Bucket(keys[0], 1, 1.0)]) == 0.0, "nothing was taken"


async def test_no_buckets_take_nothing(clocked: Memory) -> None:
    assert await clocked.throttle_all([]) == 0.0
