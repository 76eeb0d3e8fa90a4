"""Which cores the benchmark's processes may run on (``os.sched_setaffinity``, as ``taskset``).

On a machine of two cores the load generator cannot have a core of its own while two workers
have one each: :func:`plan` keeps the load generator and Redis on the last core and gives the
workers the others, so one worker never shares its core with them; a second worker can only go
on their core. What that shows, and what it cannot, is said by :attr:`Plan.note`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """Cores for the load generator (with Redis) and for each worker."""

    load: frozenset[int]
    workers: tuple[frozenset[int], ...]
    note: str


def cores() -> list[int]:
    """The cores this process may run on."""
    return sorted(os.sched_getaffinity(0))


def plan(workers: int, available: list[int] | None = None) -> Plan:
    """Where ``workers`` workers and the load generator run."""
    found = available if available is not None else cores()
    load = frozenset(found[-1:])
    others = found[:-1] or found
    spread = tuple(frozenset([others[n % len(others)]]) for n in range(workers))
    if workers <= len(others):
        note = (
            f"load generator and Redis on core {sorted(load)}, each worker on a core of its own "
            f"({', '.join(str(sorted(c)) for c in spread)})"
        )
        return Plan(load, spread, note)
    # Too few cores: the last workers share the load generator's core.
    shared = tuple(frozenset([found[n % len(found)]]) for n in range(workers))
    note = (
        f"only {len(found)} cores: load generator and Redis on core {sorted(load)}, workers on "
        f"{', '.join(str(sorted(c)) for c in shared)}; a worker shares the load generator's "
        "core, so the second core is not all the second worker's"
    )
    return Plan(load, shared, note)


def pin(pids: Iterable[int], where: frozenset[int]) -> None:
    """Keep each process of ``pids`` (those still alive), every thread of it, on the cores
    ``where``: the affinity of a process id is only its main thread's, and a worker's model
    runs on threads of its own."""
    for pid in pids:
        for thread in threads(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.sched_setaffinity(thread, where)


def threads(pid: int) -> list[int]:
    """The thread ids of process ``pid`` (none once it has exited)."""
    try:
        return [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except FileNotFoundError:
        return []


def unpin(pids: Iterable[int]) -> None:
    """Let each process of ``pids`` run on any core again."""
    pin(pids, frozenset(cores_online()))


def cores_online() -> list[int]:
    """Every core the machine has online (a pinned process's own affinity is narrower)."""
    return list(range(os.cpu_count() or 1))
