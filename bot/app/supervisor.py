"""Running N worker processes on one port, restarting any that crash.

Every worker binds the same port with ``SO_REUSEPORT`` (the kernel spreads connections) and
shares the customer state through Redis; the supervisor only starts, watches and stops them,
and prints the banner once every worker has said it serves (before, a connection could reach
none, or only some, of them).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from types import FrameType

from bot.app.serve import ServeOptions, run_worker

log = logging.getLogger("omnibot.supervisor")

_POLL = 0.2
_CRASH_WINDOW = 60.0
_MAX_CRASHES = 5


@dataclass(frozen=True, slots=True)
class _Told:
    """What a worker process is handed to tell how its start went: its index, and a queue the
    supervisor reads (a banner once it serves, or the problems that keep it from serving)."""

    index: int
    queue: Queue[tuple[int, str | tuple[str, ...]]]

    def serving(self, banner: str) -> None:
        self.queue.put((self.index, banner))

    def refused(self, problems: tuple[str, ...]) -> None:
        self.queue.put((self.index, problems))


class Supervisor:
    """Starts ``options.workers`` workers and keeps that many alive until told to stop."""

    def __init__(self, options: ServeOptions, stop_timeout: float = 40.0) -> None:
        self._options = options
        self._stop_timeout = stop_timeout
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[BaseProcess] = []
        self._crashes: list[float] = []
        self._stopping = False
        self._told: Queue[tuple[int, str | tuple[str, ...]]] = self._context.Queue()
        self._refused = False
        self._served: set[int] = set()
        self._announced = False

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT (exit 0), until a worker finds the bot cannot be served
        (its problems printed, exit 1) or until workers keep crashing (exit 1)."""
        metrics_dir = tempfile.mkdtemp(prefix="omnibot-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        try:
            self._workers = [self._spawn(index) for index in range(self._options.workers)]
            return self._watch()
        finally:
            self._terminate()
            shutil.rmtree(metrics_dir, ignore_errors=True)

    def _spawn(self, index: int) -> BaseProcess:
        process = self._context.Process(
            target=run_worker,
            args=(self._options, _Told(index, self._told)),
            name=f"omnibot-worker-{index}",
        )
        process.start()
        return process

    def _watch(self) -> int:
        while not self._stopping:
            self._hear(_POLL)
            for index, process in enumerate(self._workers):
                if process.is_alive() or self._stopping:
                    continue
                if self._crashed_too_often():
                    log.error("workers keep crashing; stopping")
                    return 1
                log.warning("worker %d exited with %s; restarting", index, process.exitcode)
                self._workers[index] = self._spawn(index)
        return 1 if self._refused else 0

    def _hear(self, timeout: float) -> None:
        """Wait up to ``timeout`` for a worker to tell how its start went: print the banner
        once all serve; print what keeps one from serving, once, and stop."""
        try:
            index, told = self._told.get(timeout=timeout)
        except queue.Empty:
            return
        if isinstance(told, tuple):
            if not self._stopping:
                print("\n".join(told), file=sys.stderr, flush=True)
            self._refused = self._stopping = True
            return
        self._served.add(index)
        if not self._announced and len(self._served) == self._options.workers:
            self._announced = True
            print(told, flush=True)

    def _crashed_too_often(self) -> bool:
        now = time.monotonic()
        self._crashes = [t for t in self._crashes if now - t < _CRASH_WINDOW] + [now]
        return len(self._crashes) > _MAX_CRASHES

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def _terminate(self) -> None:
        for process in self._workers:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._stop_timeout
        for process in self._workers:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
