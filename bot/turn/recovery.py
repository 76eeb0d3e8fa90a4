"""Taking over what a stopped worker left: the pipeline's recovery, run in every worker.

A worker killed in the middle of a turn leaves its customer's input queued under a lease that
nobody renews. The next input for that customer takes the expired lease and runs the stranded
one first; this service covers the customer who sends nothing more, by asking the memory every
so often for customers sent something a lease's time ago who still have work, and taking them
over (see :meth:`~bot.turn.pipeline.TurnPipeline.recover`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.errors import MemoryUnavailable
from bot.turn.pipeline import TurnPipeline
from bot.turn.tasks import stop_task

log = logging.getLogger("omnibot.recovery")
_FLOOR = 0.5


class Recovery:
    """Sweeps for stranded customers every half lease (a service of the runtime)."""

    def __init__(self, pipeline: TurnPipeline, lease: timedelta) -> None:
        self._pipeline = pipeline
        self._idle = lease
        self._interval = max(_FLOOR, lease.total_seconds() / 2)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Begin sweeping."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="recovery")

    async def stop(self) -> None:
        """Stop sweeping (turns already taken over are the pipeline's to finish)."""
        self._stopping = True
        await stop_task(self._task)

    async def sweep(self) -> int:
        """One sweep; how many customers were taken over."""
        try:
            return await self._pipeline.recover(self._idle)
        except MemoryUnavailable as exc:
            log.warning("could not look for unfinished turns: %s", exc)
            return 0

    async def _run(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self._interval)
            await self.sweep()
