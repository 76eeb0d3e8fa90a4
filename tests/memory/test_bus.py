"""The bus: notifications reach every subscriber of a topic, in any worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.errors import MemoryUnavailable
from bot.turn.bus import Bus
from memory import EmbeddedBus
from memory.redis.bus import RedisBus
from memory.redis.connection import connect
from tests.redis_server import start_redis


@pytest.fixture
async def buses(backend: str, backend_url: str, namespace: str) -> AsyncIterator[tuple[Bus, Bus]]:
    """Two buses as two workers would have them (the embedded one is shared in-process)."""
    if backend == "embedded":
        shared = EmbeddedBus()
        yield shared, shared
        await shared.close()
        return
    pair = (RedisBus(connect(backend_url), namespace), RedisBus(connect(backend_url), namespace))
    yield pair
    for bus in pair:
        await bus.close()


async def received(queue: asyncio.Queue[bytes], count: int) -> list[bytes]:
    async with asyncio.timeout(5):
        return [await queue.get() for _ in range(count)]


async def test_a_message_reaches_a_subscriber_on_another_worker(buses: tuple[Bus, Bus]) -> None:
    publisher, listener = buses
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    await listener.subscribe("conv:1", queue.put_nowait)
    await publisher.publish("conv:1", b"new entries")
    assert await received(queue, 1) == [b"new entries"]


async def test_every_subscriber_of_a_topic_hears_it_and_only_its_topic(
    buses: tuple[Bus, Bus],
) -> None:
    publisher, listener = buses
    first: asyncio.Queue[bytes] = asyncio.Queue()
    second: asyncio.Queue[bytes] = asyncio.Queue()
    other: asyncio.Queue[bytes] = asyncio.Queue()
    await listener.subscribe("conv:1", first.put_nowait)
    await listener.subscribe("conv:1", second.put_nowait)
    await listener.subscribe("conv:2", other.put_nowait)
    await publisher.publish("conv:1", b"a")
    await publisher.publish("conv:1", b"b")
    assert await received(first, 2) == [b"a", b"b"]
    assert await received(second, 2) == [b"a", b"b"]
    await asyncio.sleep(0.1)
    assert other.empty()


async def test_a_cancelled_subscription_hears_nothing_more(buses: tuple[Bus, Bus]) -> None:
    publisher, listener = buses
    kept: asyncio.Queue[bytes] = asyncio.Queue()
    dropped: asyncio.Queue[bytes] = asyncio.Queue()
    await listener.subscribe("conv:1", kept.put_nowait)
    subscription = await listener.subscribe("conv:1", dropped.put_nowait)
    await subscription.cancel()
    await publisher.publish("conv:1", b"after")
    assert await received(kept, 1) == [b"after"]
    await asyncio.sleep(0.1)
    assert dropped.empty()


async def test_a_failing_listener_does_not_starve_the_others(buses: tuple[Bus, Bus]) -> None:
    publisher, listener = buses
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    def broken(message: bytes) -> None:
        raise RuntimeError("listener bug")

    await listener.subscribe("conv:1", broken)
    await listener.subscribe("conv:1", queue.put_nowait)
    await publisher.publish("conv:1", b"x")
    assert await received(queue, 1) == [b"x"]


async def test_the_redis_bus_hears_again_after_redis_restarts(namespace: str) -> None:
    server = start_redis()
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    client = Redis.from_url(server.url)
    bus = RedisBus(client, namespace)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    try:
        await bus.subscribe("conv:1", queue.put_nowait)
        await bus.publish("conv:1", b"before")
        assert await received(queue, 1) == [b"before"]
        server.stop()
        server = start_redis(port)
        async with asyncio.timeout(20):
            while True:
                try:
                    await bus.publish("conv:1", b"after")
                except MemoryUnavailable:
                    await asyncio.sleep(0.1)
                    continue
                try:
                    async with asyncio.timeout(0.5):
                        if await queue.get() == b"after":
                            break
                except TimeoutError:
                    continue
    finally:
        await bus.close()
        await client.aclose()
        server.stop()
