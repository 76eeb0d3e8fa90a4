"""The agent desk in this process: enough with the embedded memory (one worker)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.desk.store import Desk, Presence, Session, of_agents
from bot.desk.threads import MAX_THREADS, Thread


@dataclass(slots=True)
class _Held:
    agent: str
    since: float


class EmbeddedDesk(Desk):
    """The desk in this process (with the embedded memory: one worker)."""

    def __init__(self, clock: Callable[[], float] = time.time, keep: int = MAX_THREADS) -> None:
        self._clock = clock
        self._keep = keep
        self._queue: dict[str, float] = {}
        self._held: dict[str, _Held] = {}
        self._online: dict[tuple[str, str], tuple[float, Presence]] = {}
        self._sessions: dict[str, tuple[Session, float]] = {}
        self._threads: dict[tuple[str, str], str] = {}
        self._customers_of: dict[tuple[str, str], str] = {}
        self._digests: dict[str, Thread] = {}
        self._tags: dict[str, tuple[str, ...]] = {}
        self._canned: dict[str, str] = {}

    async def enqueue(self, customer_id: str, since: float) -> None:
        await asyncio.sleep(0)
        if customer_id not in self._held:
            self._queue.setdefault(customer_id, since)

    async def withdraw(self, customer_id: str) -> None:
        await asyncio.sleep(0)
        self._queue.pop(customer_id, None)
        self._held.pop(customer_id, None)

    async def claim(self, customer_id: str, agent: str) -> bool:
        await asyncio.sleep(0)
        held = self._held.get(customer_id)
        if held is not None:
            return held.agent == agent
        since = self._queue.pop(customer_id, None)
        if since is None:
            return False
        self._held[customer_id] = _Held(agent, since)
        return True

    async def release(self, customer_id: str, agent: str) -> bool:
        await asyncio.sleep(0)
        held = self._held.get(customer_id)
        if held is None or held.agent != agent:
            return False
        del self._held[customer_id]
        self._queue[customer_id] = held.since
        return True

    async def transfer(self, customer_id: str, agent: str, to: str) -> bool:
        await asyncio.sleep(0)
        held = self._held.get(customer_id)
        if held is None or held.agent != agent:
            return False
        held.agent = to
        return True

    async def holder(self, customer_id: str) -> str | None:
        await asyncio.sleep(0)
        held = self._held.get(customer_id)
        return held.agent if held else None

    async def waiting(self, limit: int = 200) -> list[tuple[str, float]]:
        await asyncio.sleep(0)
        return sorted(self._queue.items(), key=lambda item: (item[1], item[0]))[:limit]

    async def held_by(self, agent: str) -> list[str]:
        await asyncio.sleep(0)
        return sorted(c for c, held in self._held.items() if held.agent == agent)

    async def position(self, customer_id: str) -> int | None:
        queue = await self.waiting(len(self._queue))
        ids = [customer for customer, _ in queue]
        return ids.index(customer_id) + 1 if customer_id in ids else None

    async def present(
        self, agent: str, ttl: timedelta, state: Presence = "online", console: str = ""
    ) -> None:
        await asyncio.sleep(0)
        self._online[(agent, console)] = (self._clock() + ttl.total_seconds(), state)

    async def absent(self, agent: str, console: str = "") -> None:
        await asyncio.sleep(0)
        self._online.pop((agent, console), None)

    async def presence(self) -> dict[str, Presence]:
        await asyncio.sleep(0)
        now = self._clock()
        for key in [key for key, (until, _) in self._online.items() if until <= now]:
            del self._online[key]
        return of_agents((agent, state) for (agent, _), (_, state) in self._online.items())

    async def set_thread(self, customer_id: str, place: str, thread: str) -> None:
        await asyncio.sleep(0)
        self._threads[(customer_id, place)] = thread
        self._customers_of[(place, thread)] = customer_id

    async def thread_of(self, customer_id: str, place: str) -> str | None:
        await asyncio.sleep(0)
        return self._threads.get((customer_id, place))

    async def customer_of_thread(self, place: str, thread: str) -> str | None:
        await asyncio.sleep(0)
        return self._customers_of.get((place, thread))

    async def reopen(self, customer_id: str, agent: str, since: float) -> bool:
        await asyncio.sleep(0)
        held = self._held.get(customer_id)
        if held is not None:
            return held.agent == agent
        if customer_id in self._queue:
            return False
        self._held[customer_id] = _Held(agent, since)
        return True

    async def put_thread(self, thread: Thread) -> None:
        await asyncio.sleep(0)
        self._digests.pop(thread.customer, None)  # dicts keep order: the newest goes last
        self._digests[thread.customer] = thread.model_copy(update={"tags": ()})
        while len(self._digests) > self._keep:
            oldest = min(self._digests, key=lambda c: self._digests[c].updated)
            del self._digests[oldest]
            self._tags.pop(oldest, None)

    async def threads(self, limit: int) -> list[Thread]:
        await asyncio.sleep(0)
        newest = sorted(self._digests.values(), key=lambda t: (t.updated, t.customer), reverse=True)
        return [self._tagged(thread) for thread in newest[:limit]]

    async def thread(self, customer_id: str) -> Thread | None:
        await asyncio.sleep(0)
        found = self._digests.get(customer_id)
        return self._tagged(found) if found else None

    async def tag(self, customer_id: str, tag: str, add: bool, most: int) -> tuple[str, ...] | None:
        await asyncio.sleep(0)
        tags = self._tags.get(customer_id, ())
        if not add:
            tags = tuple(t for t in tags if t != tag)
        elif tag not in tags:
            if len(tags) >= most:
                return None
            tags = (*tags, tag)
        self._tags[customer_id] = tags
        return tags

    def _tagged(self, thread: Thread) -> Thread:
        return thread.model_copy(update={"tags": self._tags.get(thread.customer, ())})

    async def open_session(self, key: str, session: Session, ttl: timedelta) -> None:
        await asyncio.sleep(0)
        self._sessions[key] = (session, self._clock() + ttl.total_seconds())

    async def session(self, key: str) -> Session | None:
        await asyncio.sleep(0)
        found = self._sessions.get(key)
        if found is None or found[1] <= self._clock():
            self._sessions.pop(key, None)
            return None
        return found[0]

    async def close_session(self, key: str) -> None:
        await asyncio.sleep(0)
        self._sessions.pop(key, None)

    async def close(self) -> None:
        self._queue.clear()
        self._held.clear()
        self._sessions.clear()

    async def canned(self) -> dict[str, str]:
        await asyncio.sleep(0)
        return dict(self._canned)

    async def put_canned(self, key: str, value: str, most: int) -> bool:
        await asyncio.sleep(0)
        if key not in self._canned and len(self._canned) >= most:
            return False
        self._canned[key] = value
        return True

    async def drop_canned(self, key: str) -> bool:
        await asyncio.sleep(0)
        return self._canned.pop(key, None) is not None
