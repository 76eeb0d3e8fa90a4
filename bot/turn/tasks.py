"""Background tasks that are tracked, so that shutdown can wait for them instead of losing them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("omnibot.tasks")


async def stop_task(task: asyncio.Task[None] | None, grace: float = 2.0) -> None:
    """Cancel ``task`` and wait for it, but not forever: library code under it may swallow
    the cancellation (Python 3.11's ``wait_for`` and ``async_timeout`` can), so loops also
    check a stop flag, and shutdown goes on after ``grace`` seconds whatever the task does."""
    if task is None or task.done():
        return
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        log.warning("task %s did not stop within %.1fs", task.get_name(), grace)


class TaskTracker:
    """Owns the tasks it spawns: keeps a reference, logs a crash, and waits for all on demand."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coroutine: Coroutine[Any, Any, None], name: str | None = None) -> None:
        """Run ``coroutine`` in the background."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._finished)

    async def join(self) -> None:
        """Wait until no tracked task is running, including tasks spawned while waiting."""
        while self._tasks:
            await self._idle.wait()

    async def drain(self, grace: float) -> bool:
        """Wait up to ``grace`` seconds for running tasks, then cancel the rest.

        Returns whether everything finished in time.
        """
        try:
            await asyncio.wait_for(self.join(), grace)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=5.0)
            return False
        return True

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s crashed", task.get_name(), exc_info=task.exception())
