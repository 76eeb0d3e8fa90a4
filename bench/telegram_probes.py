"""What the Telegram benchmark reads around a load phase: CPU time of a process tree (from
/proc), Redis's command counts and memory, and omnibot's own count of memory round trips."""

from __future__ import annotations

import contextlib
import os
import re
from collections import defaultdict
from pathlib import Path

import aiohttp
from redis.asyncio import Redis

_TICK = os.sysconf("SC_CLK_TCK")
_TAG = re.compile(rb"\{c:([^}]+)\}")


def _parents() -> dict[int, list[int]]:
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
                parents[int(fields[1])].append(int(entry.name))
    return parents


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (not theirs)."""
    return sorted(_parents().get(pid, []))


def workers(pid: int) -> list[int]:
    """The worker processes ``omnibot run --workers N`` (``pid``) started: its children that
    multiprocessing spawned, not its resource tracker."""
    found = []
    for child in children(pid):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it."""
    parents = _parents()
    found, frontier = [pid], [pid]
    while frontier:
        children = parents.get(frontier.pop(), [])
        found += children
        frontier += children
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


async def redis_commands(client: Redis) -> int:
    """Commands Redis has run so far (``INFO commandstats``; commands a script runs count too)."""
    stats = await client.info("commandstats")
    return sum(int(entry["calls"]) for entry in stats.values())


async def redis_scripts(client: Redis) -> int:
    """Scripts Redis has run so far (``EVAL``, ``EVALSHA`` and their read-only forms, ``FCALL``):
    each is one command from a client, whose inner commands :func:`redis_commands` counts too."""
    stats = await client.info("commandstats")
    return sum(
        int(entry["calls"])
        for name, entry in stats.items()
        if name.removeprefix("cmdstat_").split("|")[0] in _SCRIPTS
    )


_SCRIPTS = {"eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"}


async def round_trips(session: aiohttp.ClientSession, base_url: str) -> dict[str, float]:
    """``omnibot_memory_round_trips_total`` by its ``operation`` label (summed over workers)."""
    async with session.get(f"{base_url}/metrics") as response:
        text = await response.text()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("omnibot_memory_round_trips_total{"):
            labels, _, value = line.rpartition(" ")
            operation = labels.partition('operation="')[2].partition('"')[0]
            found[operation] = found.get(operation, 0.0) + float(value)
    return found


async def bytes_per_customer(client: Redis, namespace: str, sample: int) -> tuple[float, float]:
    """Average Redis memory of one customer's keys (``MEMORY USAGE``, over ``sample`` customers,
    with the identity index entry): all of them, and all but the transcript."""
    keys: dict[bytes, list[bytes]] = defaultdict(list)
    async for key in client.scan_iter(match=f"{namespace}:{{c:*", count=1000):
        tag = _TAG.search(key)
        if tag is not None and (tag.group(1) in keys or len(keys) < sample):
            keys[tag.group(1)].append(key)
    if not keys:
        return float("nan"), float("nan")
    idents = [key async for key in client.scan_iter(match=f"{namespace}:ident:*", count=1000)]
    ident = sum([await _usage(client, key) for key in idents[:sample]]) / max(
        1, len(idents[:sample])
    )
    total = transcript = 0
    for customer_keys in keys.values():
        for key in customer_keys:
            used = await _usage(client, key)
            total += used
            transcript += used if key.endswith(b":log") else 0
    return ident + total / len(keys), ident + (total - transcript) / len(keys)


async def _usage(client: Redis, key: bytes) -> int:
    return int(await client.memory_usage(key, samples=0) or 0)
