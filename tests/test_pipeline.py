"""The turn pipeline end to end: loopback channels, a small handler, both memory backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest

from bot.connector import Outgoing, Receipt, SubmitResult
from bot.errors import Unreachable
from bot.format.capabilities import RICH
from bot.format.messages import Address, InboundEvent, SystemEvent
from bot.format.outbound import Text
from bot.format.transcript import InboundEntry, NoteEntry, OutboundEntry, StatusEntry
from bot.turn.handler import Turn, TurnOutcome
from bot.turn.store import Memory, MemoryPolicy
from connectors.loopback import LoopbackConnector
from tests.helpers import (
    OPTIONS,
    Worker,
    counting,
    identity,
    inbound,
    make_memory,
    seen,
    start_worker,
    text_of,
)


@pytest.fixture
async def worker(memory: Memory) -> AsyncIterator[Worker]:
    started = await start_worker(memory)
    yield started
    await started.pipeline.close()


async def test_a_message_gets_a_reply_and_its_state_is_kept(worker: Worker) -> None:
    submission = await worker.channels["telegram"].say("u1", "hello")
    assert submission.result is SubmitResult.ACCEPTED
    replies = await worker.channels["telegram"].wait_for("u1", 1)
    assert replies == [Text(text="#1")]
    stored = await worker.settled(submission.customer_id)
    assert stored.slots == {"count": 1, "seen": ["telegram:text:hello"]}
    assert stored.version == 1
    assert stored.last_channel == "telegram"
    entries = await worker.memory.transcript(submission.customer_id)
    assert [type(e) for e in entries] == [InboundEntry, OutboundEntry]
    assert isinstance(entries[1], OutboundEntry)
    assert entries[1].message == Text(text="#1")


async def test_a_redelivered_event_runs_one_turn(worker: Worker) -> None:
    telegram = worker.channels["telegram"]
    first = await telegram.say("u1", "hello", event_id="update-7")
    again = await telegram.say("u1", "hello", event_id="update-7")
    assert (first.result, again.result) == (SubmitResult.ACCEPTED, SubmitResult.DUPLICATE)
    stored = await worker.settled(first.customer_id)
    assert stored.slots["count"] == 1
    assert telegram.sent["u1"] == [Text(text="#1")]


async def test_a_typed_number_on_sms_picks_the_numbered_option(worker: Worker) -> None:
    sms = worker.channels["sms"]
    await sms.say("+15550001", "choose")
    shown = await sms.wait_for("+15550001", 1)
    assert shown == [Text(text="How should we send it?\n1. Courier\n2. Store")]
    submission = await sms.say("+15550001", "2")
    stored = await worker.settled(submission.customer_id)
    assert stored.slots["seen"] == ["sms:text:choose", "sms:button:store"]


async def test_a_press_of_a_button_the_bot_never_offered_is_read_as_its_typed_title(
    worker: Worker,
) -> None:
    telegram = worker.channels["telegram"]
    await telegram.say("u1", "choose")
    await telegram.wait_for("u1", 1)
    forged = {"kind": "button", "payload": "goto:orders:show", "text": "Show my orders"}
    submission = await telegram.submit("u1", None, **forged)
    stored = await worker.settled(submission.customer_id)
    assert stored.slots["seen"] == ["telegram:text:choose", "telegram:text:Show my orders"]
    entries = await worker.memory.transcript(submission.customer_id)
    inbound = [e for e in entries if isinstance(e, InboundEntry)][-1]
    assert isinstance(inbound.event, InboundEvent)
    assert (inbound.event.kind, inbound.event.payload) == ("text", None)
    assert [e.kind for e in entries if isinstance(e, NoteEntry)] == ["unoffered_press"]


async def test_a_press_without_a_title_is_read_as_its_payload_typed(worker: Worker) -> None:
    submission = await worker.channels["telegram"].press("u1", "goto:orders:show")
    stored = await worker.settled(submission.customer_id)
    assert stored.slots["seen"] == ["telegram:text:goto:orders:show"]


async def test_a_button_of_an_older_message_no_longer_counts_as_pressed(worker: Worker) -> None:
    telegram = worker.channels["telegram"]
    await telegram.say("u1", "choose")
    await telegram.wait_for("u1", 1)
    await telegram.say("u1", "hello")  # answered without buttons: nothing is offered now
    await telegram.wait_for("u1", 2)
    submission = await telegram.submit("u1", None, kind="button", payload="courier", text="Courier")
    stored = await worker.settled(submission.customer_id)
    assert seen(stored)[-1] == "telegram:text:Courier"


async def test_a_forged_press_titled_as_an_offered_option_is_that_option_as_if_typed(
    worker: Worker,
) -> None:
    telegram = worker.channels["telegram"]
    await telegram.say("u1", "choose")
    await telegram.wait_for("u1", 1)
    forged = {"kind": "button", "payload": "goto:orders:show", "text": "Courier"}
    submission = await telegram.submit("u1", None, **forged)
    stored = await worker.settled(submission.customer_id)
    assert seen(stored)[-1] == "telegram:button:courier"


async def test_a_press_of_an_offered_button_is_passed_on_as_pressed(worker: Worker) -> None:
    telegram = worker.channels["telegram"]
    await telegram.say("u1", "choose")
    await telegram.wait_for("u1", 1)
    submission = await telegram.press("u1", "store")
    stored = await worker.settled(submission.customer_id)
    assert seen(stored)[-1] == "telegram:button:store"
    entries = await worker.memory.transcript(submission.customer_id)
    assert not [e for e in entries if isinstance(e, NoteEntry)]


async def test_a_typed_title_picks_the_option_but_a_number_does_not_where_buttons_showed(
    worker: Worker,
) -> None:
    telegram = worker.channels["telegram"]
    await telegram.say("u1", "choose")
    await telegram.wait_for("u1", 1)
    assert telegram.sent["u1"][0] == Text(text="How should we send it?", buttons=OPTIONS)
    await telegram.say("u1", "2")
    await telegram.wait_for("u1", 2)
    await telegram.say("u1", "choose")
    await telegram.wait_for("u1", 3)
    submission = await telegram.say("u1", "courier!")
    stored = await worker.settled(submission.customer_id)
    assert stored.slots["seen"] == [
        "telegram:text:choose",
        "telegram:text:2",
        "telegram:text:choose",
        "telegram:button:courier",
    ]


async def test_a_reply_without_options_withdraws_the_offer(worker: Worker) -> None:
    sms = worker.channels["sms"]
    await sms.say("+15550001", "choose")
    await sms.wait_for("+15550001", 1)
    await sms.say("+15550001", "something else")
    await sms.wait_for("+15550001", 2)
    submission = await sms.say("+15550001", "2")
    stored = await worker.settled(submission.customer_id)
    assert stored.offered is None
    assert seen(stored)[-1] == "sms:text:2"


async def test_a_failing_handler_keeps_the_state_and_the_next_turn_runs(worker: Worker) -> None:
    telegram = worker.channels["telegram"]
    await telegram.say("u1", "one")
    await telegram.wait_for("u1", 1)
    await telegram.say("u1", "boom")
    submission = await telegram.say("u1", "three")
    replies = await telegram.wait_for("u1", 2)
    assert replies == [Text(text="#1"), Text(text="#2")]
    stored = await worker.settled(submission.customer_id)
    assert stored.slots["seen"] == ["telegram:text:one", "telegram:text:three"]
    assert stored.version == 3
    entries = await worker.memory.transcript(submission.customer_id)
    errors = [e for e in entries if isinstance(e, NoteEntry) and e.kind == "error"]
    assert len(errors) == 1
    inputs = [inbound(e.event).text for e in entries if isinstance(e, InboundEntry)]
    assert inputs == ["one", "boom", "three"], "the failed input is kept in the transcript"
    counted = worker.metrics.registry.get_sample_value("omnibot_errors_total", {"stage": "handler"})
    assert counted == 1


async def test_a_system_event_takes_the_same_path_to_the_last_channel(worker: Worker) -> None:
    submission = await worker.channels["telegram"].say("u1", "hello")
    await worker.pipeline.join()
    await worker.memory.link(identity("+15550001", "sms"), submission.customer_id)
    await worker.channels["sms"].say("+15550001", "now by sms")
    await worker.pipeline.join()
    await worker.pipeline.notify(submission.customer_id, SystemEvent(name="reminder"))
    replies = await worker.channels["sms"].wait_for("+15550001", 2)
    assert replies[-1] == Text(text="#3")
    stored = await worker.settled(submission.customer_id)
    assert seen(stored)[-1] == "system:reminder"


async def test_a_system_event_for_a_customer_without_address_is_noted(worker: Worker) -> None:
    await worker.pipeline.notify("c-silent", SystemEvent(name="reminder", event_id="r1"))
    await worker.pipeline.join()
    entries = await worker.memory.transcript("c-silent")
    notes = [e for e in entries if isinstance(e, NoteEntry)]
    assert [n.kind for n in notes] == ["undeliverable"]


class Blocked(LoopbackConnector):
    """A channel whose every send fails as if the customer blocked the bot."""

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        raise Unreachable("the customer blocked the bot")


async def test_a_failed_delivery_is_recorded_and_the_turn_still_counts(memory: Memory) -> None:
    blocked = Blocked("blocked", RICH)
    worker = await start_worker(memory, extra=[blocked])
    try:
        submission = await blocked.say("u9", "hello")
        stored = await worker.settled(submission.customer_id)
        assert stored.slots["count"] == 1
        entries = await memory.transcript(submission.customer_id)
        out = [e for e in entries if isinstance(e, OutboundEntry)]
        status = [e for e in entries if isinstance(e, StatusEntry)]
        assert [(s.message_id, s.status) for s in status] == [(out[0].message_id, "failed")]
        failed = {"channel": "blocked", "result": "failed"}
        assert worker.metrics.registry.get_sample_value("omnibot_deliveries_total", failed) == 1
    finally:
        await worker.pipeline.close()


async def test_replies_of_consecutive_turns_arrive_in_order(worker: Worker) -> None:
    telegram = worker.channels["telegram"]
    await asyncio.gather(*(telegram.say("u1", f"m{n}") for n in range(20)))
    replies = await telegram.wait_for("u1", 20)
    assert replies == [Text(text=f"#{n}") for n in range(1, 21)]


async def test_an_input_stranded_by_a_dead_worker_runs_first_on_the_next_one(
    backend: str, backend_url: str, namespace: str
) -> None:
    policy = MemoryPolicy(lease=timedelta(milliseconds=300))
    memory = make_memory(backend, backend_url, namespace, policy)
    worker = await start_worker(memory)
    try:
        customer = await memory.create_customer(identity("u1"), "c-dead")
        event = InboundEvent(
            event_id="stranded",
            channel="telegram",
            address=worker.channels["telegram"].address("u1"),
            kind="text",
            text="first",
        )
        died = await memory.enqueue(customer, event, identity=None, token="dead-worker")
        assert died.lease is not None, "the dead worker took the lease and never ran the turn"
        await asyncio.sleep(0.45)
        await worker.channels["telegram"].say("u1", "second")
        replies = await worker.channels["telegram"].wait_for("u1", 2)
        assert replies == [Text(text="#1"), Text(text="#2")]
        stored = await worker.settled(customer)
        assert stored.slots["seen"] == ["telegram:text:first", "telegram:text:second"]
    finally:
        await worker.pipeline.close()
        await memory.close()


async def test_a_long_turn_keeps_its_lease(backend: str, backend_url: str, namespace: str) -> None:
    policy = MemoryPolicy(lease=timedelta(milliseconds=300))
    memory = make_memory(backend, backend_url, namespace, policy)

    async def slow(turn: Turn) -> TurnOutcome:
        await asyncio.sleep(1.0)
        return await counting(turn)

    worker = await start_worker(memory, handler=slow)
    try:
        submission = await worker.channels["telegram"].say("u1", "slow")
        stored = await worker.settled(submission.customer_id)
        assert stored.slots["count"] == 1
        assert worker.channels["telegram"].sent["u1"] == [Text(text="#1")]
    finally:
        await worker.pipeline.close()
        await memory.close()


async def test_shutdown_finishes_turns_in_flight(memory: Memory) -> None:
    async def slow(turn: Turn) -> TurnOutcome:
        await asyncio.sleep(0.3)
        return await counting(turn)

    worker = await start_worker(memory, handler=slow)
    submission = await worker.channels["telegram"].say("u1", "late")
    assert await worker.pipeline.close(grace=5.0) is True
    assert worker.channels["telegram"].sent["u1"] == [Text(text="#1")]
    stored = await memory.load(submission.customer_id)
    assert stored is not None
    assert stored.slots["count"] == 1


async def two_workers(
    backend: str, backend_url: str, namespace: str, shared: Memory
) -> tuple[Worker, Worker]:
    """Two workers sharing the customer state: separate Redis clients, or one embedded store."""
    second = (
        shared
        if backend == "embedded"
        else make_memory(backend, backend_url, namespace, shared.policy)
    )
    return await start_worker(shared), await start_worker(second)


async def test_two_channels_on_two_workers_lose_no_update_and_keep_order(
    backend: str, backend_url: str, namespace: str, memory: Memory
) -> None:
    first, second = await two_workers(backend, backend_url, namespace, memory)
    customer = await memory.create_customer(identity("u1", "telegram"), "c-both")
    await memory.link(identity("+15550001", "sms"), customer)
    per_channel = 60

    async def chat(worker: Worker, channel: str, user: str) -> None:
        for n in range(per_channel):
            await worker.channels[channel].say(user, f"{n}", event_id=f"{channel}-{n}")

    await asyncio.gather(chat(first, "telegram", "u1"), chat(second, "sms", "+15550001"))
    await asyncio.gather(first.pipeline.join(), second.pipeline.join())
    stored = await memory.load(customer)
    assert stored is not None
    assert stored.slots["count"] == 2 * per_channel
    noted = seen(stored)
    for channel in ("telegram", "sms"):
        numbers = [int(s.rsplit(":", 1)[1]) for s in noted if s.startswith(channel)]
        assert numbers == list(range(per_channel)), f"{channel} turns out of order"
    entries = await memory.transcript(customer, limit=1000)
    inputs = [inbound(e.event) for e in entries if isinstance(e, InboundEntry)]
    assert [f"{i.channel}:text:{i.text}" for i in inputs] == noted
    replies = first.channels["telegram"].sent["u1"] + second.channels["telegram"].sent["u1"]
    replies += first.channels["sms"].sent["+15550001"] + second.channels["sms"].sent["+15550001"]
    assert sorted(int(text_of(r)[1:]) for r in replies) == list(range(1, 2 * per_channel + 1))
    await asyncio.gather(first.pipeline.close(), second.pipeline.close())
    if second.memory is not memory:
        await second.memory.close()


async def test_a_burst_of_simultaneous_messages_loses_nothing(
    backend: str, backend_url: str, namespace: str, memory: Memory
) -> None:
    first, second = await two_workers(backend, backend_url, namespace, memory)
    customer = await memory.create_customer(identity("u1", "telegram"), "c-burst")
    await memory.link(identity("+15550001", "sms"), customer)
    burst = [first.channels["telegram"].say("u1", f"t{n}") for n in range(50)]
    burst += [second.channels["sms"].say("+15550001", f"s{n}") for n in range(50)]
    results = await asyncio.gather(*burst)
    assert {r.result for r in results} == {SubmitResult.ACCEPTED}
    await asyncio.gather(first.pipeline.join(), second.pipeline.join())
    stored = await memory.load(customer)
    assert stored is not None
    assert stored.slots["count"] == 100
    texts = {s.rsplit(":", 1)[1] for s in seen(stored)}
    assert texts == {f"t{n}" for n in range(50)} | {f"s{n}" for n in range(50)}
    await asyncio.gather(first.pipeline.close(), second.pipeline.close())
    if second.memory is not memory:
        await second.memory.close()
