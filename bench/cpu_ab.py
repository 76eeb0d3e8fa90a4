"""CPU per turn of two checkouts of omnibot, side by side, under the same load in the same run.

    python -m bench.cpu_ab BASE_TREE NEW_TREE [--rounds 6] [--seconds 5] [--customers 2000]
                                              [--concurrency 64] [--rate R] [--profile]
                                              [--out bench/results]

Two ``omnibot run`` servers of the example store bot (one worker each, Telegram webhook mode),
one from each checkout (its own code and its own copy of the example), each on its own Redis
database of one Redis this run starts, both talking to the one stub Bot API of
:mod:`bench.telegram_load`. Every customer has a turn on both first. Then, round after round,
each server in turn gets the same load: a closed loop (``concurrency`` customers at a time,
each sending its next update when its reply reached the stub) for its peak, then an open loop
at one fixed rate for both (``--rate``, by default half the slower server's warm-up peak) for
the CPU a turn costs: at the same rate both batch alike (turns per pass of the event loop),
which a closed loop would not give a faster server. The servers' order is swapped every round
so that drift in the machine's speed falls on both alike. The customers say the bench's two
known texts, so the matcher's remembered answers serve them and the semantic stage is out of
the picture: this measures the turn's own work.

For each server and round: its peak replies per second, and the CPU its processes used per
reply in the open loop (the time their threads ran, from ``/proc``); the ratio NEW/BASE per
round, and its median, is the figure quoted. On a machine other work shares, the CPU a turn
costs moves with that work (caches, the other hyperthread): read the rounds' spread before the
median.

``--profile`` runs each server under cProfile (:mod:`bench.profiled_worker`), switched on for
one more closed loop after the rounds, and reports Python function calls per turn and the
functions that cost the most (the statistics stay in ``OUT/cpu_ab_{base,new}.pstats``); the
profiler slows both alike, so its turns are left out of the CPU figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import uvloop

from bench import telegram_probes as probes
from bench import traffic
from bench.report import machine
from bench.rig import PUBLIC_URL, healthy, own_redis, warm_understanding
from bench.telegram_bench import CACHE
from bench.telegram_load import SECRET, TOKEN, Driver, Phase, customers
from tests.redis_server import free_port
from tests.server_process import ROOT, clean_env

PROFILER = Path(__file__).resolve().parent / "profiled_worker.py"
STARTUP_SECONDS = 60.0
FRESH = 40
"""Fresh texts the traffic needs to exist; the A/B sends familiar texts only (the turn's own
code, not the semantic model)."""


@dataclass
class Load:
    """How much load, for how long."""

    customers: int = 2000
    concurrency: int = 64
    seconds: float = 5.0
    rounds: int = 6
    warmup: float = 2.0
    rate: float = 0.0
    """Updates per second of the open loop; 0: half the slower server's warm-up peak."""


@dataclass
class Sample:
    """One closed loop on one server."""

    turns: int
    seconds: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / max(1, self.turns)


@dataclass
class Side:
    """One checkout's server and what was measured on it: closed loops (its peak) and open
    loops at one rate for both (the CPU a turn costs, at the same batching for both)."""

    name: str
    tree: Path
    url: str = ""
    pid: int = 0
    peaks: list[Sample] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    stats: Path | None = None
    calls_per_turn: float = float("nan")
    top: str = ""


@contextlib.asynccontextmanager
async def server(
    side: Side, redis_url: str, api_base: str, scratch: Path, stats: Path | None
) -> AsyncIterator[Side]:
    """``omnibot run`` of ``side.tree``'s example store bot, with that tree's code."""
    folder = scratch / side.name / "store"
    shutil.copytree(side.tree / "examples" / "store", folder)
    port = free_port()
    env = clean_env(
        PYTHONPATH=str(side.tree),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE=api_base,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_LOG_LEVEL="warning",
    )
    command = ["run", str(folder), "--port", str(port)]
    if stats is not None:
        side.stats = stats / f"cpu_ab_{side.name}.pstats"
        side.stats.unlink(missing_ok=True)
        argv = [sys.executable, str(PROFILER), str(side.stats), *command]
    else:
        argv = [sys.executable, "-m", "bot.app.cli", *command]
    log = (scratch / f"{side.name}.log").open("w")
    process = subprocess.Popen(  # noqa: ASYNC220 - stopped by its PID below
        argv, cwd=side.tree, env=env, stdout=subprocess.DEVNULL, stderr=log
    )
    side.url, side.pid = f"http://127.0.0.1:{port}", process.pid
    try:
        await healthy(f"{side.url}/readyz", STARTUP_SECONDS, process)
        yield side
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
        log.close()


async def closed(driver: Driver, side: Side, seconds: float, people: Sequence[int]) -> Sample:
    """One closed loop on ``side``: replies, time, and the CPU its processes used."""
    return await _phase(driver, side, driver.closed(seconds, people, familiar=True))


async def open_loop(driver: Driver, side: Side, load: Load, people: Sequence[int]) -> Sample:
    """Updates at ``load.rate`` a second on ``side``, whatever it does."""
    return await _phase(driver, side, driver.open(load.rate, load.seconds, people, familiar=True))


async def _phase(driver: Driver, side: Side, phase: Coroutine[None, None, Phase]) -> Sample:
    driver.target = f"{side.url}/telegram/webhook"
    pids = probes.tree(side.pid)
    before = cpu_seconds(pids)
    done = await phase
    return Sample(len(done.arrivals), done.seconds, cpu_seconds(pids) - before)


def cpu_seconds(pids: list[int]) -> float:
    """CPU time the processes' threads have run, to the nanosecond (``/proc/PID/task/*/schedstat``;
    ``/proc/PID/stat`` counts 10 ms ticks, a few per cent of a phase on a busy machine)."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int(task.read_text().split()[0])
    return total / 1e9


async def bench(
    base: Path, new: Path, load: Load, stats: Path | None = None
) -> tuple[Side, Side, Driver]:
    """Both servers up, every customer known on both, then the alternated rounds; with
    ``stats`` (a folder), a profiled loop on each server after them, its statistics kept there."""
    redis_url, started = own_redis()
    sides = (Side("base", base), Side("new", new))
    checked = await traffic.checked(FRESH, cache=CACHE)
    await warm_understanding()
    driver = Driver(checked, load.concurrency)
    await driver.start()
    people = customers(load.customers)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            async with (
                server(sides[0], _db(redis_url, 1), driver.api_base, Path(scratch), stats),
                server(sides[1], _db(redis_url, 2), driver.api_base, Path(scratch), stats),
            ):
                warm = []
                for side in sides:
                    driver.target = f"{side.url}/telegram/webhook"
                    await driver.visit(people)
                    warm.append(await closed(driver, side, load.warmup, people))
                load.rate = load.rate or min(sample.rate for sample in warm) / 2
                for number in range(load.rounds):
                    for side in sides if number % 2 == 0 else sides[::-1]:
                        side.peaks.append(await closed(driver, side, load.seconds, people))
                        side.samples.append(await open_loop(driver, side, load, people))
                if stats is not None:
                    for side in sides:
                        await _profiled(driver, side, load, people)
    finally:
        await driver.stop()
        if started:
            started.stop()
    return sides[0], sides[1], driver


def _db(url: str, number: int) -> str:
    """``url`` with database ``number`` in place of the one it names."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


async def _profiled(driver: Driver, side: Side, load: Load, people: Sequence[int]) -> None:
    assert side.stats is not None
    os.kill(side.pid, signal.SIGUSR1)
    sample = await closed(driver, side, load.seconds, people)
    os.kill(side.pid, signal.SIGUSR2)
    for _ in range(100):
        if side.stats.exists():
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # the dump finishes writing
    stats = pstats.Stats(str(side.stats))
    side.calls_per_turn = stats.total_calls / max(1, sample.turns)  # type: ignore[attr-defined]
    side.top = _top(stats, sample.turns, side.tree)


def _top(stats: pstats.Stats, turns: int, tree: Path, count: int = 30) -> str:
    """The functions with the most own time, per turn: calls, own µs, cumulative µs."""
    rows = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: item[1][2],
        reverse=True,
    )[:count]
    lines = ["| function | calls/turn | own µs/turn | cumulative µs/turn |", "|---|---:|---:|---:|"]
    for (file, line, name), (_, calls, own, cumulative, _) in rows:
        where = f"{_short(file, tree)}:{line} {name}"
        lines.append(
            f"| `{where}` | {calls / turns:.2f} | {1e6 * own / turns:.1f} "
            f"| {1e6 * cumulative / turns:.1f} |"
        )
    return "\n".join(lines)


def _short(file: str, tree: Path) -> str:
    """A profiled function's file, from its package (the tree's own, or an installed one)."""
    marker = "site-packages/"
    if marker in file:
        return file.partition(marker)[2]
    return file.removeprefix(f"{tree}/")


def report(base: Side, new: Side, driver: Driver, load: Load) -> str:
    """The comparison, in markdown."""
    cpu = [n.cpu_ms / b.cpu_ms for b, n in zip(base.samples, new.samples, strict=True)]
    rate = [n.rate / b.rate for b, n in zip(base.peaks, new.peaks, strict=True)]
    command = f"python -m bench.cpu_ab {' '.join(sys.argv[1:])}"
    lines = [
        f"# CPU per turn, A/B\n\n{machine()}\n\n`{command}`\n",
        "| round | base peak turns/s | new peak turns/s | base CPU ms/turn | new CPU ms/turn "
        "| CPU new/base |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    rounds = zip(base.peaks, new.peaks, base.samples, new.samples, strict=True)
    for number, (bp, np_, b, n) in enumerate(rounds, 1):
        lines.append(
            f"| {number} | {bp.rate:.0f} | {np_.rate:.0f} | {b.cpu_ms:.3f} | {n.cpu_ms:.3f} "
            f"| {n.cpu_ms / b.cpu_ms:.3f} |"
        )
    lines += [
        "",
        f"- CPU per turn new/base, median of {len(cpu)} rounds: **{statistics.median(cpu):.3f}** "
        f"({_spread(cpu)}); base {_median_ms(base)} ms, new {_median_ms(new)} ms",
        f"- peak turns/s new/base (closed loop), median: **{statistics.median(rate):.3f}** "
        f"({_spread(rate)})",
        f"- checks: replies not matched {driver.unexpected}, calls refused {driver.refused}, "
        f"still waiting {driver.pending}",
        f"- load: {load.customers} known customers; each round, on each server, a closed loop "
        f"of {load.concurrency} (the peak) then an open loop at {load.rate:.0f} updates/s (the "
        f"CPU per turn), {load.seconds:g} s each; the servers' order swapped every round",
        f"- trees: base `{base.tree}`, new `{new.tree}`",
    ]
    for side in (base, new) if base.top else ():
        lines += [
            "",
            f"## {side.name}: {side.calls_per_turn:.0f} Python function calls per turn (cProfile)",
            "",
            side.top,
        ]
    return "\n".join(lines) + "\n"


def _spread(ratios: list[float]) -> str:
    return f"from {min(ratios):.3f} to {max(ratios):.3f}"


def _median_ms(side: Side) -> str:
    return f"{statistics.median(s.cpu_ms for s in side.samples):.3f}"


def options(argv: Sequence[str] | None = None) -> tuple[Path, Path, Load, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, help="the checkout to compare against")
    parser.add_argument("new", type=Path, help="the checkout measured")
    parser.add_argument("--rounds", type=int, default=Load.rounds)
    parser.add_argument("--seconds", type=float, default=Load.seconds)
    parser.add_argument("--customers", type=int, default=Load.customers)
    parser.add_argument("--concurrency", type=int, default=Load.concurrency)
    parser.add_argument("--rate", type=float, default=0.0, help="open-loop updates/s")
    parser.add_argument("--profile", action="store_true", help="count calls with cProfile too")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    load = Load(args.customers, args.concurrency, args.seconds, args.rounds, rate=args.rate)
    return args.base.resolve(), args.new.resolve(), load, args


def main(argv: Sequence[str] | None = None) -> None:
    base, new, load, args = options(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sides = uvloop.run(bench(base, new, load, args.out if args.profile else None))
    text = report(*sides, load)
    (args.out / "cpu_ab.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
