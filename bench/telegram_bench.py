"""A full turn through the Telegram webhook, against the floor, end to end, in real processes.

    python -m bench.telegram_bench [--quick] [--pairs 3] [--seconds 10] [--customers 10000]
                                   [--long-seconds 120] [--out bench/results]

One command starts a Redis of its own on loopback (or uses ``--redis-url``), a stub Bot API
and the load generator (one process, :mod:`bench.telegram_load`), the floor app
(:mod:`bench.telegram_floor`: parse, Redis GET + SET, one ``sendMessage``) and ``omnibot run``
of the example store bot in Telegram webhook mode on that Redis. Each system gets the same
load: a closed loop of 64 customers at a time finds its peak (replies reaching the stub per
second), then open-loop phases at fractions of that peak give latency from webhook to
delivered reply. Floor and omnibot runs alternate and the median of the pairs is quoted,
because this shared machine's speed moves between runs. Then: omnibot with two workers, a long
conversation (the same few customers for thousands of turns), the memory each customer holds,
and how soon ``omnibot run`` answers with only the web chat on. The table is printed and
written to ``OUT/telegram.md``, the chart of latency against offered load to ``OUT/latency.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import uvloop
from redis.asyncio import Redis

from bench import telegram_probes as probes
from bench.telegram_load import SECRET, TOKEN, Driver, Phase, customers
from tests.redis_server import StartedRedis, find_or_start, free_port, start_redis
from tests.server_process import ROOT, clean_env, example_copy, omnibot, running, wipe

LONG_CUSTOMERS = 200
LONG_FIRST = 5_000_000
PUBLIC_URL = "https://bot.example"


@dataclass
class Load:
    """How much load, for how long."""

    customers: int = 10_000
    concurrency: int = 64
    seconds: float = 10.0
    pairs: int = 3
    fractions: tuple[float, ...] = (0.25, 0.5, 0.75, 0.9)
    long_seconds: float = 120.0
    long_customers: int = LONG_CUSTOMERS
    windows: int = 6
    memory_sample: int = 500


@dataclass
class Run:
    """One system under one load: its peak, the open-loop phases, and what it cost."""

    name: str
    peak: Phase
    steps: list[Phase]
    cpu_per_turn: float
    commands_per_turn: float
    trips_per_turn: float | None

    @property
    def half(self) -> Phase:
        """The open-loop phase at half of the peak rate (or the nearest below it)."""
        return min(self.steps, key=lambda p: abs((p.offered or 0) - self.peak.rate / 2))

    @property
    def replies(self) -> int:
        return len(self.peak.arrivals) + sum(len(p.arrivals) for p in self.steps)


@dataclass
class Target:
    """A server under test: where its webhook is, its processes, its /metrics (if any)."""

    name: str
    url: str
    pid: int
    metrics_url: str | None = None


@dataclass
class Results:
    load: Load
    floors: list[Run] = field(default_factory=list)
    bots: list[Run] = field(default_factory=list)
    two_workers: Run | None = None
    long: Phase | None = None
    long_turns_each: float = 0.0
    bytes_all: float = float("nan")
    bytes_no_transcript: float = float("nan")
    startup: list[float] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=dict)


async def measure(
    driver: Driver, target: Target, load: Load, redis: Redis, people: Sequence[int]
) -> Run:
    """The peak (closed loop), then each open-loop fraction of it; CPU, Redis commands and
    memory round trips per reply over all phases."""
    driver.target = target.url
    async with aiohttp.ClientSession() as session:
        pids = probes.tree(target.pid)
        cpu, commands = probes.cpu_seconds(pids), await probes.redis_commands(redis)
        trips = await _trips(session, target)
        peak = await driver.closed(load.seconds, people)
        steps = [await driver.open(f * peak.rate, load.seconds, people) for f in load.fractions]
        run = Run(target.name, peak, steps, 0.0, 0.0, None)
        replies = max(1, run.replies)
        run.cpu_per_turn = (probes.cpu_seconds(pids) - cpu) / replies
        run.commands_per_turn = (await probes.redis_commands(redis) - commands) / replies
        after = await _trips(session, target)
        if after is not None and trips is not None:
            run.trips_per_turn = (after - trips) / replies
    return run


async def _trips(session: aiohttp.ClientSession, target: Target) -> float | None:
    if target.metrics_url is None:
        return None
    return await probes.round_trips(session, target.metrics_url)


@contextlib.asynccontextmanager
async def floor_app(redis_url: str, api_base: str) -> AsyncIterator[Target]:
    """The floor app in its own process."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.telegram_floor",
        str(port),
        redis_url,
        api_base,
        TOKEN,
        cwd=ROOT,
    )
    try:
        await _healthy(f"http://127.0.0.1:{port}/healthz", 20)
        yield Target("floor", f"http://127.0.0.1:{port}/telegram/webhook", process.pid)
    finally:
        process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def omnibot_run(
    redis_url: str,
    api_base: str,
    namespace: str,
    workers: int = 1,
    channels: Mapping[str, str] | None = None,
    config: str = "",
) -> AsyncIterator[Target]:
    """``omnibot run`` of a copy of the example store bot, Telegram webhook mode on Redis;
    ``channels`` are more variables (another channel's), ``config`` more of ``bot.yaml``."""
    env = clean_env(
        **(channels or {}),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE=api_base,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_LOG_LEVEL="warning",
    )
    with tempfile.TemporaryDirectory() as scratch:
        extra = ("--workers", str(workers)) if workers > 1 else ()
        # Started off the event loop: the stub must answer getMe and setWebhook meanwhile.
        folder = example_copy(Path(scratch), namespace)
        with (folder / "bot.yaml").open("a") as bot_yaml:
            bot_yaml.write(config)
        manager = running(folder, *extra, env=env)
        server = await asyncio.to_thread(manager.__enter__)
        try:
            name = "omnibot" if workers == 1 else f"omnibot, {workers} workers"
            yield Target(name, f"{server.url}/telegram/webhook", server.process.pid, server.url)
        finally:
            await asyncio.to_thread(manager.__exit__, None, None, None)


async def _healthy(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.01)
    raise RuntimeError(f"nothing healthy at {url} after {seconds:g}s")


async def startup_seconds() -> float:
    """From spawning ``omnibot run`` (example bot, embedded memory: only the web chat on)
    until ``/healthz`` answers."""
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: ASYNC220 - timed from the spawn, waited on by PID
        [*omnibot("run", str(ROOT / "examples" / "store"), "--port", str(port))],
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _healthy(f"http://127.0.0.1:{port}/healthz", 30)
        return time.monotonic() - started
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 20)


async def bench(load: Load, redis_url: str | None, workers2: bool = True) -> Results:
    """Every measurement of the report, in order."""
    results = Results(load)
    redis_url, started = (redis_url, None) if redis_url else own_redis()
    redis = Redis.from_url(redis_url)
    namespace = f"bench{secrets.token_hex(3)}"
    driver = Driver(load.concurrency)
    await driver.start()
    people = customers(load.customers)
    try:
        async with (
            floor_app(redis_url, driver.api_base) as floor,
            omnibot_run(redis_url, driver.api_base, namespace) as bot,
        ):
            for target in (floor, bot):  # every customer known before anything is measured
                driver.target = target.url
                await driver.visit(people)
            for _ in range(load.pairs):
                results.floors.append(await measure(driver, floor, load, redis, people))
                results.bots.append(await measure(driver, bot, load, redis, people))
            results.bytes_all, results.bytes_no_transcript = await probes.bytes_per_customer(
                redis, namespace, load.memory_sample
            )
            driver.target = bot.url
            regulars = customers(load.long_customers, LONG_FIRST)
            results.long = await driver.closed(load.long_seconds, regulars)
            results.long_turns_each = len(results.long.arrivals) / load.long_customers
        if workers2:
            async with omnibot_run(redis_url, driver.api_base, namespace, workers=2) as two:
                results.two_workers = await measure(driver, two, load, redis, people)
        results.startup = [await startup_seconds() for _ in range(3)]
        results.checks = {
            "replies not matched to a webhook": driver.unexpected,
            "Bot API calls refused by the stub": driver.refused,
            "webhooks still waiting for a reply": driver.pending,
            "webhooks refused or lost": sum(
                p.failed + p.lost for r in _runs(results) for p in (r.peak, *r.steps)
            ),
        }
    finally:
        await driver.stop()
        await wipe(redis_url, namespace)
        await redis.aclose()
        if started:
            started.stop()
    return results


def own_redis() -> tuple[str, StartedRedis | None]:
    """A Redis for this run alone, so that its command counts and memory are ours."""
    try:
        started = start_redis()
    except RuntimeError:
        return find_or_start()
    return started.url, started


def _runs(results: Results) -> list[Run]:
    two = [results.two_workers] if results.two_workers else []
    return [*results.floors, *results.bots, *two]


def median_run(runs: list[Run]) -> Run:
    """The run whose peak is the median one."""
    return sorted(runs, key=lambda r: r.peak.rate)[len(runs) // 2]


def table(results: Results) -> str:
    """The report, in markdown."""
    floor_peak = statistics.median(r.peak.rate for r in results.floors)
    ratios = [b.peak.rate / f.peak.rate for f, b in zip(results.floors, results.bots, strict=True)]
    rows = [
        ("floor: aiohttp, Redis GET + SET, sendMessage", results.floors),
        ("omnibot run, example store bot, 1 worker", results.bots),
    ]
    if results.two_workers:
        rows.append(("omnibot run, 2 workers", [results.two_workers]))
    head = (
        "| run | turns/s (peak) | ratio to floor | offered at half peak | p50 ms | p95 ms | p99 ms "
        "| CPU ms/turn | memory round trips/turn | Redis commands/turn |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for name, runs in rows:
        peak = statistics.median(r.peak.rate for r in runs)
        half = median_run(runs).half
        trips = [r.trips_per_turn for r in runs if r.trips_per_turn is not None]
        lines.append(
            f"| {name} | {peak:.0f} | {peak / floor_peak:.2f} | {half.offered or 0:.0f} "
            f"| {half.ms(0.5):.1f} | {half.ms(0.95):.1f} | {half.ms(0.99):.1f} "
            f"| {1000 * statistics.median(r.cpu_per_turn for r in runs):.2f} "
            f"| {statistics.median(trips) if trips else 2.0:.2f} "
            f"| {statistics.median(r.commands_per_turn for r in runs):.2f} |"
        )
    return head + "\n".join(lines) + "\n\n" + _details(results, ratios)


def _details(results: Results, ratios: list[float]) -> str:
    load = results.load
    pairs = ", ".join(
        f"({f.peak.rate:.0f}, {b.peak.rate:.0f})"
        for f, b in zip(results.floors, results.bots, strict=True)
    )
    lines = [
        f"- ratio omnibot/floor, median of {len(ratios)} alternating pairs: "
        f"**{statistics.median(ratios):.2f}** (pairs, turns/s floor and omnibot: {pairs})",
        f"- Redis memory per customer after the run: **{results.bytes_all:.0f} B** with the "
        f"transcript, **{results.bytes_no_transcript:.0f} B** without it (record, identities, "
        "dedup window, identity index; the transcript is capped at 1000 entries)",
    ]
    if results.long is not None:
        windows = results.long.windows(load.windows)
        lines.append(
            f"- long conversation, {load.long_customers} customers for {load.long_seconds:.0f} s "
            f"(closed loop, {results.long_turns_each:.0f} turns each): turns/s by window "
            + ", ".join(f"{w:.0f}" for w in windows)
            + f"; last/first **{windows[-1] / windows[0]:.2f}**"
            if windows[0]
            else ""
        )
    if results.startup:
        lines.append(
            f"- `omnibot run` ready (spawn to /healthz, web chat only): "
            f"**{statistics.median(results.startup):.2f} s** (median of "
            + ", ".join(f"{s:.2f}" for s in results.startup)
            + ")"
        )
    lines.append(
        "- checks: " + ", ".join(f"{name}: {count}" for name, count in results.checks.items())
    )
    lines.append(
        f"- load: {load.customers} customers, {load.concurrency} connections, "
        f"{load.seconds:g} s per phase, open-loop phases at "
        + ", ".join(f"{f:g}" for f in load.fractions)
        + " of each run's peak"
    )
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = next(
        (
            line.partition(":")[2].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    cpus = len(__import__("os").sched_getaffinity(0))
    return f"{cpus} CPUs ({model}), Python {platform.python_version()}, {platform.system()}"


def chart(results: Results, path: Path) -> None:
    """p50 and p99 latency against offered load, for the floor and omnibot (median runs)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 5))
    series = [("floor", median_run(results.floors), "tab:gray")]
    series.append(("omnibot", median_run(results.bots), "tab:blue"))
    if results.two_workers:
        series.append(("omnibot, 2 workers", results.two_workers, "tab:green"))
    for name, run, colour in series:
        offered = [p.offered or 0 for p in run.steps]
        axes.plot(offered, [p.ms(0.5) for p in run.steps], "o--", color=colour, label=f"{name} p50")
        axes.plot(offered, [p.ms(0.99) for p in run.steps], "o-", color=colour, label=f"{name} p99")
    axes.axhline(25, color="tab:red", linewidth=0.8, linestyle=":", label="p99 target, 25 ms")
    axes.set_xlabel("offered load (webhooks/s)")
    axes.set_ylabel("webhook to reply at the Bot API (ms)")
    axes.set_yscale("log")
    axes.set_title("Telegram webhook turn: latency against offered load")
    axes.legend(fontsize="small")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def write(results: Results, out: Path) -> str:
    """The report (printed by the caller), written with the chart into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = (
        f"# Telegram webhook benchmark\n\n{stamp}, {machine()}\n\n"
        f"`python -m bench.telegram_bench {' '.join(sys.argv[1:])}`\n\n"
        + table(results)
        + "\n![latency](latency.png)\n"
    )
    (out / "telegram.md").write_text(report)
    chart(results, out / "latency.png")
    return report


def options(argv: Sequence[str] | None = None) -> tuple[Load, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, one pair")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, help="length of each load phase")
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--long-seconds", type=float)
    parser.add_argument("--long-customers", type=int, default=LONG_CUSTOMERS)
    parser.add_argument("--no-workers", action="store_true", help="skip the two-worker case")
    parser.add_argument("--redis-url", help="a Redis to use instead of starting one")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    quick = Load(customers=2000, seconds=3, pairs=1, fractions=(0.5,), long_seconds=10)
    load = quick if args.quick else Load()
    load.concurrency, load.long_customers = args.concurrency, args.long_customers
    for name in ("customers", "seconds", "pairs", "long_seconds"):
        if getattr(args, name) is not None:
            setattr(load, name, getattr(args, name))
    return load, args


def main(argv: Sequence[str] | None = None) -> None:
    load, args = options(argv)
    # On uvloop, like the servers it measures: the load generator shares their two cores.
    results = uvloop.run(bench(load, args.redis_url, workers2=not args.no_workers))
    print(write(results, args.out))


if __name__ == "__main__":
    main()
