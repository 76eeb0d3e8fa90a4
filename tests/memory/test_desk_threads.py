"""The desk's memory of conversations, on every backend (one Redis and a Redis Cluster): digests
newest first, tags kept beside them through rewrites and changed atomically, the oldest
forgotten beyond the cap, and reopening only what is off the desk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.desk.store import Desk
from bot.desk.threads import Thread
from memory import EmbeddedDesk
from memory.redis.connection import connect
from memory.redis.desk import RedisDesk
from tests.redis_cluster import OneCustomerPerCommand

KEEP = 5


@pytest.fixture
async def desk(backend: str, backend_url: str, namespace: str) -> AsyncIterator[Desk]:
    if backend == "embedded":
        made: Desk = EmbeddedDesk(keep=KEEP)
    elif backend == "cluster":
        client = OneCustomerPerCommand.for_url(backend_url)
        await client.initialize()
        made = RedisDesk(client, namespace, keep=KEEP)
    else:
        made = RedisDesk(connect(backend_url), namespace, keep=KEEP)
    yield made
    await made.close()


def thread(customer: str, updated: float, status: str = "waiting") -> Thread:
    return Thread.model_validate(
        {"customer": customer, "status": status, "updated": updated, "phones": ["+5511987654321"]}
    )


async def test_threads_come_newest_first_with_their_tags(desk: Desk) -> None:
    await desk.put_thread(thread("c1", 100.0))
    await desk.put_thread(thread("c2", 200.0))
    assert await desk.tag("c1", "refund", True, 10) == ("refund",)
    await desk.put_thread(thread("c1", 300.0, "resolved"))  # a rewrite keeps the tags
    found = await desk.threads(10)
    assert [(t.customer, t.status, t.tags) for t in found] == [
        ("c1", "resolved", ("refund",)),
        ("c2", "waiting", ()),
    ]
    assert await desk.threads(1) == [found[0]]
    assert await desk.thread("c1") == found[0]
    assert await desk.thread("nobody") is None


async def test_tags_change_atomically_and_are_capped(desk: Desk) -> None:
    await desk.put_thread(thread("c1", 100.0))
    added = await asyncio.gather(*(desk.tag("c1", f"t{n}", True, 3) for n in range(6)))
    assert sum(result is not None for result in added) == 3
    [kept] = [t.tags for t in await desk.threads(1)]
    assert len(kept) == 3
    assert await desk.tag("c1", kept[0], True, 3) == kept  # again: no change, no refusal
    assert await desk.tag("c1", kept[0], False, 3) == kept[1:]
    for tag in kept[1:]:
        await desk.tag("c1", tag, False, 3)
    assert (await desk.thread("c1")) == thread("c1", 100.0)


async def test_the_oldest_are_forgotten_beyond_the_cap(desk: Desk) -> None:
    for n in range(KEEP + 2):
        await desk.put_thread(thread(f"c{n}", float(n)))
        await desk.tag(f"c{n}", "x", True, 3)
    found = [t.customer for t in await desk.threads(100)]
    assert found == [f"c{n}" for n in range(KEEP + 1, 1, -1)]
    assert await desk.thread("c0") is None
    await desk.put_thread(thread("c0", 99.0))
    assert (await desk.thread("c0")) == thread("c0", 99.0)  # its tags went with it


async def test_reopen_holds_only_what_is_off_the_desk(desk: Desk) -> None:
    await desk.enqueue("queued", 100.0)
    assert not await desk.reopen("queued", "ana", 200.0)
    assert await desk.reopen("done", "ana", 200.0)
    assert await desk.holder("done") == "ana"
    assert await desk.reopen("done", "ana", 300.0)  # again: harmless
    results = await asyncio.gather(*(desk.reopen("other", f"a{n}", 1.0) for n in range(6)))
    assert sum(results) == 1
    assert not await desk.reopen("done", "bruno", 300.0)
    assert await desk.release("done", "ana")  # back to the queue, like any held conversation
    assert await desk.waiting() == [("queued", 100.0), ("done", 200.0)]
