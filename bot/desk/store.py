"""The agent desk's contract (a port): who is waiting for a person, who took whom, who is online,
and agents' sign-in sessions. Every worker must see the same desk, so that two agents claiming one
conversation at the same moment through two workers get one winner; ``memory/`` implements it (in
process, and on Redis).

A conversation's place in the dialog and its transcript stay in the customer's record; the desk
only indexes conversations by their handoff state, for the queue and for claiming.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, get_args

from bot.desk.threads import Thread

Presence = Literal["online", "away"]
"""What an agent's open console says: ``online`` (in use), or ``away`` (open but idle, or its
tab hidden, for a while): selectable for a transfer, but they may not answer soon."""
PRESENCES: tuple[Presence, ...] = get_args(Presence)


def of_agents(consoles: Iterable[tuple[str, Presence]]) -> dict[str, Presence]:
    """Each agent's presence over their open consoles (``(agent, state)`` pairs, one a
    console): ``online`` if any console of theirs is in use, ``away`` only when all are away;
    an agent with none open is not there (offline). Sorted by name."""
    agents: dict[str, Presence] = {}
    for agent, state in consoles:
        agents[agent] = "online" if "online" in (state, agents.get(agent)) else "away"
    return dict(sorted(agents.items()))


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
    async def present(
        self, agent: str, ttl: timedelta, state: Presence = "online", console: str = ""
    ) -> None:
        """Note that ``agent``'s console ``console`` (one of their open pages, each with an
        id of its own) is open and ``state``, for ``ttl`` unless said again."""

    @abstractmethod
    async def absent(self, agent: str, console: str = "") -> None:
        """Note that ``agent``'s console ``console`` closed."""

    @abstractmethod
    async def presence(self) -> dict[str, Presence]:
        """The agents with a console open now, each ``online`` or ``away`` over all their
        consoles (see :func:`of_agents`)."""

    async def online(self) -> list[str]:
        """The agents whose console is open now (online or away), sorted."""
        return sorted(await self.presence())

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
    async def reopen(self, customer_id: str, agent: str, since: float) -> bool:
        """Hold a conversation that is off the desk for ``agent`` (an agent reopening it);
        ``False`` when it is queued or another agent holds it."""

    @abstractmethod
    async def put_thread(self, thread: Thread) -> None:
        """Remember a conversation's digest (its tags aside), forgetting the least recently
        touched beyond :data:`~bot.desk.threads.MAX_THREADS`."""

    @abstractmethod
    async def threads(self, limit: int) -> list[Thread]:
        """The ``limit`` most recently touched conversations, newest first, with their tags."""

    @abstractmethod
    async def thread(self, customer_id: str) -> Thread | None:
        """One conversation's digest, with its tags."""

    @abstractmethod
    async def tag(self, customer_id: str, tag: str, add: bool, most: int) -> tuple[str, ...] | None:
        """Add a tag to a conversation (or remove it: ``add`` false), atomically; its tags
        after, or ``None`` when adding would make more than ``most``."""

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
    async def canned(self) -> dict[str, str]:
        """The team's canned responses, by key, each as its JSON (:mod:`bot.desk.canned`)."""

    @abstractmethod
    async def put_canned(self, key: str, value: str, most: int) -> bool:
        """Store a canned response under ``key``; ``False`` (and nothing stored) when ``key`` is
        new and the team holds ``most`` already."""

    @abstractmethod
    async def drop_canned(self, key: str) -> bool:
        """Delete a canned response; ``False`` when there was none under ``key``."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""
