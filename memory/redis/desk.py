"""The agent desk on Redis. Its keys share the hash tag ``{desk}`` (one slot on Redis Cluster:
the desk is small and its scripts touch the queue and the holders together).

Steps that change two keys at once are Lua scripts rather than ``MULTI``: redis-py's asyncio
cluster client runs each command queued in a transaction through ``asyncio.run`` in a thread
of its own, which blocks the event loop meanwhile and leaves connections bound to a loop that
is closed; a script is one command on one slot, on one server or a cluster alike."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar, cast

from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from bot.desk.store import PRESENCES, Desk, Presence, Session, of_agents
from bot.desk.threads import MAX_THREADS, Thread
from bot.errors import MemoryUnavailable
from memory.redis.connection import Client, close, explain
from memory.redis.lua import lua

T = TypeVar("T")


def _script(client: Client, name: str) -> AsyncScript:
    source = lua(name)
    return client.register_script(source)


def _state(said: str | None) -> Presence:
    """A presence as stored; anything else (a key from before presences had states) is online."""
    return next((state for state in PRESENCES if state == said), "online")


def _member(agent: str, console: str, state: Presence) -> str:
    """An open console in the set of them: agent names hold no newline (one a line)."""
    return f"{agent}\n{console}\n{state}"


def _console(member: str) -> tuple[str, Presence]:
    """The agent and state of a console's member (a bare name, from before consoles had
    members of their own, is that agent online)."""
    agent, _, rest = member.partition("\n")
    return agent, _state(rest.rpartition("\n")[2] if rest else None)


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class RedisDesk(Desk):
    """The desk shared by every worker."""

    def __init__(
        self,
        client: Client,
        namespace: str = "omnibot",
        clock: Callable[[], float] = time.time,
        keep: int = MAX_THREADS,
    ) -> None:
        self._redis = client
        self._keep = keep
        self._clock = clock
        base = f"{namespace}:{{desk}}"
        self._queue, self._held, self._online = f"{base}:queue", f"{base}:held", f"{base}:online"
        self._sessions = f"{base}:session:"
        self._threads = f"{base}:thread"
        self._digests = [f"{base}:digest", f"{base}:recent", f"{base}:tags"]
        self._canned = f"{base}:canned"
        names = (
            "desk_claim",
            "desk_release",
            "desk_enqueue",
            "desk_withdraw",
            "desk_thread",
            "desk_reopen",
            "desk_digest_put",
            "desk_digests",
            "desk_tag",
            "desk_canned",
        )
        self._scripts = {name: _script(client, name) for name in names}

    async def enqueue(self, customer_id: str, since: float) -> None:
        keys = [self._queue, self._held]
        await self._call(self._scripts["desk_enqueue"](keys=keys, args=[customer_id, since]))

    async def withdraw(self, customer_id: str) -> None:
        keys = [self._queue, self._held]
        await self._call(self._scripts["desk_withdraw"](keys=keys, args=[customer_id]))

    async def claim(self, customer_id: str, agent: str) -> bool:
        keys = [self._queue, self._held]
        return bool(
            await self._call(self._scripts["desk_claim"](keys=keys, args=[customer_id, agent]))
        )

    async def release(self, customer_id: str, agent: str) -> bool:
        return await self._release(customer_id, agent, "")

    async def transfer(self, customer_id: str, agent: str, to: str) -> bool:
        return await self._release(customer_id, agent, to)

    async def holder(self, customer_id: str) -> str | None:
        held = await self._call(self._redis.hget(self._held, customer_id))
        return _text(held).partition("\n")[0] if held else None

    async def waiting(self, limit: int = 200) -> list[tuple[str, float]]:
        rows = await self._call(self._redis.zrange(self._queue, 0, limit - 1, withscores=True))
        return [
            (_text(member), float(score)) for member, score in cast(list[tuple[bytes, float]], rows)
        ]

    async def held_by(self, agent: str) -> list[str]:
        held = cast(dict[bytes, bytes], await self._call(self._redis.hgetall(self._held)))
        return sorted(
            _text(customer)
            for customer, value in held.items()
            if _text(value).partition("\n")[0] == agent
        )

    async def position(self, customer_id: str) -> int | None:
        rank = cast(int | None, await self._call(self._redis.zrank(self._queue, customer_id)))
        return rank + 1 if rank is not None else None

    async def present(
        self, agent: str, ttl: timedelta, state: Presence = "online", console: str = ""
    ) -> None:
        # One member per console and state, scored by when it runs out: the new state is
        # added before the other is removed, so a reader between sees the console still.
        until = self._clock() + ttl.total_seconds()
        others = [_member(agent, console, other) for other in PRESENCES if other != state]
        pipe = self._redis.pipeline(transaction=False)
        pipe.zadd(self._online, {_member(agent, console, state): until})
        pipe.zrem(self._online, *others)
        await self._call(pipe.execute())

    async def absent(self, agent: str, console: str = "") -> None:
        members = [_member(agent, console, state) for state in PRESENCES]
        await self._call(self._redis.zrem(self._online, *members))

    async def presence(self) -> dict[str, Presence]:
        now = self._clock()
        pipe = self._redis.pipeline(transaction=False)
        pipe.zremrangebyscore(self._online, "-inf", now)
        pipe.zrange(self._online, 0, -1)
        _, members = await self._call(pipe.execute())
        return of_agents(_console(_text(member)) for member in members)

    async def set_thread(self, customer_id: str, place: str, thread: str) -> None:
        keys = [f"{self._threads}:{place}", f"{self._threads}:{place}:by"]
        await self._call(self._scripts["desk_thread"](keys=keys, args=[customer_id, thread]))

    async def thread_of(self, customer_id: str, place: str) -> str | None:
        found = await self._call(self._redis.hget(f"{self._threads}:{place}", customer_id))
        return _text(found) if found else None

    async def customer_of_thread(self, place: str, thread: str) -> str | None:
        found = await self._call(self._redis.hget(f"{self._threads}:{place}:by", thread))
        return _text(found) if found else None

    async def reopen(self, customer_id: str, agent: str, since: float) -> bool:
        keys = [self._queue, self._held]
        script = self._scripts["desk_reopen"](keys=keys, args=[customer_id, agent, since])
        return bool(await self._call(script))

    async def put_thread(self, thread: Thread) -> None:
        value = thread.model_copy(update={"tags": ()}).model_dump_json()
        args: list[str | float] = [thread.customer, value, thread.updated, self._keep]
        await self._call(self._scripts["desk_digest_put"](keys=self._digests, args=args))

    async def threads(self, limit: int) -> list[Thread]:
        script = self._scripts["desk_digests"](keys=self._digests, args=[limit])
        digests, tags = cast(list[list[bytes | None]], await self._call(script))
        return [_thread(raw, tagged) for raw, tagged in zip(digests, tags, strict=True) if raw]

    async def thread(self, customer_id: str) -> Thread | None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.hget(self._digests[0], customer_id)
        pipe.hget(self._digests[2], customer_id)
        raw, tagged = await self._call(pipe.execute())
        return _thread(raw, tagged) if raw else None

    async def tag(self, customer_id: str, tag: str, add: bool, most: int) -> tuple[str, ...] | None:
        args: list[str | int] = [customer_id, tag, 1 if add else 0, most]
        script = self._scripts["desk_tag"](keys=[self._digests[2]], args=args)
        found = await self._call(script)
        return tuple(json.loads(found)) if found else None

    async def open_session(self, key: str, session: Session, ttl: timedelta) -> None:
        value = json.dumps({"agent": session.agent, "csrf": session.csrf})
        px = max(1, int(ttl.total_seconds() * 1000))
        await self._call(self._redis.set(self._sessions + key, value, px=px))

    async def session(self, key: str) -> Session | None:
        raw = await self._call(self._redis.get(self._sessions + key))
        if not raw:
            return None
        value = json.loads(raw)
        return Session(agent=str(value["agent"]), csrf=str(value["csrf"]))

    async def close_session(self, key: str) -> None:
        await self._call(self._redis.delete(self._sessions + key))

    async def canned(self) -> dict[str, str]:
        held = cast(dict[bytes, bytes], await self._call(self._redis.hgetall(self._canned)))
        return {_text(key): _text(value) for key, value in held.items()}

    async def put_canned(self, key: str, value: str, most: int) -> bool:
        script = self._scripts["desk_canned"](keys=[self._canned], args=[key, value, most])
        return bool(await self._call(script))

    async def drop_canned(self, key: str) -> bool:
        return bool(await self._call(self._redis.hdel(self._canned, key)))

    async def close(self) -> None:
        await close(self._redis)

    async def _release(self, customer_id: str, agent: str, to: str) -> bool:
        keys = [self._queue, self._held]
        script = self._scripts["desk_release"](keys=keys, args=[customer_id, agent, to])
        return bool(await self._call(script))

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except RedisError as exc:
            raise MemoryUnavailable(f"redis desk operation failed: {explain(exc)}") from exc


def _thread(raw: bytes, tags: bytes | None) -> Thread:
    thread = Thread.model_validate_json(raw)
    return thread.model_copy(update={"tags": tuple(json.loads(tags)) if tags else ()})
