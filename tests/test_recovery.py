"""A worker that stops in the middle of a turn: another worker finishes it, once.

Each test runs a worker whose turn never finishes (its handler or its channel hangs), stops it
the way a crash would (its tasks cancelled, its leases no longer renewed, nothing released),
and lets a second worker on the same memory take over through its recovery sweep.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.connector import Outgoing, Receipt
from bot.format.capabilities import RICH
from bot.format.messages import Address
from bot.format.outbound import Text
from bot.format.transcript import InboundEntry, OutboundEntry, StatusEntry
from bot.turn.handler import Turn, TurnOutcome
from bot.turn.recovery import Recovery
from bot.turn.store import Memory, MemoryPolicy
from connectors.loopback import LoopbackConnector
from tests.helpers import Worker, counting, make_memory, start_worker

POLICY = MemoryPolicy(lease=timedelta(milliseconds=300))


@pytest.fixture
async def memories(
    backend: str, redis_url: str, namespace: str, redis_client: Redis
) -> AsyncIterator[tuple[Memory, Memory]]:
    """Each worker's own client of one memory (one object when it is embedded)."""
    first = make_memory(backend, redis_url, namespace, POLICY)
    second = first if backend == "embedded" else make_memory(backend, redis_url, namespace, POLICY)
    yield first, second
    await first.close()
    if second is not first:
        await second.close()


class Stuck:
    """A handler that never finishes its first turn (the worker is about to die)."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def __call__(self, turn: Turn) -> TurnOutcome:
        self.entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class HangingChannel(LoopbackConnector):
    """A channel whose API never answers: the send is in flight when the worker dies."""

    def __init__(self) -> None:
        super().__init__("telegram", RICH)
        self.attempts = 0
        self.sending = asyncio.Event()

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        self.attempts += 1
        self.sending.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def crash(worker: Worker) -> None:
    """Stop a worker as a crash would, as far as the memory can tell: no commit, no release."""
    await worker.pipeline.close(grace=0)


async def taken_over(worker: Worker) -> Recovery:
    recovery = Recovery(worker.pipeline, POLICY.lease)
    await recovery.start()
    return recovery


async def test_a_turn_cut_off_before_its_commit_is_run_once_by_another_worker(
    memories: tuple[Memory, Memory],
) -> None:
    stuck = Stuck()
    first = await start_worker(memories[0], handler=stuck)
    submission = await first.channels["telegram"].say("u1", "hello", event_id="update-1")
    await asyncio.wait_for(stuck.entered.wait(), 5)
    await crash(first)
    second = await start_worker(memories[1], handler=counting)
    recovery = await taken_over(second)
    try:
        assert await second.channels["telegram"].wait_for("u1", 1) == [Text(text="#1")]
        await second.pipeline.join()
    finally:
        await recovery.stop()
        await second.pipeline.close()
    entries = await memories[1].transcript(submission.customer_id)
    assert [type(e) for e in entries] == [InboundEntry, OutboundEntry], "one turn, once"
    assert first.channels["telegram"].sent["u1"] == []
    assert await memories[1].queued(submission.customer_id) == []


async def test_a_reply_in_flight_when_its_worker_stopped_is_marked_and_not_sent_again(
    memories: tuple[Memory, Memory],
) -> None:
    hanging = HangingChannel()
    first = await start_worker(memories[0], extra=(hanging,))
    submission = await hanging.say("u1", "hello", event_id="update-1")
    await asyncio.wait_for(hanging.sending.wait(), 5)
    await crash(first)
    second = await start_worker(memories[1])
    recovery = await taken_over(second)
    try:
        for _ in range(100):
            statuses = [
                e
                for e in await memories[1].transcript(submission.customer_id)
                if isinstance(e, StatusEntry)
            ]
            if statuses:
                break
            await asyncio.sleep(0.05)
        await second.pipeline.join()
    finally:
        await recovery.stop()
        await second.pipeline.close()
    entries = await memories[1].transcript(submission.customer_id)
    assert [type(e) for e in entries] == [InboundEntry, OutboundEntry, StatusEntry]
    reply, status = entries[1], entries[2]
    assert isinstance(reply, OutboundEntry)
    assert isinstance(status, StatusEntry)
    assert (status.message_id, status.status) == (reply.message_id, "uncertain")
    assert second.channels["telegram"].sent["u1"] == [], "at most once: not sent again"
    assert hanging.attempts == 1
    uncertain = second.metrics.registry.get_sample_value(
        "omnibot_deliveries_total", {"channel": "unknown", "result": "uncertain"}
    )
    assert uncertain == 1


async def test_the_next_message_finds_what_a_stopped_worker_left(
    memories: tuple[Memory, Memory],
) -> None:
    stuck = Stuck()
    first = await start_worker(memories[0], handler=stuck)
    await first.channels["telegram"].say("u1", "one", event_id="update-1")
    await asyncio.wait_for(stuck.entered.wait(), 5)
    await crash(first)
    await asyncio.sleep(POLICY.lease.total_seconds() + 0.1)
    second = await start_worker(memories[1], handler=counting)
    try:
        await second.channels["telegram"].say("u1", "two", event_id="update-2")
        assert await second.channels["telegram"].wait_for("u1", 2) == [
            Text(text="#1"),
            Text(text="#2"),
        ]
        await second.pipeline.join()
    finally:
        await second.pipeline.close()
