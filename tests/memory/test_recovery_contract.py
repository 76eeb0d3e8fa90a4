"""The memory's part in taking over what a stopped worker left: stranded customers, recovery,
and the outbox of messages being sent. Both backends, Redis against a real server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.turn.store import EnqueueStatus, Memory, MemoryPolicy
from tests.helpers import EVERY_BACKEND, identity, make_memory, note, record, text_event

LEASE = timedelta(milliseconds=200)
IDLE = timedelta(seconds=5)
EXPIRED = 0.3


@pytest.fixture(params=EVERY_BACKEND)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


class AheadOfRealTime:
    """Real time, which a test may move forward (Redis still expires leases in real time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    async def pass_(self, seconds: float) -> None:
        """Let ``seconds`` go by, and the real lease expire."""
        self.offset += seconds
        await asyncio.sleep(EXPIRED)


@pytest.fixture
def clock() -> AheadOfRealTime:
    return AheadOfRealTime()


@pytest.fixture
async def mem(
    backend: str, backend_url: str, namespace: str, clock: AheadOfRealTime
) -> AsyncIterator[Memory]:
    store = make_memory(backend, backend_url, namespace, MemoryPolicy(lease=LEASE), clock)
    await store.ping()
    yield store
    await store.close()


async def customer_of(mem: Memory) -> str:
    return await mem.create_customer(identity(), "c1")


async def test_an_input_a_stopped_holder_left_is_taken_over(
    mem: Memory, clock: AheadOfRealTime
) -> None:
    customer = await customer_of(mem)
    event = text_event()
    await mem.enqueue(customer, event, identity=None, token="stopped")
    busy = await mem.recover(customer, "early")
    assert busy is not None
    assert busy.status is EnqueueStatus.QUEUED, "a held lease is nobody else's to take"
    assert await mem.stranded(IDLE, 10) == [], "sent something too recently"
    await clock.pass_(10)
    assert await mem.stranded(IDLE, 10) == [customer]
    taken = await mem.recover(customer, "rescuer")
    assert taken is not None
    assert taken.status is EnqueueStatus.ACQUIRED
    assert taken.lease is not None
    assert taken.head is not None
    assert taken.head.input == event
    assert taken.unsent == ()
    assert await mem.commit(taken.lease, taken.head, record(customer), [note("done")]) is None
    assert await mem.release(taken.lease) is None
    assert await mem.recover(customer, "again") is None, "nothing is left to do"
    assert await mem.stranded(IDLE, 10) == [], "a customer with nothing to do is forgotten"


async def test_messages_being_sent_when_the_holder_stopped_come_back_as_unsent(
    mem: Memory, clock: AheadOfRealTime
) -> None:
    customer = await customer_of(mem)
    got = await mem.enqueue(customer, text_event(), identity=None, token="stopped")
    assert got.lease is not None
    assert got.head is not None
    sending = ["m.1", "m.2"]
    assert await mem.commit(got.lease, got.head, record(customer), [], sending) is None
    await clock.pass_(10)
    taken = await mem.recover(customer, "rescuer")
    assert taken is not None
    assert taken.status is EnqueueStatus.ACQUIRED
    assert taken.head is None
    assert taken.unsent == ("m.1", "m.2")
    assert taken.lease is not None
    assert await mem.release(taken.lease) is None
    later = await mem.enqueue(customer, text_event(event_id="e2"), identity=None, token="t")
    assert later.status is EnqueueStatus.ACQUIRED
    assert later.unsent == (), "released: the outbox was sent"


async def test_the_next_input_learns_what_was_being_sent(
    mem: Memory, clock: AheadOfRealTime
) -> None:
    customer = await customer_of(mem)
    got = await mem.enqueue(customer, text_event(), identity=None, token="stopped")
    assert got.lease is not None
    assert got.head is not None
    await mem.commit(got.lease, got.head, record(customer), [], ["m.1"])
    await clock.pass_(1)
    again = await mem.enqueue(customer, text_event(event_id="e2"), identity=None, token="next")
    assert again.status is EnqueueStatus.ACQUIRED
    assert again.unsent == ("m.1",)
    assert again.head is not None
    assert again.head.input.event_id == "e2"


async def test_the_outbox_names_only_the_latest_turns_messages(
    mem: Memory, clock: AheadOfRealTime
) -> None:
    customer = await customer_of(mem)
    first = await mem.enqueue(customer, text_event(), identity=None, token="holder")
    await mem.enqueue(customer, text_event(event_id="e2"), identity=None, token="t2")
    assert first.lease is not None
    assert first.head is not None
    following = await mem.commit(first.lease, first.head, record(customer), [], ["m.1"])
    assert following is not None
    assert await mem.commit(first.lease, following, record(customer), [], []) is None
    await clock.pass_(10)
    assert await mem.recover(customer, "rescuer") is None, "the last turn sent nothing"


async def test_a_clean_release_leaves_nothing_to_recover(
    mem: Memory, clock: AheadOfRealTime, backend: str
) -> None:
    customer = await customer_of(mem)
    got = await mem.enqueue(customer, text_event(), identity=None, token="holder")
    assert got.lease is not None
    assert got.head is not None
    await mem.commit(got.lease, got.head, record(customer), [], ["m.1"])
    assert await mem.release(got.lease) is None
    await clock.pass_(10)
    if backend == "cluster":  # the pending set is on another node than the release's keys
        assert await mem.stranded(IDLE, 10) == [customer], "listed until a sweep looks"
        assert await mem.recover(customer, "rescuer") is None
    assert await mem.stranded(IDLE, 10) == []


async def test_a_release_with_input_left_keeps_the_customer_pending(
    mem: Memory, clock: AheadOfRealTime
) -> None:
    customer = await customer_of(mem)
    got = await mem.enqueue(customer, text_event(), identity=None, token="holder")
    await mem.enqueue(customer, text_event(event_id="e2"), identity=None, token="t2")
    assert got.lease is not None
    assert got.head is not None
    following = await mem.commit(got.lease, got.head, record(customer), [])
    assert following is not None
    assert await mem.release(got.lease) == following, "the second input is still to run"
    await clock.pass_(10)  # ...and its holder stopped before running it
    assert await mem.stranded(IDLE, 10) == [customer]
    taken = await mem.recover(customer, "rescuer")
    assert taken is not None
    assert taken.status is EnqueueStatus.ACQUIRED
    assert taken.head == following


async def test_input_after_a_clean_release_is_pending_again(
    mem: Memory, clock: AheadOfRealTime
) -> None:
    customer = await customer_of(mem)
    got = await mem.enqueue(customer, text_event(), identity=None, token="holder")
    assert got.lease is not None
    assert got.head is not None
    await mem.commit(got.lease, got.head, record(customer), [])
    assert await mem.release(got.lease) is None
    stopped = await mem.enqueue(customer, text_event(event_id="e2"), identity=None, token="t2")
    assert stopped.status is EnqueueStatus.ACQUIRED  # ...and its worker stops here
    refused = await mem.enqueue(customer, text_event(event_id="e2"), identity=None, token="t3")
    assert refused.status is EnqueueStatus.DUPLICATE
    await clock.pass_(10)
    assert await mem.stranded(IDLE, 10) == [customer]


async def test_stranded_lists_the_longest_idle_first_up_to_the_limit(
    mem: Memory, clock: AheadOfRealTime
) -> None:
    for n in range(3):
        customer = await mem.create_customer(identity(f"u{n}"), f"c{n}")
        await mem.enqueue(customer, text_event(event_id=f"e{n}"), identity=None, token=f"t{n}")
        clock.offset += 1
    await clock.pass_(10)
    assert await mem.stranded(IDLE, 2) == ["c0", "c1"]
