"""Closing conversations nobody came back to: every minute, each worker asks the tallies which
conversations are due an idle check and queues one for each (an ``omnibot.insights_idle`` system
event, taken by the customer's own turn, so it never races their messages)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.desk.insights.recorder import Insights, Known, Notify
from bot.errors import MemoryUnavailable
from bot.turn.tasks import stop_task

log = logging.getLogger("omnibot.insights")


class IdleSweeper:
    """A service of the runtime (started first, stopped last) that sweeps every ``every``;
    ``known`` says whether a customer still exists."""

    def __init__(
        self,
        insights: Insights,
        notify: Notify,
        known: Known,
        clock: Callable[[], datetime],
        every: timedelta = timedelta(minutes=1),
    ) -> None:
        self._insights = insights
        self._notify = notify
        self._known = known
        self._clock = clock
        self._every = every
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> int:
        """One sweep now; how many checks it queued."""
        return await self._insights.sweep(self._notify, self._known, self._clock())

    async def start(self) -> None:
        """Begin sweeping."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="insights-idle")

    async def stop(self) -> None:
        """Stop sweeping (a check queued stays queued)."""
        await stop_task(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except MemoryUnavailable as exc:
                log.warning("could not check conversations for idleness: %s", exc)
            await asyncio.sleep(self._every.total_seconds())
