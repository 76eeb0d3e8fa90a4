"""The process's event loop and heap, set up for a long-running server.

Two things a bot server gains from, measured in ``bench/`` (see docs/performance.md):

- **uvloop** runs the event loop (when installed, which it is on Linux and macOS): its
  transports and scheduling cost less CPU per turn than the standard loop's.
- **A frozen heap.** By the time a worker serves, it holds a quarter of a million objects that
  live as long as the process (modules, pydantic schemas, the loaded flows).
  Python's cyclic garbage collector would walk all of them in every full collection, a pause of
  a couple of hundred milliseconds every second or so under load, which is what the slowest
  customers' turns waited for. :func:`freeze` moves them out of the collector's sight once
  start-up is over; what turns allocate is still collected as before.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on uvloop when it is installed, else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
        return asyncio.run(main)
    return uvloop.run(main)


def freeze() -> None:
    """Collect once, then keep everything alive now out of later collections."""
    gc.collect()
    gc.freeze()
