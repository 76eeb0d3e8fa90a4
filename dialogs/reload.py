"""Hot reload: a changed bot folder is validated and swapped in; a broken change is refused.

The watcher polls modification times (no platform file-watching API needed), loads the new
version in a thread so the event loop keeps serving, and swaps it in between turns. If the new
version has problems, the running one stays and every problem is logged as ``file:line:col``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from bot.app.config import BotConfig
from bot.errors import ConfigError
from bot.turn.tasks import stop_task
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import flow_files, load_flowset
from dialogs.engine import DialogEngine

log = logging.getLogger("omnibot.reload")

_RETIRE_AFTER = 60.0
"""Seconds before the replaced version's HTTP client is closed (turns in flight may use it)."""

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(bot_dir: Path) -> Fingerprint:
    """What identifies the current version of the dialogs: every file's name, mtime and size."""
    paths = [*flow_files(bot_dir), bot_dir / "actions.py"]
    marks = []
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            stat = path.stat()
            marks.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(marks)


class FlowWatcher:
    """Watches a bot folder and keeps ``engine`` on its newest valid version."""

    def __init__(
        self, bot_dir: Path, config: BotConfig, engine: DialogEngine, interval: float = 1.0
    ) -> None:
        self._bot_dir = bot_dir
        self._config = config
        self._engine = engine
        self._interval = interval
        self._seen = fingerprint(bot_dir)
        self._task: asyncio.Task[None] | None = None
        self._retired: list[FlowSet] = []
        self._retiring: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def start(self) -> None:
        """Begin watching."""
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="flow-watcher")

    async def stop(self) -> None:
        """Stop watching and close the actions of every version (current and replaced)."""
        self._stopping = True
        for task in [self._task, *self._retiring]:
            await stop_task(task)
        for flowset in self._retired:
            await flowset.actions.aclose()
        await self._engine.aclose()

    async def check(self) -> bool:
        """Reload now if anything changed; ``True`` if a new version was swapped in."""
        current = fingerprint(self._bot_dir)
        if current == self._seen:
            return False
        self._seen = current
        try:
            flowset = await asyncio.to_thread(load_flowset, self._bot_dir, self._config)
        except ConfigError as exc:
            log.error("the changed flows have problems; still running the previous version")
            for problem in exc.problems:
                log.error(problem)
            return False
        previous = self._engine.swap(flowset)
        log.info("reloaded the flows: %d flows, %d slots", len(flowset.flows), len(flowset.slots))
        self._retired.append(previous)
        retire = asyncio.get_running_loop().create_task(self._retire(previous))
        self._retiring.add(retire)
        retire.add_done_callback(self._retiring.discard)
        return True

    async def _watch(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self._interval)
            try:
                await self.check()
            except Exception:  # a reload must never take the running bot down
                log.exception("reloading the flows failed; still running the previous version")

    async def _retire(self, previous: FlowSet) -> None:
        await asyncio.sleep(_RETIRE_AFTER)
        await previous.actions.aclose()
        self._retired.remove(previous)
