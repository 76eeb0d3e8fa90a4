"""What the turn scripts no longer do on every turn (docs/performance.md, "Redis commands per
turn") is still done: every key of a customer gets its time to live, and an identity vouched
for by the ``kept`` key stops being vouched for the moment it leaves the customer."""

from __future__ import annotations

import pytest

from bot.turn.store import EnqueueStatus, Memory
from memory.redis.connection import close, connect
from tests.helpers import WITH_CLUSTER, identity, note, record, text_event


@pytest.fixture(params=WITH_CLUSTER)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


async def _turn(memory: Memory, customer: str, n: int) -> EnqueueStatus:
    """One turn of ``customer`` from the test identity; the enqueue's answer."""
    enqueued = await memory.enqueue(
        customer, text_event(event_id=f"e{n}"), identity=identity(), token=f"{customer}:{n}"
    )
    if enqueued.lease is not None and enqueued.head is not None:
        await memory.commit(enqueued.lease, enqueued.head, record(customer, n=n), [note("x")])
        await memory.release(enqueued.lease)
    return enqueued.status


async def test_an_identity_linked_away_is_no_longer_vouched_for(memory: Memory) -> None:
    await memory.create_customer(identity(), "ca")
    for n in range(3):  # the identity checked, then vouched for by `kept`
        assert await _turn(memory, "ca", n) is EnqueueStatus.ACQUIRED
    assert await memory.link(identity(), "cb") == "ca"
    assert await _turn(memory, "ca", 3) is EnqueueStatus.STALE
    assert await memory.link(identity(), "ca") == "cb"
    assert await _turn(memory, "cb", 4) is EnqueueStatus.STALE
    assert await _turn(memory, "ca", 5) is EnqueueStatus.ACQUIRED


@pytest.mark.parametrize("backend", ["redis", "cluster"])
async def test_every_key_of_a_new_customer_expires(
    memory: Memory, backend_url: str, namespace: str
) -> None:
    await memory.create_customer(identity(), "c1")
    for n in range(3):  # after the first turn, and after turns that set no TTL
        assert await _turn(memory, "c1", n) is EnqueueStatus.ACQUIRED
        lives = await _lives(backend_url, namespace)
        assert {key.rsplit(":", 1)[-1] for key in lives} >= {"rec", "ids", "seen", "log", "kept"}
        assert all(ttl > 0 for ttl in lives.values()), lives


async def _lives(url: str, namespace: str) -> dict[str, int]:
    """Every key of the namespace, with its time to live (ms; -1 for none)."""
    client = connect(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{namespace}:*", count=1000)]
        return {key.decode(): await client.pttl(key) for key in keys}
    finally:
        await close(client)
