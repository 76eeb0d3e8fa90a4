"""The agent desk's shared state: who is waiting for a person, who took whom, who is online, and
agents' sign-in sessions. Every worker sees the same desk (Redis), so two agents claiming one
conversation at the same moment through two workers get one winner.

A conversation's place in the dialog and its transcript stay in the customer's record; the desk
only indexes conversations by their handoff state, for the queue and for claiming.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Session:
    """An agent signed in to the console: who, and the token their requests must carry."""

    agent: str
    csrf: str


class Desk(ABC):
    """The desk's operations; each one atomic."""

    @abstractmethod
    async def enqueue(self, customer_id: str, since: float) -> None:
        """Put a conversation in the queue (kept at its first ``since`` if already there)."""

    @abstractmethod
    async def withdraw(self, customer_id: str) -> None:
        """Take a conversation off the desk: out of the queue, and from whoever held it."""

    @abstractmethod
    async def claim(self, customer_id: str, agent: str) -> bool:
        """Take a waiting conversation; ``True`` for the one agent who gets it (and again for
        that agent), ``False`` for everyone else or when it is not waiting."""

    @abstractmethod
    async def release(self, customer_id: str, agent: str) -> bool:
        """Give a held conversation back to the queue, at its place; only by its holder."""

    @abstractmethod
    async def transfer(self, customer_id: str, agent: str, to: str) -> bool:
        """Hand a held conversation to another agent; only by its holder."""

    @abstractmethod
    async def holder(self, customer_id: str) -> str | None:
        """The agent holding a conversation."""

    @abstractmethod
    async def waiting(self, limit: int = 200) -> list[tuple[str, float]]:
        """The queue, oldest first: customer ids and since when they wait."""

    @abstractmethod
    async def held_by(self, agent: str) -> list[str]:
        """The conversations an agent holds."""

    @abstractmethod
    async def position(self, customer_id: str) -> int | None:
        """A waiting conversation's place in the queue, from 1."""

    @abstractmethod
    async def present(self, agent: str, ttl: timedelta) -> None:
        """Note that ``agent`` is online, for ``ttl`` unless said again."""

    @abstractmethod
    async def absent(self, agent: str) -> None:
        """Note that ``agent`` went offline."""

    @abstractmethod
    async def online(self) -> list[str]:
        """The agents online now."""

    @abstractmethod
    async def set_thread(self, customer_id: str, place: str, thread: str) -> None:
        """Remember where another desk (``place``: ``slack``) discusses a conversation."""

    @abstractmethod
    async def thread_of(self, customer_id: str, place: str) -> str | None:
        """The thread of a conversation at ``place``."""

    @abstractmethod
    async def customer_of_thread(self, place: str, thread: str) -> str | None:
        """The conversation a thread at ``place`` is about."""

    @abstractmethod
    async def open_session(self, key: str, session: Session, ttl: timedelta) -> None:
        """Keep a sign-in session under ``key`` (a digest of the cookie, never the cookie)."""

    @abstractmethod
    async def session(self, key: str) -> Session | None:
        """The session under ``key``, if it has not expired or been closed."""

    @abstractmethod
    async def close_session(self, key: str) -> None:
        """Sign out."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""


@dataclass(slots=True)
class _Held:
    agent: str
    since: float


class EmbeddedDesk(Desk):
    """The desk in this process (with the embedded memory: one worker)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._queue: dict[str, float] = {}
        self._held: dict[str, _Held] = {}
        self._online: dict[str, float] = {}
        self._sessions: dict[str, tuple[Session, float]] = {}
        self._threads: dict[tuple[str, str], str] = {}
        self._customers_of: dict[tuple[str, str], str] = {}

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

    async def present(self, agent: str, ttl: timedelta) -> None:
        await asyncio.sleep(0)
        self._online[agent] = self._clock() + ttl.total_seconds()

    async def absent(self, agent: str) -> None:
        await asyncio.sleep(0)
        self._online.pop(agent, None)

    async def online(self) -> list[str]:
        await asyncio.sleep(0)
        now = self._clock()
        return sorted(agent for agent, until in self._online.items() if until > now)

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
