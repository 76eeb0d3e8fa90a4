"""The open pages (:mod:`bot.turn.presence`) on every backend: in process, on one Redis and on a
Redis Cluster (where every command must stay in the customer's slot), with a clock the test
moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from redis.crc import key_slot

from bot.errors import MemoryUnavailable
from bot.turn.presence import Presence
from bot.turn.store import MemoryPolicy
from memory.keys import KeyLayout
from memory.redis.connection import close, connect
from memory.redis.presence import RedisPresence
from tests.helpers import make_memory, make_presence
from tests.redis_server import free_port

TTL = timedelta(seconds=60)


@dataclass
class Seconds:
    """The time the test says it is, in seconds."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


@pytest.fixture
async def presence(
    backend: str, backend_url: str, namespace: str, clock: Seconds
) -> AsyncIterator[Presence]:
    made = make_presence(backend, backend_url, namespace, clock)
    yield made
    await made.close()


async def test_an_open_page_counts_on_its_channel_for_its_customer_only(
    presence: Presence,
) -> None:
    assert await presence.channels("c1") == frozenset()
    await presence.mark("c1", "webchat", "page-a", TTL)
    assert await presence.channels("c1") == frozenset({"webchat"})
    assert await presence.channels("c2") == frozenset()


async def test_one_page_closing_leaves_the_customers_other_pages_counted(
    presence: Presence,
) -> None:
    await presence.mark("c1", "webchat", "page-a", TTL)
    await presence.mark("c1", "webchat", "page-b", TTL)
    await presence.unmark("c1", "webchat", "page-a")
    assert await presence.channels("c1") == frozenset({"webchat"})
    await presence.unmark("c1", "webchat", "page-b")
    assert await presence.channels("c1") == frozenset()


async def test_a_mark_runs_out_unless_renewed(presence: Presence, clock: Seconds) -> None:
    await presence.mark("c1", "webchat", "kept", TTL)
    await presence.mark("c1", "webchat", "dead", TTL)
    clock.now += 40
    await presence.mark("c1", "webchat", "kept", TTL)  # the heartbeat of the page still open
    clock.now += 40
    assert await presence.channels("c1") == frozenset({"webchat"})
    clock.now += 21
    assert await presence.channels("c1") == frozenset()


async def test_unmarking_a_page_never_marked_changes_nothing(presence: Presence) -> None:
    await presence.mark("c1", "webchat", "page-a", TTL)
    await presence.unmark("c1", "webchat", "page-z")
    await presence.unmark("c2", "webchat", "page-a")
    assert await presence.channels("c1") == frozenset({"webchat"})


@pytest.mark.parametrize("backend", ["redis", "cluster"])
async def test_on_redis_a_customers_marks_are_one_key_in_their_slot_pruned_and_expiring(
    backend: str, backend_url: str, namespace: str, clock: Seconds
) -> None:
    # On the cluster, make_presence's client fails any command outside one customer's tag.
    presence = make_presence(backend, backend_url, namespace, clock)
    keys = KeyLayout(namespace).customer("c1")
    key = keys.pages
    assert key_slot(key.encode()) == key_slot(keys.record.encode())  # the customer's own slot
    for n in range(50):  # pages of a worker that died: never unmarked
        await presence.mark("c1", "webchat", f"dead-{n}", TTL)
    clock.now += 61
    await presence.mark("c1", "webchat", "open", TTL)
    client = connect(backend_url)
    try:
        assert await client.zrange(key, 0, -1) == [b"webchat:open"]
        assert 0 < await client.pttl(key) <= TTL.total_seconds() * 1000
    finally:
        await close(client)
        await presence.close()


async def test_an_unreachable_redis_is_memory_unavailable() -> None:
    presence = RedisPresence(connect(f"redis://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(MemoryUnavailable):
            await presence.mark("c1", "webchat", "page-a", TTL)
        with pytest.raises(MemoryUnavailable):
            await presence.channels("c1")
    finally:
        await presence.close()


@pytest.mark.parametrize("kind", ["redis", "cluster"])
async def test_erasing_the_customer_on_redis_drops_their_open_pages(
    kind: str, redis_url: str, redis_cluster_url: str, namespace: str
) -> None:
    """``omnibot customer erase`` leaves no mark of a page behind in Redis (in process, a mark
    is the worker's own and dies with its TTL)."""
    url = redis_url if kind == "redis" else redis_cluster_url
    memory = make_memory(kind, url, namespace, MemoryPolicy())
    presence = make_presence(kind, url, namespace)
    try:
        await presence.mark("c-gone", "webchat", "page-a", TTL)
        await presence.mark("c-kept", "webchat", "page-b", TTL)
        await memory.erase("c-gone")
        assert await presence.channels("c-gone") == frozenset()
        assert await presence.channels("c-kept") == frozenset({"webchat"})
    finally:
        await presence.close()
        await memory.close()
