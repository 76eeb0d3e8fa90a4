"""The memory contract: every backend behaves the same, Redis against a real server (through
the lean connection of the turn path, through redis-py alone, and as a cluster)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from redis.crc import key_slot

from bot.errors import LeaseLost
from bot.format.messages import VerifiedAttribute
from bot.format.transcript import AUTO_ID, Logged, entry_order
from bot.turn.store import EnqueueStatus, Lease, Memory, MemoryPolicy
from memory.keys import KeyLayout
from memory.redis.connection import close, connect
from tests.helpers import EVERY_BACKEND, identity, make_memory, note, note_text, record, text_event

SHORT_LEASE = MemoryPolicy(lease=timedelta(milliseconds=200))


@pytest.fixture(params=EVERY_BACKEND)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def short_lease(backend: str, backend_url: str, namespace: str) -> AsyncIterator[Memory]:
    store = make_memory(backend, backend_url, namespace, SHORT_LEASE)
    await store.ping()
    yield store
    await store.close()


async def bound(memory: Memory, customer: str = "c1", user: str = "u1") -> str:
    return await memory.create_customer(identity(user), customer)


async def test_an_unknown_identity_belongs_to_nobody(memory: Memory) -> None:
    assert await memory.lookup(identity("nobody")) is None


async def test_concurrent_first_contacts_agree_on_one_customer(memory: Memory) -> None:
    winners = await asyncio.gather(*(memory.create_customer(identity(), f"c{i}") for i in range(8)))
    assert len(set(winners)) == 1
    assert await memory.lookup(identity()) == winners[0]


async def test_linking_moves_an_identity_and_stales_the_old_customer(memory: Memory) -> None:
    await bound(memory, "ca")
    assert await memory.link(identity(), "cb") == "ca"
    assert await memory.lookup(identity()) == "cb"
    stale = await memory.enqueue("ca", text_event(), identity=identity(), token="t")
    assert stale.status is EnqueueStatus.STALE
    fresh = await memory.enqueue("cb", text_event(), identity=identity(), token="t")
    assert fresh.status is EnqueueStatus.ACQUIRED


async def test_a_stale_enqueue_writes_nothing(memory: Memory) -> None:
    await bound(memory, "ca")
    await memory.link(identity(), "cb")
    await memory.enqueue("ca", text_event(event_id="x"), identity=identity(), token="t")
    again = await memory.enqueue("ca", text_event(event_id="x"), identity=None, token="t")
    assert again.status is EnqueueStatus.ACQUIRED, "the stale attempt must not mark x as seen"


async def test_the_first_input_takes_the_lease_and_comes_back_as_head(memory: Memory) -> None:
    customer = await bound(memory)
    event = text_event()
    got = await memory.enqueue(customer, event, identity=identity(), token="t1")
    assert got.status is EnqueueStatus.ACQUIRED
    assert got.lease is not None
    assert got.lease.token == "t1"
    assert got.customer is None
    assert got.head is not None
    assert got.head.input == event
    assert got.head.id == "t1"


async def test_an_input_behind_a_held_lease_is_queued(memory: Memory) -> None:
    customer = await bound(memory)
    await memory.enqueue(customer, text_event(event_id="a"), identity=identity(), token="t1")
    got = await memory.enqueue(customer, text_event(event_id="b"), identity=identity(), token="t2")
    assert got.status is EnqueueStatus.QUEUED
    assert got.lease is None
    assert got.head is None


async def test_a_redelivered_event_is_a_duplicate(memory: Memory) -> None:
    customer = await bound(memory)
    first = await memory.enqueue(customer, text_event(), identity=identity(), token="t1")
    again = await memory.enqueue(customer, text_event(), identity=identity(), token="t2")
    assert again.status is EnqueueStatus.DUPLICATE
    assert first.lease is not None
    assert first.head is not None
    assert await memory.commit(first.lease, first.head, record(customer), []) is None


async def test_deduplication_forgets_after_its_window(
    backend: str, backend_url: str, namespace: str
) -> None:
    policy = MemoryPolicy(dedup_window=timedelta(milliseconds=150))
    store = make_memory(backend, backend_url, namespace, policy)
    try:
        await store.create_customer(identity(), "c1")
        await store.enqueue("c1", text_event(), identity=identity(), token="t")
        await asyncio.sleep(0.3)
        again = await store.enqueue("c1", text_event(), identity=identity(), token="t")
        assert again.status is EnqueueStatus.QUEUED
    finally:
        await store.close()


async def test_a_full_inbox_refuses_and_remembers_nothing(
    backend: str, backend_url: str, namespace: str
) -> None:
    store = make_memory(backend, backend_url, namespace, MemoryPolicy(inbox_limit=2))
    try:
        await store.create_customer(identity(), "c1")
        first = await store.enqueue("c1", text_event(event_id="a"), identity=None, token="t")
        await store.enqueue("c1", text_event(event_id="b"), identity=None, token="t")
        full = await store.enqueue("c1", text_event(event_id="c"), identity=None, token="t")
        assert full.status is EnqueueStatus.FULL
        assert first.lease is not None
        assert first.head is not None
        await store.commit(first.lease, first.head, record("c1"), [])
        retried = await store.enqueue("c1", text_event(event_id="c"), identity=None, token="t")
        assert retried.status is EnqueueStatus.QUEUED
    finally:
        await store.close()


async def test_commit_persists_the_turn_and_hands_over_the_next_input(memory: Memory) -> None:
    customer = await bound(memory)
    a, b = text_event("a", "ea"), text_event("b", "eb")
    got = await memory.enqueue(customer, a, identity=identity(), token="t")
    await memory.enqueue(customer, b, identity=identity(), token="t2")
    assert got.lease is not None
    assert got.head is not None
    following = await memory.commit(got.lease, got.head, record(customer, n=1), [note("turn a")])
    assert following is not None
    assert following.input == b
    stored = await memory.load(customer)
    assert stored is not None
    assert stored.slots == {"n": 1}
    assert [e.text for e in await memory.transcript(customer) if e.type == "note"] == ["turn a"]


async def test_a_commit_after_the_lease_expired_writes_nothing(short_lease: Memory) -> None:
    memory = short_lease
    customer = await bound(memory)
    event = text_event()
    got = await memory.enqueue(customer, event, identity=identity(), token="slow")
    assert got.lease is not None
    await asyncio.sleep(0.35)
    assert got.head is not None
    with pytest.raises(LeaseLost):
        await memory.commit(got.lease, got.head, record(customer, n=1), [note("late")])
    assert await memory.load(customer) is None
    assert await memory.transcript(customer) == []
    retaken = await memory.enqueue(customer, text_event(event_id="e2"), identity=None, token="new")
    assert retaken.status is EnqueueStatus.ACQUIRED
    assert retaken.head is not None
    assert retaken.head.input == event, "the stranded input goes first to the next lease holder"


async def test_a_newer_holder_fences_off_the_old_one(short_lease: Memory) -> None:
    memory = short_lease
    customer = await bound(memory)
    old = await memory.enqueue(customer, text_event(), identity=None, token="old")
    await asyncio.sleep(0.35)
    new = await memory.enqueue(customer, text_event(event_id="e2"), identity=None, token="new")
    assert old.lease is not None
    assert new.lease is not None
    with pytest.raises(LeaseLost):
        await memory.release(old.lease)
    assert new.head is not None
    await memory.commit(new.lease, new.head, record(customer, who="new"), [])
    await memory.commit(new.lease, new.head, record(customer, who="new"), [])
    stored = await memory.load(customer)
    assert stored is not None
    assert stored.slots == {"who": "new"}


async def test_release_gives_up_the_lease_only_when_the_inbox_is_empty(memory: Memory) -> None:
    customer = await bound(memory)
    got = await memory.enqueue(customer, text_event(event_id="a"), identity=None, token="t")
    assert got.lease is not None
    assert got.head is not None
    assert await memory.commit(got.lease, got.head, record(customer), []) is None
    late = text_event(event_id="b")
    queued = await memory.enqueue(customer, late, identity=None, token="t2")
    assert queued.status is EnqueueStatus.QUEUED
    following = await memory.release(got.lease)
    assert following is not None
    assert following.input == late
    assert await memory.commit(got.lease, following, record(customer), []) is None
    assert await memory.release(got.lease) is None
    after = await memory.enqueue(customer, text_event(event_id="c"), identity=None, token="t3")
    assert after.status is EnqueueStatus.ACQUIRED


async def test_renew_keeps_held_leases_and_reports_lost_ones(short_lease: Memory) -> None:
    memory = short_lease
    await bound(memory, "c1", "u1")
    await bound(memory, "c2", "u2")
    kept = await memory.enqueue("c1", text_event(user="u1"), identity=None, token="k")
    dropped = await memory.enqueue("c2", text_event(user="u2"), identity=None, token="d")
    assert kept.lease is not None
    assert dropped.lease is not None
    for _ in range(4):
        await asyncio.sleep(0.1)
        lost = await memory.renew([kept.lease])
        assert lost == []
    assert await memory.renew([kept.lease, dropped.lease]) == [dropped.lease]
    assert kept.head is not None
    assert await memory.commit(kept.lease, kept.head, record("c1"), []) is None


async def test_the_transcript_keeps_the_newest_entries_in_order(
    backend: str, backend_url: str, namespace: str
) -> None:
    store = make_memory(backend, backend_url, namespace, MemoryPolicy(transcript_limit=10))
    try:
        await store.create_customer(identity(), "c1")
        for n in range(25):
            got = await store.enqueue("c1", text_event(event_id=f"e{n}"), identity=None, token="t")
            assert got.lease is not None
            assert got.head is not None
            await store.commit(got.lease, got.head, record("c1"), [note(f"n{n}")])
            await store.release(got.lease)
        entries = await store.transcript("c1", limit=100)
        assert [e.text for e in entries if e.type == "note"] == [f"n{n}" for n in range(15, 25)]
        newest = await store.transcript("c1", limit=3)
        assert [e.text for e in newest if e.type == "note"] == ["n22", "n23", "n24"]
    finally:
        await store.close()


async def test_entries_can_be_appended_outside_a_turn(memory: Memory) -> None:
    customer = await bound(memory)
    await memory.append(customer, [note("delivered"), note("read")])
    entries = await memory.transcript(customer)
    assert [e.text for e in entries if e.type == "note"] == ["delivered", "read"]


async def test_load_reads_while_another_holds_the_lease(memory: Memory) -> None:
    customer = await bound(memory)
    got = await memory.enqueue(customer, text_event(), identity=None, token="t")
    assert got.lease is not None
    assert got.head is not None
    await memory.commit(got.lease, got.head, record(customer, order="123"), [])
    stored = await memory.load(customer)
    assert stored is not None
    assert stored.slots == {"order": "123"}


async def test_a_record_comes_back_with_the_lease(memory: Memory) -> None:
    customer = await bound(memory)
    got = await memory.enqueue(customer, text_event(event_id="a"), identity=None, token="t")
    assert got.lease is not None
    assert got.head is not None
    await memory.commit(got.lease, got.head, record(customer, order="123"), [])
    await memory.release(got.lease)
    again = await memory.enqueue(customer, text_event(event_id="b"), identity=None, token="t2")
    assert again.customer is not None
    assert again.customer.slots == {"order": "123"}


@pytest.mark.parametrize("backend", ["redis", "cluster"])
async def test_redis_keys_of_a_customer_share_a_slot_and_expire(
    backend: str, backend_url: str, namespace: str
) -> None:
    store = make_memory(backend, backend_url, namespace, MemoryPolicy())
    client = connect(backend_url)
    try:
        customer = await store.create_customer(identity(), "c1")
        got = await store.enqueue(customer, text_event(), identity=identity(), token="t")
        assert got.lease is not None
        assert got.head is not None
        await store.commit(got.lease, got.head, record(customer), [note("x")])
        keys = sorted([k async for k in client.scan_iter(match=f"{namespace}:*")])
        layout = KeyLayout(namespace).customer(customer)
        own = [k for k in keys if b"{c:c1}" in k]
        assert {k.decode() for k in own} >= {layout.record, layout.identities, layout.transcript}
        assert len({key_slot(k) for k in own}) == 1
        for key in keys:
            assert await client.pttl(key) > 0, f"{key!r} has no TTL"
    finally:
        await store.close()
        await close(client)


async def test_a_repeated_commit_writes_nothing_twice(memory: Memory) -> None:
    customer = await bound(memory)
    first, second = text_event("a", "ea"), text_event("b", "eb")
    got = await memory.enqueue(customer, first, identity=None, token="t1")
    await memory.enqueue(customer, second, identity=None, token="t2")
    assert got.lease is not None
    assert got.head is not None
    following = await memory.commit(got.lease, got.head, record(customer, n=1), [note("a")])
    again = await memory.commit(got.lease, got.head, record(customer, n=99), [note("a")])
    assert following is not None
    assert again == following, "the retry hands over the same next input, not a later one"
    assert following.input == second
    stored = await memory.load(customer)
    assert stored is not None
    assert stored.slots == {"n": 1}
    assert [e.text for e in await memory.transcript(customer) if e.type == "note"] == ["a"]


async def test_queued_entries_keep_the_id_they_were_queued_with(memory: Memory) -> None:
    customer = await bound(memory)
    got = await memory.enqueue(customer, text_event(event_id="a"), identity=None, token="w1:1")
    await memory.enqueue(customer, text_event(event_id="b"), identity=None, token="w2:7")
    assert got.lease is not None
    assert got.head is not None
    following = await memory.commit(got.lease, got.head, record(customer), [])
    assert following is not None
    assert following.id == "w2:7"


async def test_entries_come_with_ids_that_order_them_and_resume_a_reader(memory: Memory) -> None:
    customer = await bound(memory)
    await memory.append(customer, [note(f"n{n}") for n in range(5)])
    newest = await memory.entries(customer, None, 3)
    assert [note_text(logged.entry) for logged in newest] == ["n2", "n3", "n4"]
    ids = [logged.id for logged in await memory.entries(customer, None, 10)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    after_second = await memory.entries(customer, ids[1], 2)
    assert [logged.id for logged in after_second] == ids[2:4]
    assert await memory.entries(customer, ids[-1], 10) == []
    await memory.append(customer, [note("late")])
    [late] = await memory.entries(customer, ids[-1], 10)
    assert note_text(late.entry) == "late"


async def test_entries_of_a_committed_turn_are_readable_by_id(memory: Memory) -> None:
    customer = await bound(memory)
    got = await memory.enqueue(customer, text_event(), identity=None, token="t")
    assert got.lease is not None
    assert got.head is not None
    await memory.commit(got.lease, got.head, record(customer), [note("a"), note("b")])
    logged = await memory.entries(customer, None, 10)
    assert [note_text(item.entry) for item in logged] == ["a", "b"]
    assert logged[0].id < logged[1].id


PHONE = VerifiedAttribute(kind="phone", value="+5511987654321", issuer="sms")


async def test_a_verified_attribute_is_owned_by_the_first_customer_to_claim_it(
    memory: Memory,
) -> None:
    assert await memory.owner(PHONE) is None
    assert await memory.claim(PHONE, "ca") == "ca"
    assert await memory.claim(PHONE, "cb") == "ca"
    same_phone_other_issuer = PHONE.model_copy(update={"issuer": "telegram"})
    assert await memory.owner(same_phone_other_issuer) == "ca"
    await memory.disown(PHONE, "cb")
    assert await memory.owner(PHONE) == "ca", "only the owner can give it up"
    await memory.disown(PHONE, "ca")
    assert await memory.owner(PHONE) is None


async def test_a_sites_user_id_is_scoped_by_the_site(memory: Memory) -> None:
    one = VerifiedAttribute(kind="external_id", value="42", issuer="webchat:shop-a")
    other = VerifiedAttribute(kind="external_id", value="42", issuer="webchat:shop-b")
    await memory.claim(one, "ca")
    assert await memory.owner(other) is None


async def test_a_secret_is_redeemed_once(memory: Memory) -> None:
    assert await memory.put_secret("link", "d1", "ca", timedelta(minutes=10))
    assert not await memory.put_secret("link", "d1", "cb", timedelta(minutes=10))
    taken = await asyncio.gather(*(memory.take_secret("link", "d1") for _ in range(5)))
    assert [value for value in taken if value is not None] == ["ca"]
    assert taken.count(None) == 4
    assert await memory.take_secret("link", "d1") is None


async def test_a_secret_expires(memory: Memory) -> None:
    await memory.put_secret("link", "d2", "ca", timedelta(milliseconds=100))
    await asyncio.sleep(0.25)
    assert await memory.take_secret("link", "d2") is None


async def test_a_blob_is_kept_once_and_read_back_byte_for_byte(memory: Memory) -> None:
    value = bytes(range(256)) * 4096  # 1 MiB, every byte value
    assert await memory.put_blob("file", "d1", value, timedelta(minutes=10))
    assert not await memory.put_blob("file", "d1", b"other", timedelta(minutes=10))
    assert [await memory.get_blob("file", "d1") for _ in range(2)] == [value, value]
    assert await memory.get_blob("file", "d2") is None
    assert await memory.get_blob("other", "d1") is None


async def test_a_blob_expires_unless_kept_again(memory: Memory) -> None:
    await memory.put_blob("file", "d3", b"a", timedelta(milliseconds=300))
    await memory.put_blob("file", "d4", b"b", timedelta(milliseconds=300))
    await asyncio.sleep(0.2)
    assert not await memory.put_blob("file", "d4", b"b", timedelta(milliseconds=300))
    await asyncio.sleep(0.2)
    assert await memory.get_blob("file", "d3") is None
    assert await memory.get_blob("file", "d4") == b"b"
    await asyncio.sleep(0.2)
    assert await memory.get_blob("file", "d4") is None
    assert await memory.put_blob("file", "d4", b"c", timedelta(minutes=1))
    assert await memory.get_blob("file", "d4") == b"c"


async def test_a_counter_counts_within_its_window(memory: Memory) -> None:
    window = timedelta(milliseconds=300)
    counts = [await memory.hit("attempts:u1", window) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert await memory.hit("attempts:u2", window) == 1
    await asyncio.sleep(0.45)
    assert await memory.hit("attempts:u1", window) == 1


async def test_a_counter_is_read_without_counting(memory: Memory) -> None:
    window = timedelta(milliseconds=300)
    assert await memory.count("failures:u1") == 0
    await memory.hit("failures:u1", window)
    await memory.hit("failures:u1", window)
    assert [await memory.count("failures:u1") for _ in range(2)] == [2, 2]
    await asyncio.sleep(0.45)
    assert await memory.count("failures:u1") == 0


async def test_a_bucket_gives_a_burst_then_one_at_its_rate(
    backend: str, backend_url: str, namespace: str
) -> None:
    """On the memory's own clock, moved by the test (one every 20 s, so that Redis's real-time
    expiry of the bucket cannot refill it while a slow machine runs the test)."""
    now = [1_000_000.0]
    memory = make_memory(backend, backend_url, namespace, MemoryPolicy(), clock=lambda: now[0])

    async def take(key: str = "sends:s1") -> bool:
        return await memory.throttle(key, burst=3, per_second=0.05)

    try:
        assert [await take() for _ in range(5)] == [True, True, True, False, False]
        assert await take("sends:s2")  # a bucket of its own
        now[0] += 25  # one refilled, in 20 s
        assert [await take() for _ in range(2)] == [True, False]
        now[0] += 70  # full again, and no fuller
        assert [await take() for _ in range(4)] == [True, True, True, False]
    finally:
        await memory.close()


async def test_a_bucket_is_shared_by_every_worker(
    memory: Memory, backend: str, backend_url: str, namespace: str
) -> None:
    other = (
        memory
        if backend == "embedded"
        else make_memory(backend, backend_url, namespace, MemoryPolicy())
    )
    try:
        taken = [
            await worker.throttle("sends:shared", burst=2, per_second=1)
            for worker in (memory, other, memory, other)
        ]
    finally:
        if other is not memory:
            await other.close()
    assert taken == [True, True, False, False]


async def test_erase_leaves_nothing_of_the_customer(memory: Memory) -> None:
    customer = await bound(memory, "c-gone", "u1")
    await memory.link(identity("+15550001", "sms"), customer)
    got = await memory.enqueue(customer, text_event(), identity=None, token="t")
    assert got.lease is not None
    assert got.head is not None
    verified = record(customer).model_copy(update={"verified": (PHONE,)})
    await memory.commit(got.lease, got.head, verified, [note("private")])
    await memory.claim(PHONE, customer)
    await memory.enqueue(customer, text_event(event_id="queued"), identity=None, token="t2")
    other = await bound(memory, "c-kept", "u2")
    removed = await memory.erase(customer)
    assert removed == ["sms:+15550001", "telegram:u1"]
    assert await memory.load(customer) is None
    assert await memory.transcript(customer) == []
    assert await memory.lookup(identity("u1")) is None
    assert await memory.lookup(identity("+15550001", "sms")) is None
    assert await memory.owner(PHONE) is None
    assert await memory.lookup(identity("u2")) == other


async def test_erase_keeps_an_identity_that_now_belongs_to_someone_else(memory: Memory) -> None:
    customer = await bound(memory, "c-old", "u1")
    await memory.link(identity("u1"), "c-new")
    await memory.erase(customer)
    assert await memory.lookup(identity("u1")) == "c-new"


async def test_a_held_customer_can_be_written_anew(memory: Memory) -> None:
    customer = await bound(memory)
    await memory.append(customer, [note("b"), note("c")])
    lease = await memory.try_lease(customer, "merger")
    assert lease is not None
    merged = record(customer).model_copy(update={"slots": {"order": "123"}})
    now = time.time()
    kept = await memory.entries(customer, None, 10)
    given = [Logged("1000-5", note("a")), *kept, Logged(AUTO_ID, note("d"))]
    await memory.rewrite(lease, merged, given, {"sms:SM1": now})
    written = await memory.entries(customer, None, 10)
    assert [note_text(e.entry) for e in written] == ["a", "b", "c", "d"]
    assert [e.id for e in written[:3]] == ["1000-5", kept[0].id, kept[1].id]
    assert entry_order(written[3].id) > entry_order(kept[1].id)
    after = await memory.entries(customer, kept[0].id, 10)
    assert [note_text(e.entry) for e in after] == ["c", "d"]
    stored = await memory.load(customer)
    assert stored is not None
    assert stored.slots == {"order": "123"}
    assert set(await memory.seen(customer)) == {"sms:SM1"}
    again = await memory.enqueue(customer, text_event(event_id="sms:SM1"), identity=None, token="t")
    assert again.status is EnqueueStatus.DUPLICATE


async def test_rewrite_needs_the_lease(memory: Memory) -> None:
    customer = await bound(memory)
    await memory.append(customer, [note("kept")])
    with pytest.raises(LeaseLost):
        await memory.rewrite(
            Lease(customer, "not-held"), record(customer), [Logged(AUTO_ID, note("x"))], {}
        )
    assert [note_text(e) for e in await memory.transcript(customer)] == ["kept"]
    assert await memory.load(customer) is None


async def test_seen_lists_the_deduplicated_ids(memory: Memory) -> None:
    customer = await bound(memory)
    await memory.enqueue(customer, text_event(event_id="e1"), identity=None, token="t1")
    await memory.enqueue(customer, text_event(event_id="e2"), identity=None, token="t2")
    seen = await memory.seen(customer)
    assert set(seen) == {"e1", "e2"}
    assert all(abs(at - time.time()) < 60 for at in seen.values())
    assert await memory.seen("nobody") == {}


async def test_a_lease_can_be_taken_without_queueing_and_dropped(memory: Memory) -> None:
    customer = await bound(memory)
    lease = await memory.try_lease(customer, "merger")
    assert lease is not None
    assert await memory.try_lease(customer, "other") is None
    event = text_event()
    queued = await memory.enqueue(customer, event, identity=None, token="t")
    assert queued.status is EnqueueStatus.QUEUED
    assert [q.input for q in await memory.queued(customer)] == [event]
    await memory.drop_lease(Lease(customer, "not-the-holder"))
    assert await memory.try_lease(customer, "other") is None
    await memory.drop_lease(lease)
    assert await memory.try_lease(customer, "other") is not None


async def test_the_identities_of_a_customer_are_listed(memory: Memory) -> None:
    customer = await bound(memory, "c1", "u1")
    await memory.link(identity("+15550001", "sms"), customer)
    assert await memory.identities(customer) == ["sms:+15550001", "telegram:u1"]
    assert await memory.identities("nobody") == []


async def test_a_customer_idle_longer_than_the_retention_is_forgotten(
    backend: str, backend_url: str, namespace: str
) -> None:
    policy = MemoryPolicy(retention=timedelta(milliseconds=400))
    store = make_memory(backend, backend_url, namespace, policy)
    try:
        customer = await store.create_customer(identity("u1"), "c-idle")
        got = await store.enqueue(customer, text_event(), identity=None, token="t")
        assert got.lease is not None
        assert got.head is not None
        await store.commit(got.lease, got.head, record(customer), [note("said")])
        await store.release(got.lease)
        await store.claim(PHONE, customer)
        assert await store.load(customer) is not None
        await asyncio.sleep(0.7)
        assert await store.lookup(identity("u1")) is None
        assert await store.load(customer) is None
        assert await store.transcript(customer) == []
        assert await store.owner(PHONE) is None
    finally:
        await store.close()
