"""``omnibot run`` (one worker) with cProfile switched on and off by signals, for
:mod:`bench.cpu_ab`'s ``--profile``.

    python bench/profiled_worker.py STATS_FILE run BOT_DIR --port N

Run by path, with the tree under test first on ``PYTHONPATH`` (so that the ``bot`` imported is
that tree's). ``SIGUSR1`` starts profiling, ``SIGUSR2`` stops it and writes the statistics to
``STATS_FILE`` (``pstats`` format), so that start-up and the customers' first visits are not
in them. Times are the process's CPU time. The worker's own signal handling (SIGTERM, SIGINT)
is untouched.
"""

from __future__ import annotations

import cProfile
import signal
import sys
import time
from types import FrameType


def main(argv: list[str]) -> None:
    stats_file, *args = argv
    # CPU time, not wall time: on a shared machine, time the worker spent waiting for a core
    # would be charged to whatever function it was in.
    profiler = cProfile.Profile(time.process_time)

    def start(_signum: int, _frame: FrameType | None) -> None:
        profiler.enable()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(stats_file)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    from bot.app.cli import main as omnibot

    sys.exit(omnibot(args))


if __name__ == "__main__":
    main(sys.argv[1:])
