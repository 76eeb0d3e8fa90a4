"""The bus on Redis pub/sub, shared by every worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from bot.errors import MemoryUnavailable
from bot.turn.bus import Bus, Listener, Subscription
from bot.turn.tasks import stop_task
from memory.redis.connection import Client, close, explain, pubsub
from memory.topics import Handle, Listeners

log = logging.getLogger("omnibot.bus")
_RETRY_CAP = 5.0


class RedisBus(Listeners, Bus):
    """Topics on Redis pub/sub. Each worker pattern-subscribes once to all of the bot's topics
    and dispatches to its own listeners, so subscribing a websocket costs no round trip and the
    pub/sub connection is only ever used by its one reader (redis-py's ``PubSub`` is not safe
    to use from two tasks at once).

    Every worker hears every notification; notifications are a few bytes, so this holds to
    thousands per second. If the connection drops, the reader reconnects with capped backoff
    and subscribes again; whatever was published meanwhile is found in the transcript.

    On a Redis Cluster this is classic pub/sub, which the cluster carries to every node: the
    reader listens on any one node, and a message published through any node reaches it.
    """

    def __init__(self, client: Client, namespace: str = "omnibot") -> None:
        super().__init__()
        self._redis = client
        self._prefix = f"{namespace}:bus:"
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closing = False

    async def publish(self, topic: str, message: bytes) -> None:
        try:
            await self._redis.publish(self._prefix + topic, message)
        except RedisError as exc:
            raise MemoryUnavailable(f"redis publish failed: {explain(exc)}") from exc

    async def subscribe(self, topic: str, listener: Listener) -> Subscription:
        await self._listening()
        self.add(topic, listener)
        return Handle(self, topic, listener)

    async def close(self) -> None:
        self._closing = True
        await stop_task(self._reader)
        await self._drop()
        await close(self._redis)
        self.by_topic.clear()

    async def _listening(self) -> None:
        """Subscribe to the pattern once, before the reader starts: no concurrent use."""
        async with self._lock:
            if self._reader is not None and not self._reader.done():
                return
            try:
                await self._subscribe(0)
            except RedisError as exc:
                await self._drop()
                raise MemoryUnavailable(f"redis subscribe failed: {explain(exc)}") from exc
            self._reader = asyncio.get_running_loop().create_task(self._read(), name="bus")

    async def _subscribe(self, attempt: int) -> PubSub:
        self._pubsub = await pubsub(self._redis, attempt)
        await self._pubsub.psubscribe(self._prefix + "*")
        return self._pubsub

    async def _drop(self) -> None:
        """Close the pub/sub connection; the reader opens a new one (on a cluster, on another
        node, so that a node that is gone for good is left behind)."""
        dropped, self._pubsub = self._pubsub, None
        if dropped is not None:
            with contextlib.suppress(RedisError, OSError):
                await dropped.aclose()

    async def _read(self) -> None:
        delay, attempt = 0.1, 0
        while not self._closing:
            try:
                current = self._pubsub or await self._subscribe(attempt)
                message = await current.get_message(timeout=1.0)
                delay = 0.1
            except (RedisError, OSError) as exc:
                log.warning("bus connection lost, reconnecting: %s", exc)
                await self._drop()
                await asyncio.sleep(delay)
                delay, attempt = min(delay * 2, _RETRY_CAP), attempt + 1
                continue
            if message is None or message.get("type") != "pmessage":
                continue
            channel = message["channel"]
            name = channel.decode() if isinstance(channel, bytes) else str(channel)
            self.dispatch(name.removeprefix(self._prefix), message["data"])
