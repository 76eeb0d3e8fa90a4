"""Shared fixtures: a real Redis, memory backends, and a pipeline wired to a loopback channel."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from memory import EmbeddedMemory, Memory, MemoryPolicy
from memory.keys import KeyLayout
from memory.redis_store import RedisMemory
from tests.redis_server import find_or_start


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis that answers; started for this run if none was there."""
    try:
        url, started = find_or_start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield url
    if started is not None:
        started.stop()


@pytest.fixture
def namespace() -> str:
    """A key namespace of its own for each test, so tests never see each other's keys."""
    return f"t{secrets.token_hex(6)}"


@pytest.fixture
async def redis_client(redis_url: str, namespace: str) -> AsyncIterator[Redis]:
    """A raw client, for looking at what the backend wrote; the namespace is wiped after."""
    client = Redis.from_url(redis_url)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{namespace}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def make_memory(kind: str, redis_url: str, namespace: str, policy: MemoryPolicy) -> Memory:
    """A backend of ``kind`` ("embedded" or "redis") with ``policy``."""
    if kind == "embedded":
        return EmbeddedMemory(policy)
    return RedisMemory(Redis.from_url(redis_url), policy, KeyLayout(namespace))


@pytest.fixture(params=["embedded", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test once per memory backend."""
    kind: str = request.param
    return kind


@pytest.fixture
async def memory(
    backend: str, redis_url: str, namespace: str, redis_client: Redis
) -> AsyncIterator[Memory]:
    """A memory backend with the default policy (the contract suite runs on both)."""
    store = make_memory(backend, redis_url, namespace, MemoryPolicy())
    yield store
    await store.close()
