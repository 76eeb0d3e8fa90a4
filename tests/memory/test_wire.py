"""The turn path's lean Redis connection (memory/redis/wire.py), against real redis-servers."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError, NoScriptError, ResponseError, TimeoutError

from bot.errors import MemoryUnavailable
from bot.turn.store import MemoryPolicy
from memory.redis.store import RedisMemory
from memory.redis.wire import Address, Wire, address, wire_for
from tests.helpers import identity, record, text_event
from tests.redis_server import StartedRedis, free_port, start_redis


@pytest.fixture
async def wire(redis_url: str) -> AsyncIterator[Wire]:
    made = wire_for(redis_url)
    assert made is not None
    yield made
    await made.close()


@pytest.fixture(scope="module")
def guarded() -> Iterator[tuple[StartedRedis, str]]:
    """A redis-server of its own with a password, a second user and a Unix socket."""
    folder = tempfile.mkdtemp(prefix="omnibot-wire-")
    sock = os.path.join(folder, "redis.sock")
    server = start_redis(None, "--unixsocket", sock, "--unixsocketperm", "700")

    async def lock() -> None:
        client = Redis.from_url(server.url)
        await client.acl_setuser(
            "ana", enabled=True, passwords=["+s3cret-ana"], keys=["*"], commands=["+@all"]
        )
        await client.config_set("requirepass", "s3cret-default")
        await client.aclose()

    asyncio.run(lock())
    yield server, sock
    server.stop()


def test_urls_are_read_as_redis_py_reads_them() -> None:
    assert address("redis://127.0.0.1:6390/2") == Address("127.0.0.1", 6390, db=2)
    assert address("redis://ana:p%40ss@cache.internal/0") == Address(
        "cache.internal", 6379, username="ana", password="p@ss"
    )
    assert address("redis://:only-a-password@h:1") == Address("h", 1, password="only-a-password")
    assert address("rediss://h:6380/1") == Address("h", 6380, tls=True, db=1)
    assert address("unix:///run/redis.sock?db=3") == Address(path="/run/redis.sock", db=3)
    assert address("redis://h/?db=4") == Address("h", db=4)


@pytest.mark.parametrize(
    "url",
    [
        "redis+cluster://127.0.0.1:7000",  # a cluster: redis-py routes by slot
        "rediss://h:6380/0?ssl_cert_reqs=none",  # TLS options only redis-py applies
        "redis://h:1/0?socket_timeout=1",
        "redis://h:1/not-a-number",
        "http://h:1",
    ],
)
def test_urls_with_what_only_redis_py_does_get_no_wire(url: str) -> None:
    assert wire_for(url) is None


async def test_replies_come_back_to_their_own_commands(wire: Wire, namespace: str) -> None:
    keys = [f"{namespace}:n{i}" for i in range(400)]
    await asyncio.gather(*(wire.call("SET", key, i) for i, key in enumerate(keys)))
    got = await asyncio.gather(*(wire.call("GET", key) for key in reversed(keys)))
    assert got == [str(i).encode() for i in reversed(range(400))]
    await wire.call("DEL", *keys)


async def test_a_batch_keeps_errors_in_their_place(wire: Wire, namespace: str) -> None:
    key = f"{namespace}:k"
    replies = await wire.batch([("SET", key, "v"), ("INCR", key), ("GET", key), ("DEL", key)])
    assert replies[0] == b"OK"
    assert isinstance(replies[1], ResponseError)
    assert replies[2:] == [b"v", 1]


async def test_error_replies_raise(wire: Wire) -> None:
    with pytest.raises(ResponseError, match="unknown command"):
        await wire.call("NO-SUCH-COMMAND")
    with pytest.raises(NoScriptError):
        await wire.call("EVALSHA", "0" * 40, 0)
    assert await wire.call("PING") == b"PONG"  # the connection is still good


async def test_a_killed_connection_fails_what_waits_and_the_next_call_reconnects(
    wire: Wire, redis_url: str, namespace: str
) -> None:
    first = await wire.call("CLIENT", "ID")
    waiting = asyncio.ensure_future(wire.call("BLPOP", f"{namespace}:nothing", 5))
    await asyncio.sleep(0.1)
    admin = Redis.from_url(redis_url)
    try:
        assert await admin.client_kill_filter(_id=str(first)) == 1
    finally:
        await admin.aclose()
    with pytest.raises(ConnectionError):
        await waiting
    assert await wire.call("CLIENT", "ID") != first


async def test_a_late_reply_is_never_taken_for_a_later_command(
    redis_url: str, namespace: str
) -> None:
    where = address(redis_url)
    assert where is not None
    wire = Wire(where, timeout=0.3)
    queue, key = f"{namespace}:q", f"{namespace}:k"
    try:
        await wire.call("SET", key, "the value")
        with pytest.raises(TimeoutError, match=r"did not answer within 0\.3s"):
            await wire.call("BLPOP", queue, 2)
        await wire.call("RPUSH", queue, "late")  # BLPOP's answer, had its connection lived
        assert await wire.call("GET", key) == b"the value"
        assert await wire.call("LRANGE", queue, 0, -1) == [b"late"]
    finally:
        await wire.call("DEL", queue, key)
        await wire.close()


async def test_nobody_listening_is_a_connection_error() -> None:
    wire = Wire(Address("127.0.0.1", free_port()))
    with pytest.raises(ConnectionError, match="cannot connect to Redis"):
        await wire.call("PING")


async def test_credentials_and_database_from_the_url(guarded: tuple[StartedRedis, str]) -> None:
    server, sock = guarded
    port = server.url.rsplit(":", 1)[1].split("/")[0]
    for url in (
        f"redis://:s3cret-default@127.0.0.1:{port}/5",
        f"redis://ana:s3cret-ana@127.0.0.1:{port}/5",
        f"unix://:s3cret-default@{sock}?db=5",
    ):
        wire = wire_for(url)
        assert wire is not None
        try:
            await wire.call("SET", "wire:db", url)
            info = (await wire.call("CLIENT", "INFO")).decode()
            assert " db=5 " in info
            assert ("user=ana" in info) == ("ana:" in url)
        finally:
            await wire.close()
    plain = Redis.from_url(f"redis://:s3cret-default@127.0.0.1:{port}/5")
    try:
        assert await plain.get("wire:db") == f"unix://:s3cret-default@{sock}?db=5".encode()
    finally:
        await plain.aclose()


async def test_a_wrong_password_is_a_clear_error_without_the_password(
    guarded: tuple[StartedRedis, str],
) -> None:
    server, _ = guarded
    port = server.url.rsplit(":", 1)[1].split("/")[0]
    wire = wire_for(f"redis://:not-the-password@127.0.0.1:{port}/0")
    assert wire is not None
    with pytest.raises(ConnectionError, match="Redis refused the connection") as refused:
        await wire.call("PING")
    assert "not-the-password" not in str(refused.value)


async def test_the_memory_loads_its_scripts_again_after_redis_forgot_them(
    redis_url: str, namespace: str, redis_client: Redis
) -> None:
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        customer = await memory.create_customer(identity("u1"), "c1")
        got = await memory.enqueue(customer, text_event(event_id="a"), identity=None, token="t1")
        assert got.lease is not None
        assert got.head is not None
        await redis_client.script_flush()
        await memory.commit(got.lease, got.head, record(customer, n=1), [])
        await redis_client.script_flush()
        assert await memory.release(got.lease) is None
        await redis_client.script_flush()
        again = await memory.enqueue(customer, text_event(event_id="b"), identity=None, token="t2")
        assert again.customer is not None
        assert again.customer.slots == {"n": 1}
    finally:
        await memory.close()


async def test_the_memory_on_a_wire_reports_an_outage_as_unavailable(namespace: str) -> None:
    server = start_redis()
    memory = RedisMemory.from_url(server.url, MemoryPolicy(), namespace)
    try:
        customer = await memory.create_customer(identity("u1"), "c1")
        server.stop()
        with pytest.raises(MemoryUnavailable, match="redis enqueue failed"):
            await memory.enqueue(customer, text_event(event_id="a"), identity=None, token="t")
        with pytest.raises(MemoryUnavailable, match="redis lookup failed"):
            await memory.lookup(identity("u1"))
    finally:
        await memory.close()
        server.stop()


def test_a_memory_from_a_url_uses_the_wire_where_it_can() -> None:
    assert RedisMemory.from_url("redis://127.0.0.1:1/0").on_wire
    assert not RedisMemory.from_url("redis+cluster://127.0.0.1:1").on_wire
