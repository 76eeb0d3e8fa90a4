"""A WhatsApp turn next to a Telegram turn: the Telegram benchmark's load, on one ``omnibot run``
with both channels on, alternating between them.

    python -m bench.whatsapp_bench [--quick] [--pairs 3] [--seconds 10] [--customers 10000]
                                   [--concurrency 64] [--redis-url URL] [--out bench/results]

The machinery is :mod:`bench.telegram_bench`'s: a Redis of its own, one load generator on
uvloop hosting both stubs (the Bot API, and the Graph API of :mod:`bench.whatsapp_load`), and
``omnibot run`` of the example store bot on that Redis with Telegram (webhook mode) and
WhatsApp (Cloud API) on. Every customer of both channels has one turn first; then, in each
pair, the Telegram run and the WhatsApp run get the same load (the closed-loop peak, then
open-loop phases at fractions of it), one after the other. The median of the pairs is quoted,
with the ratio WhatsApp/Telegram of each pair. The table is printed and written to
``OUT/whatsapp.md``.

WhatsApp's pacing (``channels.whatsapp.pacing``) would cap the run at Meta's standard 80
messages a second: the bench's copy of ``bot.yaml`` raises ``throughput`` to its ceiling,
1000, and leaves the per-customer pace as it is (3 at once, then one every 0.5 s), which the
bench's many customers never reach; both buckets are still taken from Redis on every message,
as in production (one script takes both: ``Memory.throttle_all``).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import uvloop
from redis.asyncio import Redis

from bench import whatsapp_load as wa
from bench.telegram_bench import (
    Load,
    Run,
    machine,
    measure,
    median_run,
    omnibot_run,
    own_redis,
)
from bench.telegram_load import Driver, customers
from tests.server_process import ROOT, wipe

WHATSAPP_FIRST = 50_000_000
"""The first WhatsApp customer's number (:func:`bench.whatsapp_load.wa_id`): apart from the
Telegram customers', so that no reply of one channel can be matched to the other's webhook."""
PACING = "\nchannels:\n  whatsapp:\n    pacing:\n      throughput: 1000\n"
"""What the bench adds to its copy of ``bot.yaml`` (see the module's docstring)."""


FRACTIONS = (0.25, 0.5)
"""The open-loop phases, as fractions of each run's peak: the report's latency is at half of
it; at 0.9 of the peak a WhatsApp run can build a queue of seconds on this machine, and a
customer whose webhooks wait longer than the gap between their turns gets one answer for two
(their messages are read together), which the load generator counts as lost."""


@dataclass
class Results:
    load: Load
    telegram: list[Run] = field(default_factory=list)
    whatsapp: list[Run] = field(default_factory=list)
    graph_calls: dict[str, int] = field(default_factory=dict)
    bot_api_calls: dict[str, int] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)
    load_average: list[float] = field(default_factory=list)
    """The 1-minute load average before each run."""


def _env(api_base: str) -> dict[str, str]:
    return {
        "WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": wa.VERIFY_TOKEN,
        "WHATSAPP_API_BASE": api_base,
    }


async def bench(load: Load, redis_url: str | None) -> Results:
    """Both channels' runs, alternating."""
    results = Results(load)
    redis_url, started = (redis_url, None) if redis_url else own_redis()
    redis = Redis.from_url(redis_url)
    namespace = f"bench{secrets.token_hex(3)}"
    driver = Driver(load.concurrency)
    graph = wa.GraphStub(driver)
    await driver.start()
    people = {
        "telegram": customers(load.customers),
        "whatsapp": customers(load.customers, WHATSAPP_FIRST),
    }
    composers = {"telegram": driver.telegram, "whatsapp": graph.notification}
    try:
        channels = _env(driver.api_base)
        async with omnibot_run(
            redis_url, driver.api_base, namespace, channels=channels, config=PACING
        ) as bot:
            assert bot.metrics_url is not None  # omnibot serves /metrics
            targets = {
                "telegram": dataclasses.replace(bot, name="Telegram"),
                "whatsapp": dataclasses.replace(
                    bot, name="WhatsApp", url=f"{bot.metrics_url}/whatsapp/webhook"
                ),
            }
            for channel, target in targets.items():  # every customer known first
                driver.target, driver.compose = target.url, composers[channel]
                await driver.visit(people[channel])
            for _ in range(load.pairs):
                for channel, runs in (
                    ("telegram", results.telegram),
                    ("whatsapp", results.whatsapp),
                ):
                    driver.compose = composers[channel]
                    results.load_average.append(os.getloadavg()[0])
                    runs.append(
                        await measure(driver, targets[channel], load, redis, people[channel])
                    )
        results.graph_calls, results.bot_api_calls = dict(graph.calls), dict(driver.calls)
        results.checks = _checks(results, driver, graph)
    finally:
        await driver.stop()
        await wipe(redis_url, namespace)
        await redis.aclose()
        if started:
            started.stop()
    return results


def _checks(results: Results, driver: Driver, graph: wa.GraphStub) -> dict[str, int]:
    runs = [*results.telegram, *results.whatsapp]
    return {
        "replies not matched to a webhook": driver.unexpected,
        "calls refused by the stubs": driver.refused + graph.refused,
        "webhooks still waiting for a reply": driver.pending,
        "webhooks refused or lost": sum(
            p.failed + p.lost for r in runs for p in (r.peak, *r.steps)
        ),
    }


def table(results: Results) -> str:
    """The report, in markdown."""
    telegram_peak = statistics.median(r.peak.rate for r in results.telegram)
    telegram_cpu = statistics.median(r.cpu_per_turn for r in results.telegram)
    head = (
        "| run | turns/s (peak) | ratio to Telegram | offered at half peak | p50 ms | p99 ms "
        "| CPU ms/turn | CPU ratio to Telegram | memory round trips/turn | Redis commands/turn |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for name, runs in (("Telegram", results.telegram), ("WhatsApp (Cloud API)", results.whatsapp)):
        peak = statistics.median(r.peak.rate for r in runs)
        cpu = statistics.median(r.cpu_per_turn for r in runs)
        half = median_run(runs).half
        trips = [r.trips_per_turn for r in runs if r.trips_per_turn is not None]
        lines.append(
            f"| {name} | {peak:.0f} | {peak / telegram_peak:.2f} | {half.offered or 0:.0f} "
            f"| {half.ms(0.5):.1f} | {half.ms(0.99):.1f} | {1000 * cpu:.2f} "
            f"| {cpu / telegram_cpu:.2f} | {statistics.median(trips) if trips else 0:.2f} "
            f"| {statistics.median(r.commands_per_turn for r in runs):.2f} |"
        )
    return head + "\n".join(lines) + "\n\n" + _details(results)


def _details(results: Results) -> str:
    load = results.load
    pairs = list(zip(results.telegram, results.whatsapp, strict=True))
    peaks = [w.peak.rate / t.peak.rate for t, w in pairs]
    cpus = [w.cpu_per_turn / t.cpu_per_turn for t, w in pairs]
    replies = sum(r.replies for r in results.whatsapp)
    lines = [
        f"- ratio WhatsApp/Telegram, median of {len(pairs)} alternating pairs: turns/s "
        f"**{statistics.median(peaks):.2f}**, CPU per turn **{statistics.median(cpus):.2f}** "
        "(pairs, turns/s Telegram and WhatsApp: "
        + ", ".join(f"({t.peak.rate:.0f}, {w.peak.rate:.0f})" for t, w in pairs)
        + "; CPU ms/turn: "
        + ", ".join(f"({1000 * t.cpu_per_turn:.2f}, {1000 * w.cpu_per_turn:.2f})" for t, w in pairs)
        + ")",
        "- calls the stubs received: Graph API "
        + ", ".join(f"{name} {count}" for name, count in results.graph_calls.items())
        + f" (measured WhatsApp turns: {replies}); Bot API "
        + ", ".join(f"{name} {count}" for name, count in sorted(results.bot_api_calls.items())),
        "- checks: " + ", ".join(f"{name}: {count}" for name, count in results.checks.items()),
        "- 1-minute load average before each run: "
        + ", ".join(f"{value:.2f}" for value in results.load_average),
        f"- load: {load.customers} customers per channel, {load.concurrency} connections, "
        f"{load.seconds:g} s per phase, open-loop phases at "
        + ", ".join(f"{f:g}" for f in load.fractions)
        + " of each run's peak; WhatsApp pacing: throughput 1000/s, per customer as by default",
    ]
    return "\n".join(lines) + "\n"


def write(results: Results, out: Path) -> str:
    """The report (printed by the caller), written into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = (
        f"# WhatsApp next to Telegram\n\n{stamp}, {machine()}\n\n"
        f"`python -m bench.whatsapp_bench {' '.join(sys.argv[1:])}`\n\n" + table(results)
    )
    (out / "whatsapp.md").write_text(report)
    return report


def options(argv: Sequence[str] | None = None) -> tuple[Load, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, one pair")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, help="length of each load phase")
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--redis-url", help="a Redis to use instead of starting one")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    quick = Load(customers=2000, seconds=3, pairs=1, fractions=(0.5,))
    load = quick if args.quick else Load(fractions=FRACTIONS)
    load.concurrency = args.concurrency
    for name in ("customers", "seconds", "pairs"):
        if getattr(args, name) is not None:
            setattr(load, name, getattr(args, name))
    return load, args


def main(argv: Sequence[str] | None = None) -> None:
    load, args = options(argv)
    # On uvloop, like the server it measures: the load generator shares its two cores.
    results = uvloop.run(bench(load, args.redis_url))
    print(write(results, args.out))


if __name__ == "__main__":
    main()
