"""A worker keeps the customer records it parsed between turns (memory/redis/records.py), and
never uses one another worker has replaced: two workers (two stores on one backend) take turns
on one customer, on every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.turn.customer import CustomerRecord
from bot.turn.store import EnqueueStatus, Lease, Memory, MemoryPolicy
from memory.redis.records import Records, held
from tests.helpers import EVERY_BACKEND, identity, make_memory, record, text_event


@pytest.fixture(params=EVERY_BACKEND)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def workers(
    backend: str, backend_url: str, namespace: str
) -> AsyncIterator[tuple[Memory, Memory]]:
    """Two workers' stores on one backend (in process: one store, as one process shares it)."""
    first = make_memory(backend, backend_url, namespace, MemoryPolicy())
    second = (
        first
        if backend == "embedded"
        else make_memory(backend, backend_url, namespace, MemoryPolicy())
    )
    await first.create_customer(identity(), "c1")
    yield first, second
    await first.close()
    if second is not first:
        await second.close()


async def _turn(store: Memory, n: int, update: CustomerRecord | None = None) -> CustomerRecord:
    """One turn on ``store``: returns the record it started from, commits ``update`` (or the
    record with its count moved on) and releases."""
    enqueued = await store.enqueue(
        "c1", text_event(event_id=f"e{n}"), identity=identity(), token=f"t{n}"
    )
    assert enqueued.status is EnqueueStatus.ACQUIRED
    lease, head = enqueued.lease, enqueued.head
    assert lease is not None
    assert head is not None
    started = enqueued.customer or record("c1", count=0)
    count = started.slots.get("count", 0)
    assert isinstance(count, int)
    after = update or started.model_copy(update={"slots": {**started.slots, "count": count + 1}})
    assert await store.commit(lease, head, after, []) is None
    assert await store.release(lease) is None
    return started


async def test_workers_taking_turns_never_start_from_a_stale_record(
    workers: tuple[Memory, Memory],
) -> None:
    for n in range(1, 9):
        store = workers[n % 2]
        stored = await store.load("c1")
        started = await _turn(store, n)
        assert started.slots.get("count", 0) == n - 1
        assert stored is None or started == stored


async def test_a_worker_starts_from_the_record_it_committed(
    workers: tuple[Memory, Memory],
) -> None:
    first, _ = workers
    committed = record("c1", count=41)
    await _turn(first, 1, committed)
    assert await _turn(first, 2) is committed


async def test_a_record_of_the_same_size_written_by_another_worker_is_read(
    workers: tuple[Memory, Memory],
) -> None:
    first, second = workers
    await _turn(first, 1, record("c1", name="ana"))
    await _turn(second, 2, record("c1", name="bea"))
    assert (await _turn(first, 3)).slots["name"] == "bea"


async def test_a_rewritten_record_is_read(workers: tuple[Memory, Memory]) -> None:
    first, second = workers
    await _turn(first, 1, record("c1", name="ana"))
    lease = await second.try_lease("c1", "merge")
    assert lease == Lease("c1", "merge")
    await second.rewrite(lease, record("c1", name="merged"), [], {})
    await second.drop_lease(lease)
    assert (await _turn(first, 2)).slots["name"] == "merged"


async def test_an_erased_customer_starts_anew(workers: tuple[Memory, Memory]) -> None:
    first, second = workers
    await _turn(first, 1, record("c1", name="ana"))
    await second.erase("c1")
    await second.create_customer(identity(), "c1")
    assert "name" not in (await _turn(first, 2)).slots


def test_the_least_recently_used_record_goes_first() -> None:
    records = Records(size=2)
    for customer in ("a", "b"):
        records.keep(customer, held(b"{}", record(customer)))
    assert records.get("a") is not None
    records.keep("c", held(b"{}", record("c")))
    assert records.get("b") is None
    assert records.get("a") is not None
    assert records.get("c") is not None
    assert len(records) == 2
