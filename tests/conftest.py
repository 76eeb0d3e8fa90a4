"""Fixtures every suite may use: a real Redis and a real Redis Cluster, the memory backends on
them, Chromium, and the fake Twilio.

What tests share besides fixtures lives in modules named for it: :mod:`tests.server_process`
(``omnibot run`` as a process), :mod:`tests.in_process` (a runtime served in this process),
:mod:`tests.fakes` (every vendor), :mod:`tests.helpers` (small builders), and each suite's own
``kit.py`` (the bot it runs and how to talk to it). ``docs/architecture.md`` has the map.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser
from redis.asyncio import Redis

from bot.turn.store import Memory, MemoryPolicy
from tests.browser import chromium
from tests.fakes.twilio import FakeTwilio
from tests.helpers import BACKENDS, make_memory
from tests.redis_cluster import find_or_start_cluster
from tests.redis_server import find_or_start
from tests.server_process import wipe


@pytest.fixture(scope="session", autouse=True)
def phrase_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The semantic stage's phrase vectors go to this run's temporary folder, for this process
    and the ``omnibot`` processes tests start, never to the home directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMNIBOT_CACHE_DIR", str(tmp_path_factory.mktemp("phrase-cache")))
        yield


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


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """A three-node Redis Cluster (``redis+cluster://``), started once for the whole run."""
    try:
        url, started = find_or_start_cluster()
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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test once per memory backend: in process and on one Redis. The memory's own
    suites and joining also run on a Redis Cluster (their ``backend`` takes
    ``WITH_CLUSTER``); everything above the memory behaves the same there."""
    kind: str = request.param
    return kind


@pytest.fixture
async def backend_url(
    backend: str, namespace: str, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """The URL of the backend's Redis ("" for the embedded one); the namespace is wiped after."""
    if backend == "embedded":
        yield ""
        return
    url: str = request.getfixturevalue("redis_cluster_url" if backend == "cluster" else "redis_url")
    yield url
    await wipe(url, namespace)


@pytest.fixture
async def memory(backend: str, backend_url: str, namespace: str) -> AsyncIterator[Memory]:
    """A memory backend with the default policy (the contract suite runs on each)."""
    store = make_memory(backend, backend_url, namespace, MemoryPolicy())
    await store.ping()  # connected (on a cluster: the map of slots read) before the test's clock
    yield store
    await store.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A headless Chromium of the test's own."""
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    """The fake Twilio (Messaging), started for the test."""
    async with FakeTwilio() as fake:
        yield fake
