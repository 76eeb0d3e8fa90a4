"""Joining two customers in the memory: nothing of either is lost, and redoing it is harmless.

On a Redis Cluster too, where the two customers' keys live in different slots: each step of a
join touches one of them (the client used there fails a command that names both)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from bot.format.messages import SystemEvent, VerifiedAttribute
from bot.format.transcript import NoteEntry
from bot.identity.joining import Joiner
from bot.identity.merge import interleave, merge_records
from bot.turn.customer import CustomerRecord
from bot.turn.store import EnqueueStatus, Memory
from tests.helpers import NOW, WITH_CLUSTER, identity, note, text_event
from tests.outreach.kit import item, make_schedule

PHONE = VerifiedAttribute(kind="phone", value="+12025550143", issuer="sms")
_tokens = itertools.count()


@pytest.fixture(params=WITH_CLUSTER)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


def token() -> str:
    return f"test:{next(_tokens)}"


async def customer_with_turn(
    memory: Memory, customer: str, user: str, text: str, minutes: int = 0
) -> None:
    """A customer who wrote once, ``minutes`` after NOW, and got an answer (committed)."""
    await memory.create_customer(identity(user), customer)
    got = await memory.enqueue(
        customer, text_event(text, f"{user}-1", user), identity=None, token=token()
    )
    assert got.lease is not None
    assert got.head is not None
    at = NOW + timedelta(minutes=minutes)
    record = CustomerRecord.new(customer, at).model_copy(update={"profile": {"first": text}})
    await memory.commit(got.lease, got.head, record, [note(f"{customer} said {text}")])
    await memory.release(got.lease)


async def test_a_join_moves_identities_attributes_history_and_waiting_inputs(
    memory: Memory,
) -> None:
    await customer_with_turn(memory, "target", "t-user", "hello")
    await customer_with_turn(memory, "source", "s-user", "hi", minutes=5)
    await memory.claim(PHONE, "source")
    source_lease = await memory.try_lease("source", token())
    assert source_lease is not None
    waiting = [text_event(f"later {n}", f"s-user-w{n}", "s-user") for n in range(3)]
    for event in waiting:
        queued = await memory.enqueue("source", event, identity=None, token=token())
        assert queued.status is EnqueueStatus.QUEUED
    record = await memory.load("source")
    assert record is not None
    record = record.model_copy(update={"verified": (PHONE,)})

    joined = await Joiner(memory, token).join(
        source_lease, record, "target", reason="test", now=NOW + timedelta(minutes=10)
    )

    assert joined is not None
    assert joined.lease.customer_id == "target"
    assert joined.customer.profile == {"first": "hi"}  # the more recent value
    assert await memory.lookup(identity("s-user")) == "target"
    assert await memory.lookup(identity("t-user")) == "target"
    assert await memory.owner(PHONE) == "target"
    assert [q.input for q in await memory.queued("target")] == waiting
    texts = [e.text for e in await memory.transcript("target") if isinstance(e, NoteEntry)]
    assert texts[:2] == ["target said hello", "source said hi"]
    assert texts[-1].startswith("joined the conversation on Telegram")
    assert await memory.load("source") is None
    assert await memory.identities("source") == []
    redelivered = await memory.enqueue(
        "target", text_event("hi", "s-user-1", "s-user"), identity=None, token=token()
    )
    assert redelivered.status is EnqueueStatus.DUPLICATE


async def test_the_input_being_processed_can_be_replaced(memory: Memory) -> None:
    await customer_with_turn(memory, "target", "t-user", "hello")
    await memory.create_customer(identity("s-user"), "source")
    got = await memory.enqueue(
        "source", text_event("12345678", "s-code", "s-user"), identity=None, token=token()
    )
    assert got.lease is not None
    replacement = SystemEvent(name="linked", data={"channel": "telegram"})

    joined = await Joiner(memory, token).join(
        got.lease,
        CustomerRecord.new("source", NOW),
        "target",
        reason="link code",
        now=NOW,
        replace_head=replacement,
    )

    assert joined is not None
    assert [q.input for q in await memory.queued("target")] == [replacement]
    again = await memory.enqueue(
        "target", text_event("12345678", "s-code", "s-user"), identity=None, token=token()
    )
    assert again.status is EnqueueStatus.DUPLICATE  # the code message itself is not redone


async def test_a_join_waits_for_a_busy_target_and_gives_up_in_time(memory: Memory) -> None:
    await customer_with_turn(memory, "target", "t-user", "hello")
    await customer_with_turn(memory, "source", "s-user", "hi")
    busy = await memory.try_lease("target", "someone-else")
    source_lease = await memory.try_lease("source", token())
    assert busy is not None
    assert source_lease is not None
    record = await memory.load("source")
    assert record is not None

    joined = await Joiner(memory, token, patience=0.2).join(
        source_lease, record, "target", reason="test", now=NOW
    )

    assert joined is None
    assert await memory.lookup(identity("s-user")) == "source"
    assert await memory.load("source") is not None


async def test_joining_into_a_customer_who_is_gone_changes_nothing(memory: Memory) -> None:
    await customer_with_turn(memory, "source", "s-user", "hi")
    source_lease = await memory.try_lease("source", token())
    assert source_lease is not None
    record = await memory.load("source")
    assert record is not None

    assert (
        await Joiner(memory, token).join(source_lease, record, "ghost", reason="x", now=NOW) is None
    )
    assert await memory.lookup(identity("s-user")) == "source"
    assert await memory.try_lease("ghost", token()) is not None  # its lease was given back


async def test_a_join_interrupted_after_writing_the_target_finishes_when_redone(
    memory: Memory,
) -> None:
    await customer_with_turn(memory, "target", "t-user", "hello")
    await customer_with_turn(memory, "source", "s-user", "hi", minutes=5)
    source = await memory.load("source")
    target = await memory.load("target")
    assert source is not None
    assert target is not None
    # The first attempt wrote the merged target, then the worker died: the source is intact.
    interrupted = await memory.try_lease("target", token())
    assert interrupted is not None
    merged = interleave(
        await memory.entries("target", None, 100), await memory.entries("source", None, 100)
    )
    await memory.rewrite(interrupted, merge_records(target, source, NOW), merged, {})
    await memory.drop_lease(interrupted)

    source_lease = await memory.try_lease("source", token())
    assert source_lease is not None
    joined = await Joiner(memory, token).join(source_lease, source, "target", reason="x", now=NOW)

    assert joined is not None
    entries = await memory.transcript("target")
    said = [e.text for e in entries if isinstance(e, NoteEntry) and e.kind == "test"]
    assert said == ["target said hello", "source said hi"]
    assert await memory.lookup(identity("s-user")) == "target"
    assert await memory.load("source") is None


async def test_a_join_marks_where_each_sides_past_ends(memory: Memory) -> None:
    await customer_with_turn(memory, "target", "t-user", "hello")
    await customer_with_turn(memory, "source", "s-user", "hi", minutes=5)
    source_lease = await memory.try_lease("source", token())
    assert source_lease is not None
    record = await memory.load("source")
    assert record is not None

    joined = await Joiner(memory, token).join(
        source_lease, record, "target", reason="test", now=NOW + timedelta(minutes=10)
    )

    assert joined is not None
    entries = await memory.entries("target", None, 100)
    assert isinstance(entries[-1].entry, NoteEntry)
    assert entries[-1].entry.kind == "merge"
    [mark] = joined.customer.joins
    assert mark.through == entries[-2].id  # the last entry from before the join
    assert mark.joined == ("telegram:s-user",)  # the side folded in
    stored = await memory.load("target")
    assert stored is not None
    assert stored.joins == (mark,)


async def test_a_join_gives_the_sources_scheduled_items_to_the_target(
    memory: Memory, backend: str, backend_url: str, namespace: str
) -> None:
    schedule = make_schedule(backend, backend_url, namespace)
    try:
        await customer_with_turn(memory, "target", "t-user", "hello")
        await customer_with_turn(memory, "source", "s-user", "hi")
        reminder = await schedule.put(item("source", "cart", due_in=60))
        await schedule.put(item("source", "rating", due_in=60))
        rating = await schedule.put(item("target", "rating", due_in=120))
        source_lease = await memory.try_lease("source", token())
        assert source_lease is not None
        record = await memory.load("source")
        assert record is not None

        joiner = Joiner(memory, token, schedule=schedule)
        joined = await joiner.join(source_lease, record, "target", reason="test", now=NOW)

        assert joined is not None
        assert await schedule.pending("source") == []
        kept = await schedule.pending("target")
        assert [(i.id, i.key) for i in kept] == [(reminder.id, "cart"), (rating.id, "rating")]
    finally:
        await schedule.close()
