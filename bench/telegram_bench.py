"""Every figure of issue 24 in one run: the full Telegram webhook turn against the floor, and
around it WhatsApp's turn, two workers, long conversations, memory per customer and readiness.

    python -m bench.telegram_bench [--quick] [--pairs 3] [--seconds 10] [--customers 10000]
                                   [--long-customers 8] [--long-turns 1000] [--starts 3]
                                   [--redis-url URL] [--out bench/results]

One command starts a Redis of its own on loopback, one load generator on uvloop hosting the
stub Bot API and Graph API (:mod:`bench.telegram_load`, :mod:`bench.whatsapp_load`), the floor
app (:mod:`bench.telegram_floor`: parse, Redis GET + SET, one ``sendMessage``) and ``omnibot
run`` of the example store bot on that Redis with Telegram (webhook mode) and WhatsApp (Cloud
API) on. What customers say is :mod:`bench.traffic`'s mix: en and pt-BR, 30 % phrasings that
server process has never seen, every text checked against the bot beforehand, every reply
checked to be the one the bot gives that text. In order:

1. pairs, alternated: the floor, omnibot's Telegram turn, omnibot's WhatsApp turn, each a
   closed loop finding its peak (replies reaching the stub per second) then open-loop phases
   at fractions of it (latency from a webhook's due time to its reply reaching the stub); CPU
   of each process tree per turn (user + sys from /proc), Redis commands per turn (``INFO
   commandstats`` deltas over turns) and omnibot's memory round trips per turn (/metrics);
2. Redis bytes per idle customer (``MEMORY USAGE`` of each customer's keys);
3. long conversations: a few customers, each saying ``--long-turns`` messages;
4. two workers against one, pinned (:mod:`bench.pinning`);
5. readiness with every channel on (:mod:`bench.readiness`);
6. the semantic stage's share of a turn's CPU on unseen messages (:mod:`bench.semantic_share`).

The verdict table and the details are printed and written to ``OUT/telegram.md``, the chart
of latency against offered load to ``OUT/latency.png``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import aiohttp
import uvloop
from redis.asyncio import Redis

from bench import pinning, readiness, rig, semantic_share, traffic
from bench import telegram_probes as probes
from bench import whatsapp_load as wa
from bench.report import write
from bench.rig import Target
from bench.telegram_load import Driver, Phase, customers
from tests.server_process import EXAMPLE, ROOT, clean_env, wipe

LONG_FIRST = 5_000_000
WHATSAPP_FIRST = 50_000_000
"""The first WhatsApp customer's number: apart from the Telegram customers', so that no reply
of one channel can be matched to the other's webhook."""
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "omnibot-bench"
"""Where the texts that passed the check against the bot are remembered."""


@dataclass
class Load:
    """How much load, for how long."""

    customers: int = 10_000
    concurrency: int = 64
    seconds: float = 10.0
    pairs: int = 3
    fractions: tuple[float, ...] = (0.5, 0.9)
    long_customers: int = 8
    """Customers in the long conversations, all at once: enough to keep one worker busy."""
    long_turns: int = 1000
    windows: int = 5
    memory_sample: int = 500
    starts: int = 3
    fresh: int = 17_000
    """Fresh texts put to the bot before the run (those that pass make the mix's pool)."""
    semantic_sample: int = 200


@dataclass
class Run:
    """One system under one load: its peak, the open-loop phases, and what it cost."""

    name: str
    peak: Phase
    steps: list[Phase]
    cpu_per_turn: float = 0.0
    commands_per_turn: float = 0.0
    scripts_per_turn: float = 0.0
    trips_per_turn: float | None = None
    trips_by_operation: dict[str, float] = field(default_factory=dict)
    """Memory round trips per reply, by operation (``omnibot_memory_round_trips_total``)."""

    @property
    def half(self) -> Phase:
        """The open-loop phase at half of the peak rate (or the nearest to it)."""
        return min(self.steps, key=lambda p: abs((p.offered or 0) - self.peak.rate / 2))

    @property
    def replies(self) -> int:
        return len(self.peak.arrivals) + sum(len(p.arrivals) for p in self.steps)

    @property
    def phases(self) -> list[Phase]:
        return [self.peak, *self.steps]


@dataclass
class Results:
    load: Load
    traffic: traffic.Checked
    floors: list[Run] = field(default_factory=list)
    bots: list[Run] = field(default_factory=list)
    whatsapp: list[Run] = field(default_factory=list)
    one_pinned: Run | None = None
    two_pinned: Run | None = None
    pinning: str = ""
    long: list[list[float]] = field(default_factory=list)
    bytes_all: float = float("nan")
    bytes_no_transcript: float = float("nan")
    starts: list[readiness.Start] = field(default_factory=list)
    semantic_ms: tuple[float, float] = (float("nan"), float("nan"))
    """CPU milliseconds of one decision on a fresh text in the bench's process: on, off."""
    familiar_cpu: float = float("nan")
    """omnibot's CPU seconds per turn on familiar texts alone (Telegram, closed loop)."""
    checks: dict[str, int] = field(default_factory=dict)
    strays: list[str] = field(default_factory=list)
    reused: int = 0
    fresh_sent: int = 0
    load_average: dict[str, float] = field(default_factory=dict)
    """The 1-minute load average as each phase began."""

    def runs(self) -> list[Run]:
        pinned = [r for r in (self.one_pinned, self.two_pinned) if r is not None]
        return [*self.floors, *self.bots, *self.whatsapp, *pinned]


async def measure(
    driver: Driver, target: Target, load: Load, redis: Redis, people: Sequence[int]
) -> Run:
    """The peak (closed loop), then each open-loop fraction of it; CPU, Redis commands (a
    script's inner commands included) and memory round trips per reply over all phases."""
    driver.target = target.url
    async with aiohttp.ClientSession() as session:
        pids = probes.tree(target.pid)
        cpu, commands = probes.cpu_seconds(pids), await probes.redis_commands(redis)
        scripts = await probes.redis_scripts(redis)
        trips = await _trips(session, target)
        peak = await driver.closed(load.seconds, people)
        steps = [await driver.open(f * peak.rate, load.seconds, people) for f in load.fractions]
        run = Run(target.name, peak, steps)
        replies = max(1, run.replies)
        run.cpu_per_turn = (probes.cpu_seconds(pids) - cpu) / replies
        run.commands_per_turn = (await probes.redis_commands(redis) - commands) / replies
        run.scripts_per_turn = (await probes.redis_scripts(redis) - scripts) / replies
        after = await _trips(session, target)
        if after is not None and trips is not None:
            run.trips_by_operation = {
                operation: (count - trips.get(operation, 0.0)) / replies
                for operation, count in sorted(after.items())
                if count > trips.get(operation, 0.0)
            }
            run.trips_per_turn = sum(run.trips_by_operation.values())
    return run


async def _trips(session: aiohttp.ClientSession, target: Target) -> dict[str, float] | None:
    if target.metrics_url is None:
        return None
    return await probes.round_trips(session, target.metrics_url)


class Bench:
    """One run's processes and what they measured."""

    def __init__(self, load: Load, checked: traffic.Checked, redis_url: str) -> None:
        self.load = load
        self.results = Results(load, checked)
        self.redis_url = redis_url
        self.redis = Redis.from_url(redis_url)
        self.namespace = f"bench{secrets.token_hex(3)}"
        self.driver = Driver(checked, load.concurrency)
        self.graph = wa.GraphStub(self.driver)
        self.mixes = {"floor": checked.mix(), "omnibot": checked.mix()}
        self.sent_fresh = 0
        self.redis_pid: int | None = None
        self.people = {
            "telegram": customers(load.customers),
            "whatsapp": customers(load.customers, WHATSAPP_FIRST),
        }

    def phase(self, name: str) -> None:
        self.results.load_average[name] = os.getloadavg()[0]

    def speak(self, channel: str, system: str) -> None:
        """The driver speaks ``channel`` to ``system`` (its own mix: what it has seen)."""
        telegram = channel == "telegram"
        self.driver.compose = self.driver.telegram if telegram else self.graph.notification
        self.driver.locale_sent = telegram
        self.driver.expect = system != "floor"
        self.driver.mix = self.mixes[system]

    def channels(self) -> dict[str, str]:
        return rig.telegram_env(self.driver.api_base) | rig.whatsapp_env(self.driver.api_base)

    async def pairs(self) -> None:
        """Floor and omnibot, alternated, then everything measured on that omnibot process."""
        load, results = self.load, self.results
        async with (
            rig.floor_app(self.redis_url, self.driver.api_base) as floor,
            rig.omnibot_run(
                self.redis_url, self.namespace, self.channels(), config=rig.PACING
            ) as bot,
        ):
            whatsapp = dataclasses.replace(
                bot, name="WhatsApp", url=f"{bot.metrics_url}/whatsapp/webhook"
            )
            for channel, system, target in (
                ("telegram", "floor", floor),
                ("telegram", "omnibot", bot),
                ("whatsapp", "omnibot", whatsapp),
            ):
                self.speak(channel, system)
                self.driver.target = target.url
                await self.driver.visit(self.people[channel])
            for n in range(load.pairs):
                for channel, system, target, runs in (
                    ("telegram", "floor", floor, results.floors),
                    ("telegram", "omnibot", bot, results.bots),
                    ("whatsapp", "omnibot", whatsapp, results.whatsapp),
                ):
                    self.phase(f"pair {n + 1}, {target.name}")
                    self.speak(channel, system)
                    people = self.people[channel]
                    runs.append(await measure(self.driver, target, load, self.redis, people))
            self.phase("familiar texts only")
            results.familiar_cpu = await self.familiar_cpu(bot)
            self.phase("memory per customer")
            results.bytes_all, results.bytes_no_transcript = await probes.bytes_per_customer(
                self.redis, self.namespace, load.memory_sample
            )
            self.phase("long conversations")
            self.speak("telegram", "omnibot")
            self.driver.target = bot.url
            regulars = customers(load.long_customers, LONG_FIRST)
            await self.driver.visit(regulars)
            results.long = await self.driver.conversations(regulars, load.long_turns)
            self.phase("1 worker, pinned")
            results.one_pinned = await self.pinned(bot, 1)
        self.sent_fresh += self.fresh_of("omnibot")

    async def familiar_cpu(self, bot: Target) -> float:
        """CPU seconds per turn of ``bot`` when every message is one it has seen: with the
        mix's, what a message never seen costs in the worker itself."""
        self.speak("telegram", "omnibot")
        self.driver.target = bot.url
        pids = probes.tree(bot.pid)
        before = probes.cpu_seconds(pids)
        phase = await self.driver.closed(self.load.seconds, self.people["telegram"], True)
        return (probes.cpu_seconds(pids) - before) / max(1, len(phase.arrivals))

    async def pinned(self, target: Target, workers: int) -> Run:
        """A Telegram run with each worker on its cores and the load generator with Redis on
        theirs (:func:`bench.pinning.plan`); everything unpinned after."""
        plan = pinning.plan(workers)
        self.results.pinning = plan.note
        mine = [os.getpid(), *([self.redis_pid] if self.redis_pid else [])]
        tree = probes.tree(target.pid)
        # With more than one, the workers are the supervisor's children; it idles beside them.
        heads = probes.workers(target.pid) if workers > 1 else [target.pid]
        if len(heads) != workers:
            raise RuntimeError(f"{target.name}: {len(heads)} worker processes, not {workers}")
        pinning.pin(mine, plan.load)
        for head, cores in zip(heads, plan.workers, strict=False):
            pinning.pin(probes.tree(head), cores)
        try:
            people = self.people["telegram"]
            return await measure(self.driver, target, self.load, self.redis, people)
        finally:
            pinning.unpin([*mine, *tree])

    async def two_workers(self) -> None:
        self.mixes["omnibot"] = self.results.traffic.mix(seed=25)  # new processes: all unseen
        self.speak("telegram", "omnibot")
        async with rig.omnibot_run(
            self.redis_url, self.namespace, self.channels(), workers=2, config=rig.PACING
        ) as two:
            self.driver.target = two.url
            await self.driver.visit(self.people["telegram"])
            self.phase("2 workers, pinned")
            self.results.two_pinned = await self.pinned(two, 2)
        self.sent_fresh += self.fresh_of("omnibot")

    def fresh_of(self, system: str) -> int:
        mix = self.mixes[system]
        self.results.reused += mix.reused
        return mix.drawn_fresh

    async def starts(self) -> None:
        self.phase("readiness")
        env = clean_env(**rig.every_channel_env(), OMNIBOT_REDIS_URL=self.redis_url)
        for _ in range(self.load.starts):
            self.results.starts.append(await readiness.start(EXAMPLE, env))

    async def semantic(self) -> None:
        self.phase("semantic stage")
        fresh = self.results.traffic.fresh[: self.load.semantic_sample]
        self.results.semantic_ms = await semantic_share.decide_ms(fresh)

    def close_checks(self) -> None:
        driver, graph, results = self.driver, self.graph, self.results
        results.checks = {
            "replies not matched to a webhook": driver.unexpected,
            "replies not the bot's answer to what was said": driver.wrong,
            "calls refused by the stubs": driver.refused + graph.refused,
            "webhooks still waiting for a reply": driver.pending,
            "webhooks refused or lost": sum(
                p.failed + p.lost for r in results.runs() for p in r.phases
            ),
        }
        results.strays = list(driver.strays)
        results.fresh_sent = self.sent_fresh


async def bench(load: Load, redis_url: str | None, cache: Path | None = CACHE) -> Results:
    """Every measurement of the report, in order."""
    checked = await traffic.checked(load.fresh, cache=cache)
    await rig.warm_understanding()
    url, started = (redis_url, None) if redis_url else rig.own_redis()
    run = Bench(load, checked, url)
    run.redis_pid = started.process.pid if started else None
    await run.driver.start()
    try:
        await run.pairs()
        await run.two_workers()
        await run.starts()
        await run.semantic()
        run.close_checks()
    finally:
        await run.driver.stop()
        await wipe(url, run.namespace)
        await run.redis.aclose()
        if started:
            started.stop()
    return run.results


def options(argv: Sequence[str] | None = None) -> tuple[Load, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, one pair")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, help="length of each load phase")
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--long-customers", type=int)
    parser.add_argument("--long-turns", type=int)
    parser.add_argument("--starts", type=int)
    parser.add_argument("--redis-url", help="a Redis to use instead of starting one")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    quick = Load(
        customers=1000,
        seconds=3,
        pairs=1,
        fractions=(0.5,),
        long_turns=100,
        starts=1,
        fresh=4000,
        semantic_sample=100,
    )
    load = quick if args.quick else Load()
    load.concurrency = args.concurrency
    for name in ("customers", "seconds", "pairs", "long_customers", "long_turns", "starts"):
        if getattr(args, name) is not None:
            setattr(load, name, getattr(args, name))
    return load, args


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    load, args = options(argv)
    # Stopped by its PID, the bench still stops what it started (its Redis, the servers).
    signal.signal(signal.SIGTERM, _interrupted)
    # On uvloop, like the servers it measures: the load generator shares their two cores.
    results = uvloop.run(bench(load, args.redis_url))
    print(write(results, args.out, sys.argv[1:]))


if __name__ == "__main__":
    main()
