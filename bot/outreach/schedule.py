"""The schedule's contract (a port): items due at a time, for one customer each, kept in the shared
memory so that they outlive the worker that scheduled them; ``memory/`` implements it (in process,
and on Redis laid out for Redis Cluster).

An item is known by its customer and its ``key`` (``cart-reminder``, ``rating:order-123``):
scheduling the same key twice, from two workers at the same moment, keeps one item. Each item
is, in order:

- **pending** until its ``due_at`` (:meth:`Schedule.pending` lists a customer's);
- **claimed** by one worker (:meth:`Schedule.claim_due`), for ``visibility``: a worker that stops
  before it is done loses the claim when that runs out, and the item is claimed again;
- **done** (:meth:`Schedule.done`), and forgotten: the key is free for a new item.

A pending or claimed item may be cancelled (by key, or by an event it names in ``cancel_on``).
The schedule never fires anything itself: :class:`bot.outreach.scheduler.Scheduler` claims what
is due and hands each item to the customer's turn as a system event whose id is the item's, so
that an item claimed twice (a claim that ran out) is still one turn.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import AwareDatetime, Field, JsonValue

from bot.format.messages import Model, utcnow


def new_item_id() -> str:
    """A fresh item id: unique, so that a replaced item fires as a new one."""
    return secrets.token_hex(8)


class Scheduled(Model):
    """One scheduled item: the system event ``name`` (with ``data``) due for ``customer_id`` at
    ``due_at``."""

    id: str = Field(default_factory=new_item_id, min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=256)
    key: str = Field(min_length=1, max_length=256)
    """What the item is for the customer, unique among their items (the same key scheduled
    again is the same item)."""
    due_at: AwareDatetime
    name: str = Field(min_length=1, max_length=128)
    """The name of the system event it fires as."""
    data: dict[str, JsonValue] = Field(default_factory=dict)
    cancel_on: tuple[str, ...] = ()
    """Names of events that cancel it (``order.placed`` for "remind in 1 h unless ordered")."""
    max_late: timedelta | None = None
    """Fired later than this after ``due_at`` (after downtime), it is dropped instead; ``None``:
    it fires however late, flagged ``late``."""
    created_at: AwareDatetime = Field(default_factory=utcnow)


class Timers(Protocol):
    """What schedules and cancels items (the pipeline's deferrals, the flows' waits): the
    schedule itself, or a worker's :class:`~bot.outreach.scheduler.Scheduler`, which also
    counts them and wakes the workers."""

    async def put(self, item: Scheduled, *, replace: bool = False) -> Scheduled:
        """Schedule ``item`` unless the customer has one with its key (see
        :meth:`Schedule.put`)."""
        ...

    async def cancel(self, customer_id: str, key: str) -> Scheduled | None:
        """Cancel the customer's item with ``key``."""
        ...

    async def cancel_on(self, customer_id: str, event: str) -> list[Scheduled]:
        """Cancel the customer's items that ``event`` cancels."""
        ...


class Schedule(ABC):
    """The schedule of every customer. Every method is atomic and safe from many workers."""

    @abstractmethod
    async def put(self, item: Scheduled, *, replace: bool = False) -> Scheduled:
        """Schedule ``item`` unless the customer has an item with its key; return the item kept.

        Without ``replace`` a second put of a key is a no-op that returns the first item (two
        workers scheduling the same reminder make one). With ``replace`` the new item takes the
        old one's place (a new due time, a new id), whether it was pending or claimed.
        """

    @abstractmethod
    async def cancel(self, customer_id: str, key: str) -> Scheduled | None:
        """Drop the customer's item with ``key``; the item dropped, if there was one."""

    @abstractmethod
    async def cancel_on(self, customer_id: str, event: str) -> list[Scheduled]:
        """Drop the customer's items that name ``event`` in their ``cancel_on``."""

    @abstractmethod
    async def forget(self, customer_id: str) -> int:
        """Drop every item of the customer (they were erased); how many."""

    @abstractmethod
    async def move(self, source_id: str, target_id: str) -> list[Scheduled]:
        """Give every item of ``source_id`` to ``target_id`` (the source was joined into the
        target); the items moved, as the target's now.

        Each keeps its id, key, due time and data, so that it fires once, for the target: an
        item fired for the source while it moved carries the same event id as the target's copy,
        and the joined inbox drops the second. A source item whose key the target already has
        is dropped and the target's kept: the conversation that goes on keeps its own reminder.
        A claimed item becomes pending again for the target (due, it is claimed at once).

        Each item moves by itself, atomically where both customers share a store (in process,
        or one shard on Redis); across two shards it is put for the target, then dropped from
        the source, and a move interrupted between the two is finished by moving again, which
        puts nothing twice.
        """

    @abstractmethod
    async def pending(self, customer_id: str) -> list[Scheduled]:
        """The customer's items, pending or claimed, soonest first."""

    @abstractmethod
    async def claim_due(
        self, now: datetime, limit: int, worker: str, visibility: timedelta
    ) -> list[Scheduled]:
        """Claim items due at ``now``, for ``worker``, until ``now + visibility``: those pending
        and due, and those whose earlier claim has run out. At most ``limit`` from each shard
        of the schedule (one in process), soonest first."""

    @abstractmethod
    async def done(self, items: Sequence[Scheduled]) -> None:
        """Forget claimed items that were handled. An item cancelled or replaced since it was
        claimed is left as it is now."""

    @abstractmethod
    async def next_due(self) -> datetime | None:
        """When the next item is due, or a claim runs out; ``None`` when there is nothing."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""


def late_by(item: Scheduled, now: datetime) -> timedelta:
    """How long after its due time an item is fired at ``now`` (zero when on time)."""
    return max(now - item.due_at, timedelta(0))
