"""Redis Cluster: the client runs in cluster mode when the URL names a cluster, customers spread
over the nodes, no command spans two customers, and the bus hears across nodes.

The memory contract, the desk and the bus suites also run on the cluster (the ``cluster``
backend); these tests are about what only a cluster has.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from itertools import count

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot
from redis.exceptions import ClusterCrossSlotError

from bot.app.compose import open_memory
from bot.errors import MemoryUnavailable
from bot.turn.store import MemoryPolicy
from memory.keys import KeyLayout
from memory.redis.bus import RedisBus
from memory.redis.connection import close, connect
from tests.helpers import identity, note, record, text_event
from tests.redis_cluster import OneCustomerPerCommand, port_of


@pytest.fixture
async def cluster(redis_cluster_url: str, namespace: str) -> AsyncIterator[RedisCluster]:
    """A cluster client that knows the map of slots; the namespace is wiped after."""
    client = connect(redis_cluster_url)
    assert isinstance(client, RedisCluster), "a redis+cluster:// URL gives a cluster client"
    await client.initialize()
    yield client
    keys = [key async for key in client.scan_iter(match=f"{namespace}:*")]
    if keys:
        await client.delete(*keys)
    await close(client)


def node_of(cluster: RedisCluster, namespace: str, customer: str) -> ClusterNode:
    node = cluster.get_node_from_key(KeyLayout(namespace).customer(customer).record)
    assert node is not None
    return node


def customers_on_two_nodes(cluster: RedisCluster, namespace: str) -> tuple[str, str]:
    first = "c0"
    for n in count(1):
        other = f"c{n}"
        if node_of(cluster, namespace, other) != node_of(cluster, namespace, first):
            return first, other
    raise AssertionError("unreachable")


async def keys_on(node: ClusterNode, namespace: str) -> set[str]:
    """The keys one node holds (a plain client's SCAN sees only its own node)."""
    plain = Redis(host=node.host, port=int(node.port))
    try:
        return {key.decode() async for key in plain.scan_iter(match=f"{namespace}:*")}
    finally:
        await plain.aclose()


async def a_turn(memory_url: str, namespace: str, customer: str, user: str) -> None:
    memory = open_memory(memory_url, MemoryPolicy(), namespace)
    try:
        await memory.create_customer(identity(user), customer)
        got = await memory.enqueue(customer, text_event(user=user), identity=None, token="t")
        assert got.lease is not None
        assert got.head is not None
        await memory.commit(got.lease, got.head, record(customer), [note("said")])
    finally:
        await memory.close()


async def test_a_cluster_url_spreads_customers_over_the_nodes(
    redis_cluster_url: str, cluster: RedisCluster, namespace: str
) -> None:
    first, second = customers_on_two_nodes(cluster, namespace)
    await a_turn(redis_cluster_url, namespace, first, "u1")
    await a_turn(redis_cluster_url, namespace, second, "u2")
    for mine, theirs in ((first, second), (second, first)):
        held = await keys_on(node_of(cluster, namespace, mine), namespace)
        assert {k for k in held if f"{{c:{mine}}}" in k} >= {
            KeyLayout(namespace).customer(mine).record,
            KeyLayout(namespace).customer(mine).transcript,
        }
        assert not {k for k in held if f"{{c:{theirs}}}" in k}


async def test_a_plain_url_naming_a_cluster_node_is_not_ready_and_says_why(
    redis_cluster_url: str, cluster: RedisCluster, namespace: str
) -> None:
    port = port_of(redis_cluster_url)
    memory = open_memory(f"redis://127.0.0.1:{port}", MemoryPolicy(), namespace)
    named = next(node for node in cluster.get_primaries() if node.port == port)
    elsewhere = next(f"c{n}" for n in count() if node_of(cluster, namespace, f"c{n}") != named)
    try:
        with pytest.raises(MemoryUnavailable, match=r"write it as redis\+cluster://"):
            await memory.ping()
        with pytest.raises(MemoryUnavailable, match=r"write it as redis\+cluster://"):
            await memory.load(elsewhere)
    finally:
        await memory.close()


async def test_a_command_naming_two_customers_fails_even_when_they_share_a_slot(
    redis_cluster_url: str, namespace: str
) -> None:
    layout = KeyLayout(namespace)
    slot = key_slot(layout.customer("c0").record.encode())
    twin = next(
        f"c{n}" for n in count(1) if key_slot(layout.customer(f"c{n}").record.encode()) == slot
    )
    client = OneCustomerPerCommand.for_url(redis_cluster_url)
    script = client.register_script("return redis.call('EXISTS', KEYS[1], KEYS[2])")
    try:
        with pytest.raises(AssertionError, match="spans customers"):
            await script(keys=[layout.customer("c0").record, layout.customer(twin).record])
        with pytest.raises(AssertionError, match="mixes a customer's keys"):
            await script(keys=[layout.customer("c0").record, layout.identity(identity())])
    finally:
        await close(client)


async def test_the_cluster_itself_refuses_a_script_over_two_slots(
    redis_cluster_url: str,
) -> None:
    plain = Redis.from_url(f"redis://127.0.0.1:{port_of(redis_cluster_url)}")
    try:
        with pytest.raises(ClusterCrossSlotError, match="don't hash to the same slot"):
            await plain.eval("return 1", 2, "{c:a}:rec", "{c:b}:rec")
    finally:
        await plain.aclose()


async def test_the_bus_hears_every_node_and_again_after_its_connection_drops(
    redis_cluster_url: str, cluster: RedisCluster, namespace: str
) -> None:
    bus = RedisBus(connect(redis_cluster_url), namespace)
    heard: asyncio.Queue[bytes] = asyncio.Queue()
    nodes = [Redis(host=node.host, port=int(node.port)) for node in cluster.get_primaries()]
    sent = {f"via node {n}".encode() for n in range(len(nodes))}
    try:
        await bus.subscribe("conv:1", heard.put_nowait)
        for n, node in enumerate(nodes):
            await node.publish(f"{namespace}:bus:conv:1", f"via node {n}".encode())
        async with asyncio.timeout(5):
            assert {await heard.get() for _ in nodes} == sent
        for node in nodes:
            await node.client_kill_filter(_type="pubsub")
        async with asyncio.timeout(20):
            while True:
                await bus.publish("conv:1", b"again")
                try:
                    async with asyncio.timeout(0.5):
                        if await heard.get() == b"again":
                            break
                except TimeoutError:
                    continue
    finally:
        await bus.close()
        for node in nodes:
            await node.aclose()
