"""Connecting to the Redis that ``OMNIBOT_REDIS_URL`` names: one server, or a Redis Cluster.

The scheme says which. ``redis://``, ``rediss://`` (TLS) and ``unix://`` name one server (a
managed Redis behind one address counts as one). ``redis+cluster://`` and
``rediss+cluster://`` name a Redis Cluster by any of its nodes (a managed service's
configuration endpoint): the client asks it for the map of hash slots and sends each command
to the primary that serves its keys, following the cluster when slots move or a replica takes
over. The choice is made from the URL alone, so a worker can start while Redis is still down.

A plain URL that names a cluster node would work for the customers whose slots that node serves
and fail for the rest; :func:`check` (behind ``/readyz``) and :func:`explain` turn that into one
clear message instead.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import AskError, MovedError, RedisError, ResponseError
from redis.typing import EncodableT

Client: TypeAlias = Redis | RedisCluster

_CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
_TIMEOUTS = {"socket_connect_timeout": 2.0, "socket_timeout": 5.0}
NAMES_A_NODE = (
    "OMNIBOT_REDIS_URL names a node of a Redis Cluster: write it as "
    "redis+cluster://HOST:PORT (rediss+cluster:// with TLS) so that every node is used"
)


class Cluster(RedisCluster):
    """The cluster client, learning the map of slots before its first command.

    redis-py (8.1) sends a command issued before it knows the map to one default node; a burst
    of them at start then draws MOVED replies, and every fifth MOVED makes the client close all
    its connections, those other commands are using included (they fail with an
    ``AttributeError``, not even a Redis error). Waiting for the map (once, under the client's
    own lock) routes every command to its slot's primary from the first. For the same reason
    MOVED replies later (slots being resharded) only patch the map (``reinitialize_steps=0``);
    a node that stops answering still makes the client read the whole map again.
    """

    async def execute_command(self, *args: EncodableT, **kwargs: Any) -> Any:
        await self.initialize()
        return await super().execute_command(*args, **kwargs)


def cluster_url(url: str) -> str | None:
    """The plain URL of a cluster's node when ``url`` names a cluster, else ``None``."""
    scheme, sep, rest = url.partition("://")
    plain = _CLUSTER_SCHEMES.get(scheme.lower()) if sep else None
    return f"{plain}://{rest}" if plain else None


def connect(url: str, max_connections: int = 64) -> Client:
    """A client for ``url``; no connection is made until the first command.

    On one server the pool is bounded and blocking: when every connection is busy, a caller
    waits up to 5 seconds for one instead of failing, so a burst slows down rather than
    erroring. On a cluster each node has its own pool of ``max_connections``.
    """
    node = cluster_url(url)
    if node is not None:
        return Cluster.from_url(
            node, max_connections=max_connections, reinitialize_steps=0, **_TIMEOUTS
        )
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5, **_TIMEOUTS
    )
    return Redis(connection_pool=pool)


async def close(client: Client) -> None:
    """Close ``client`` and every connection it opened."""
    if isinstance(client, RedisCluster):
        await client.aclose()
    else:
        await client.aclose(close_connection_pool=True)


async def pubsub(client: Client, attempt: int = 0) -> PubSub:
    """A pub/sub connection that ignores subscription confirmations.

    Classic pub/sub (``PUBLISH``, ``PSUBSCRIBE``) spans a whole cluster: a message published on
    any node is delivered to subscribers on every node. So on a cluster any node will do; the
    ``attempt``-th known node is taken, so that reconnecting moves past a node that is gone.
    """
    if isinstance(client, RedisCluster):
        await client.initialize()
        nodes = client.get_nodes()
        return client.pubsub(node=nodes[attempt % len(nodes)], ignore_subscribe_messages=True)
    return client.pubsub(ignore_subscribe_messages=True)


async def check(client: Client) -> None:
    """Whether Redis answers, and answers as the URL said it would (raises :class:`RedisError`).

    A server that does not allow ``INFO`` (some managed offerings restrict it) is taken at its
    word.
    """
    await client.ping()
    if isinstance(client, RedisCluster):
        return
    try:
        info = await client.info("cluster")
    except ResponseError:
        return
    if info.get("cluster_enabled") == 1:
        raise ResponseError(NAMES_A_NODE)


def explain(exc: RedisError) -> str:
    """What went wrong, in words: a redirection means the URL should have named a cluster."""
    if isinstance(exc, MovedError | AskError):
        return f"{NAMES_A_NODE} ({exc})"
    return str(exc)
