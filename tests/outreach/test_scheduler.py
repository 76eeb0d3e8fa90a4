"""The scheduler fires each due item once, as a system event in its customer's turn, whatever
the workers do: two firing the same items at once, one that claims and stops, one that stops
after queueing; late items are flagged or skipped, cancelled ones never fire. The clock is the
test's: no real time is slept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.format.transcript import NoteEntry
from bot.outreach.schedule import Schedule
from bot.outreach.scheduler import LATE_SKIPPED, Scheduler, Timing, event_of
from bot.turn.store import Memory, MemoryPolicy
from memory import EmbeddedBus
from tests.helpers import NOW, Clock, Worker, make_memory, seen, start_worker
from tests.outreach.kit import Tally, fired, item, make_schedule

VISIBILITY = timedelta(seconds=60)


@dataclass
class Firing:
    """One worker: its memory, pipeline and scheduler, on the test's clock."""

    worker: Worker
    scheduler: Scheduler
    schedule: Schedule

    @property
    def memory(self) -> Memory:
        return self.worker.memory

    def count(self, result: str) -> float:
        metric = self.worker.metrics.schedule.labels(result)
        value: float = metric._value.get()
        return value


@pytest.fixture
async def workers(
    backend: str, backend_url: str, namespace: str
) -> AsyncIterator[tuple[Clock, list[Firing]]]:
    """A clock, and the workers a test starts with :func:`start` (all on one memory)."""
    clock = Clock(NOW)
    started: list[Firing] = []
    yield clock, started
    for firing in started:
        await firing.worker.pipeline.close(5)
        await firing.scheduler.stop()
        await firing.memory.close()


async def start(
    workers: tuple[Clock, list[Firing]],
    backend: str,
    url: str,
    namespace: str,
    batch: int = 100,
) -> Firing:
    clock, started = workers
    if backend == "embedded" and started:  # one process: the workers share its memory
        memory, schedule = started[0].memory, started[0].schedule
    else:
        memory = make_memory(backend, url, namespace, MemoryPolicy(), lambda: clock().timestamp())
        schedule = make_schedule(backend, url, namespace)
    worker = await start_worker(memory)
    timing = Timing(visibility=VISIBILITY, batch=batch)
    scheduler = Scheduler(
        schedule,
        worker.pipeline,
        memory,
        EmbeddedBus(),
        metrics=worker.metrics,
        clock=clock,
        timing=timing,
    )
    firing = Firing(worker, scheduler, schedule)
    started.append(firing)
    return firing


async def fire(firing: Firing) -> int:
    handled = await firing.scheduler.fire_due()
    await firing.worker.pipeline.join()
    return handled


async def test_a_due_item_fires_once_as_a_system_event_in_its_customers_turn(
    workers: tuple[Clock, list[Firing]], backend: str, backend_url: str, namespace: str
) -> None:
    clock, _ = workers
    one = await start(workers, backend, backend_url, namespace)
    put = await one.scheduler.put(item(due_in=60, data={"cart": "A-1"}))
    assert await fire(one) == 0
    clock.advance(seconds=60)
    assert await fire(one) == 1
    [event] = await fired(one.memory, "c1")
    assert (event.event_id, event.name) == (f"sched:{put.id}", "cart.remind")
    assert event.data == {"cart": "A-1"}
    record = await one.memory.load("c1")
    assert record is not None
    assert seen(record) == ["system:cart.remind"]
    assert await fire(one) == 0
    assert await one.scheduler.pending("c1") == []
    assert (one.count("scheduled"), one.count("fired"), one.count("late")) == (1, 1, 0)


async def test_an_item_fired_late_says_so_and_one_past_its_max_late_is_skipped_and_noted(
    workers: tuple[Clock, list[Firing]], backend: str, backend_url: str, namespace: str
) -> None:
    clock, _ = workers
    one = await start(workers, backend, backend_url, namespace)
    await one.scheduler.put(item(key="late", due_in=0))
    await one.scheduler.put(item(key="on-time", due_in=110))
    await one.scheduler.put(item(key="too-late", due_in=0, max_late=timedelta(minutes=1)))
    clock.advance(seconds=120)  # back after downtime
    assert await fire(one) == 3
    events = await fired(one.memory, "c1")
    assert sorted(event.data.get("late") is True for event in events) == [False, True]
    notes = [e for e in await one.memory.transcript("c1") if isinstance(e, NoteEntry)]
    assert [n.kind for n in notes if n.kind == LATE_SKIPPED] == [LATE_SKIPPED]
    assert (one.count("fired"), one.count("late"), one.count("late_skipped")) == (2, 1, 1)


async def test_an_item_cancelled_by_an_event_does_not_fire(
    workers: tuple[Clock, list[Firing]], backend: str, backend_url: str, namespace: str
) -> None:
    clock, _ = workers
    one = await start(workers, backend, backend_url, namespace)
    await one.scheduler.put(item(key="cart", cancel_on=("order.placed",)))
    await one.scheduler.put(item(key="rating", cancel_on=("order.returned",)))
    assert [i.key for i in await one.scheduler.cancel_on("c1", "order.placed")] == ["cart"]
    clock.advance(seconds=3600)
    assert await fire(one) == 1
    assert [e.data.get("late") for e in await fired(one.memory, "c1")] == [True]
    assert await one.scheduler.pending("c1") == []
    assert one.count("cancelled") == 1


async def test_an_item_claimed_by_a_worker_that_stopped_fires_once_on_another(
    workers: tuple[Clock, list[Firing]], backend: str, backend_url: str, namespace: str
) -> None:
    clock, _ = workers
    other = await start(workers, backend, backend_url, namespace)
    put = await other.scheduler.put(item(due_in=0))
    # A worker claims it and is killed before it queues anything.
    assert await other.schedule.claim_due(clock(), 10, "killed", VISIBILITY) == [put]
    assert await fire(other) == 0
    clock.advance(seconds=VISIBILITY.total_seconds())
    assert await fire(other) == 1
    assert [e.event_id for e in await fired(other.memory, "c1")] == [f"sched:{put.id}"]


async def test_an_item_queued_by_a_worker_that_stopped_before_done_is_not_fired_again(
    workers: tuple[Clock, list[Firing]], backend: str, backend_url: str, namespace: str
) -> None:
    clock, _ = workers
    other = await start(workers, backend, backend_url, namespace)
    put = await other.scheduler.put(item(due_in=0))
    # A worker claims it, queues its event, and is killed before marking it done.
    assert await other.schedule.claim_due(clock(), 10, "killed", VISIBILITY) == [put]
    await other.worker.pipeline.notify("c1", event_of(put, clock(), late=False))
    await other.worker.pipeline.join()
    clock.advance(seconds=VISIBILITY.total_seconds())
    assert await fire(other) == 1
    assert [e.event_id for e in await fired(other.memory, "c1")] == [f"sched:{put.id}"]
    assert (other.count("fired"), other.count("duplicate")) == (0, 1)
    assert await other.scheduler.pending("c1") == []


async def test_two_workers_firing_a_thousand_items_at_once_fire_each_once(
    workers: tuple[Clock, list[Firing]], backend: str, backend_url: str, namespace: str
) -> None:
    clock, _ = workers
    first = await start(workers, backend, backend_url, namespace, batch=7)
    second = await start(workers, backend, backend_url, namespace, batch=5)
    customers = [f"c{n}" for n in range(100)]
    for n in range(1000):
        put = item(customer=customers[n % 100], key=f"k{n}", due_in=n % 30)
        await (first if n % 2 else second).scheduler.put(put)
    # A third claims some and is killed: its items go to the others once its claims run out.
    killed = await first.schedule.claim_due(NOW + timedelta(seconds=5), 3, "killed", VISIBILITY)
    clock.advance(seconds=30)
    handled = await asyncio.gather(fire(first), fire(second))
    assert sum(handled) == 1000 - len(killed)
    clock.advance(seconds=VISIBILITY.total_seconds())
    assert sum(await asyncio.gather(fire(first), fire(second))) == len(killed)
    tally = Tally()
    for customer in customers:
        tally.add(await fired(first.memory, customer))
    figures = {"scheduled": 1000, "fired_once": 1000, "duplicated": 0, "lost": 0}
    assert tally.figures(1000) == figures
    assert first.count("fired") + second.count("fired") == 1000
