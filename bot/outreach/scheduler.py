"""Firing what the schedule holds, in every worker: each due item becomes a system event in its
customer's inbox, and so a turn under the customer's lease like any other input.

The scheduler sleeps until the next item is due. A worker that schedules an item sooner than it
was going to wake tells every worker on the bus (topic ``schedule``, the due time in ms), so none
polls: an idle worker asks the schedule for its next due time once a minute (``idle_check``),
in case a notification was lost while the bus reconnected.

Awake, it claims due items in batches (:meth:`~bot.outreach.schedule.Schedule.claim_due`),
queues each as :class:`~bot.format.messages.SystemEvent` ``event_id="sched:<item id>"``, and marks
the batch done. Exactly once, across workers:

- two workers never claim the same item at once: a claim is one atomic step on the schedule;
- a worker that stops after claiming leaves the claim to run out (``visibility``); the item is
  then claimed again by any worker;
- a worker that stops after queueing the event but before ``done`` leaves an item that is
  queued once more by whoever claims it next, and the inbox drops it as a duplicate of the
  event id (inside the memory's deduplication window, a day by default).

An item fired more than ``late_after`` after its due time carries ``"late": true`` in its data;
one later than its own ``max_late`` is not fired at all, and the customer's transcript says so
(a ``late-skipped`` note).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.app.metrics import Metrics
from bot.connector import SubmitResult
from bot.errors import MemoryUnavailable
from bot.format.messages import SystemEvent, utcnow
from bot.format.transcript import NoteEntry
from bot.outreach.schedule import Schedule, Scheduled, late_by
from bot.turn.bus import Bus, Subscription
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory
from bot.turn.tasks import stop_task

log = logging.getLogger("omnibot.scheduler")

TOPIC = "schedule"
"""The bus topic on which a worker says an item is due sooner than it was going to wake."""
EVENT_ID_PREFIX = "sched:"
LATE_SKIPPED = "late-skipped"
_RETRY_FIRST = 0.5
_RETRY_CAP = 30.0


@dataclass(frozen=True, slots=True)
class Timing:
    """How the scheduler claims and when it calls an item late."""

    visibility: timedelta = timedelta(seconds=60)
    """How long a claim holds before another worker may take the item."""
    late_after: timedelta = timedelta(seconds=60)
    """Fired later than this after its due time, an item is flagged ``late``."""
    batch: int = 100
    """Items claimed at once from each shard."""
    concurrency: int = 32
    """Items queued at once (each is a round trip to the memory, whose pool is bounded)."""
    idle_check: timedelta = timedelta(seconds=60)
    """The longest an idle worker sleeps without asking the schedule."""


def event_of(item: Scheduled, now: datetime, late: bool) -> SystemEvent:
    """The system event an item fires as: its id makes a second firing a duplicate."""
    data = {**item.data, "late": True} if late else dict(item.data)
    return SystemEvent(
        event_id=f"{EVENT_ID_PREFIX}{item.id}", name=item.name, data=data, received_at=now
    )


class Scheduler:
    """Schedules and fires items for the turn pipeline (a part of the runtime, one per worker)."""

    def __init__(
        self,
        schedule: Schedule,
        pipeline: TurnPipeline,
        memory: Memory,
        bus: Bus,
        *,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = utcnow,
        timing: Timing | None = None,
        worker: str | None = None,
    ) -> None:
        self.schedule = schedule
        self._pipeline = pipeline
        self._memory = memory
        self._bus = bus
        self._metrics = metrics or Metrics()
        self._clock = clock
        self._timing = timing or Timing()
        self._worker = worker or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._wake_at: datetime | None = None
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None
        self._stopping = False
        self._queueing = asyncio.Semaphore(self._timing.concurrency)

    async def put(self, item: Scheduled, *, replace: bool = False) -> Scheduled:
        """Schedule ``item`` (see :meth:`Schedule.put`); every worker that would sleep past
        its due time is woken."""
        kept = await self.schedule.put(item, replace=replace)
        if kept.id != item.id:
            return kept
        self._count("scheduled")
        if self._wake_at is None or item.due_at < self._wake_at:
            try:
                await self._bus.publish(TOPIC, str(int(item.due_at.timestamp() * 1000)).encode())
            except MemoryUnavailable as exc:  # the idle check finds it
                log.warning("could not announce a scheduled item: %s", exc)
        return item

    async def cancel(self, customer_id: str, key: str) -> Scheduled | None:
        """Cancel the customer's item with ``key``."""
        dropped = await self.schedule.cancel(customer_id, key)
        self._count("cancelled", 1 if dropped else 0)
        return dropped

    async def cancel_on(self, customer_id: str, event: str) -> list[Scheduled]:
        """Cancel the customer's items that ``event`` cancels."""
        dropped = await self.schedule.cancel_on(customer_id, event)
        self._count("cancelled", len(dropped))
        return dropped

    async def pending(self, customer_id: str) -> list[Scheduled]:
        """What is scheduled for the customer, soonest first."""
        return await self.schedule.pending(customer_id)

    async def fire_due(self) -> int:
        """Claim and fire everything due now, batch after batch; how many items were handled
        (fired, found already fired, or skipped as too late)."""
        handled = 0
        while not self._stopping:
            now = self._clock()
            timing = self._timing
            batch = await self.schedule.claim_due(
                now, timing.batch, self._worker, timing.visibility
            )
            if not batch:
                break
            fired = await asyncio.gather(*(self._fire(item, now) for item in batch))
            finished = [item for item, ok in zip(batch, fired, strict=True) if ok]
            await self.schedule.done(finished)
            handled += len(finished)
        return handled

    async def start(self) -> None:
        """Begin firing, and listening for sooner items (once the memory answers: a worker
        starts while Redis is down)."""
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        """Stop firing (a batch being fired is finished, or left to run out its claim) and
        close the schedule."""
        self._stopping = True
        self._woken.set()
        await stop_task(self._task, grace=5.0)
        if self._subscription is not None:
            with contextlib.suppress(MemoryUnavailable):
                await self._subscription.cancel()
        await self.schedule.close()

    async def _run(self) -> None:
        delay = _RETRY_FIRST
        while not self._stopping:
            self._wake_at = None
            self._woken.clear()
            try:
                if self._subscription is None:
                    self._subscription = await self._bus.subscribe(TOPIC, self._heard)
                soonest = await self.schedule.next_due()
                if soonest is not None and soonest <= self._clock():
                    await self.fire_due()
                    continue
                delay = _RETRY_FIRST
            except MemoryUnavailable as exc:
                log.warning("could not fire scheduled items, trying again: %s", exc)
                soonest = self._clock() + timedelta(seconds=delay)
                delay = min(delay * 2, _RETRY_CAP)
            await self._sleep_until(soonest)

    async def _sleep_until(self, soonest: datetime | None) -> None:
        horizon = self._clock() + self._timing.idle_check
        self._wake_at = horizon if soonest is None else min(soonest, horizon)
        pause = (self._wake_at - self._clock()).total_seconds()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), max(pause, 0.0))

    def _heard(self, message: bytes) -> None:
        """Another worker (or this one) scheduled an item due at ``message`` (ms)."""
        try:
            due = int(message)
        except ValueError:
            return
        wake = self._wake_at
        if wake is None or due < wake.timestamp() * 1000:
            self._woken.set()

    async def _fire(self, item: Scheduled, now: datetime) -> bool:
        """Queue one claimed item for its customer's turn; ``False`` leaves it claimed, to be
        tried again when the claim runs out."""
        late = late_by(item, now)
        if item.max_late is not None and late > item.max_late:
            return await self._skip(item, now, late)
        flagged = late > self._timing.late_after
        try:
            async with self._queueing:
                event = event_of(item, now, flagged)
                submission = await self._pipeline.notify(item.customer_id, event)
        except MemoryUnavailable as exc:
            log.warning("could not queue a scheduled item: %s", exc)
            return False
        if submission.result is SubmitResult.BUSY:
            return False
        if submission.result is SubmitResult.DUPLICATE:
            self._count("duplicate")
            return True
        self._count("fired")
        self._count("late", 1 if flagged else 0)
        return True

    async def _skip(self, item: Scheduled, now: datetime, late: timedelta) -> bool:
        text = (
            f"{item.name} ({item.key}) was due {item.due_at.isoformat()}; "
            f"{int(late.total_seconds())}s late is past its max_late: not sent"
        )
        try:
            await self._memory.append(
                item.customer_id,
                [NoteEntry(at=now, kind=LATE_SKIPPED, text=text, data={"id": item.id})],
            )
        except MemoryUnavailable as exc:
            log.warning("could not record a late-skipped item: %s", exc)
            return False
        self._count("late_skipped")
        return True

    def _count(self, result: str, amount: int = 1) -> None:
        if amount:
            self._metrics.of(self._metrics.schedule, result).inc(amount)
