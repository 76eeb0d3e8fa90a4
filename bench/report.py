"""The report of :mod:`bench.telegram_bench`: a verdict for each target of issue 24, the runs,
the details that explain them, and the chart of latency against offered load."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.telegram_bench import Results, Run

QUICK_NOTE = (
    "A `--quick` run: one pair, 3 s phases, a few hundred turns per long conversation, on a "
    "machine that may be busy (see the load averages). The figures that count come from a "
    "full run on a quiet machine."
)


@dataclass(frozen=True)
class Verdict:
    """One target of the issue and what the run measured (compared at the precision shown)."""

    figure: str
    target: str
    measured: float
    met: bool
    unit: str = ""

    def row(self) -> str:
        shown = "n/a" if math.isnan(self.measured) else f"{self.measured:.2f}{self.unit}"
        state = "n/a" if math.isnan(self.measured) else ("met" if self.met else "**missed**")
        return f"| {self.figure} | {self.target} | {shown} | {state} |"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def median_run(runs: list[Run]) -> Run:
    """The run whose peak is the median one."""
    return sorted(runs, key=lambda r: r.peak.rate)[len(runs) // 2]


def ratios(tops: list[Run], bases: list[Run]) -> list[float]:
    return [t.peak.rate / b.peak.rate for t, b in zip(tops, bases, strict=True) if b.peak.rate]


def long_windows(results: Results) -> list[float]:
    """Turns per second in equal windows of the long conversations' turns, by turn number:
    all customers' ``k``-th turns fall in the same window."""
    count = results.load.windows
    long = [turn for turn in results.long if turn]
    if len(long) < count:
        return []
    size = len(long) // count
    rates, ended = [], min(long[0])
    for w in range(count):
        turns = long[w * size : (w + 1) * size]
        finished = max(max(turn) for turn in turns)
        rates.append(sum(len(turn) for turn in turns) / max(finished - ended, 1e-9))
        ended = finished
    return rates


def verdicts(results: Results) -> list[Verdict]:
    """Every target of issue 24, in the issue's order."""
    bot = median_run(results.bots)
    windows = long_windows(results)
    one, two = results.one_pinned, results.two_pinned
    trips = [r.trips_per_turn for r in results.bots if r.trips_per_turn is not None]
    ready = [s.every_route for s in results.starts]
    whatsapp = median(ratios(results.whatsapp, results.bots))
    checks = sum(results.checks.values())
    return [
        _at_least(
            "turns/s, ratio to the floor", 0.60, median(ratios(results.bots, results.floors))
        ),
        _at_most("p99 at half of omnibot's peak", 25, bot.half.ms(0.99), " ms"),
        _at_most("memory round trips per turn", 3, median(trips)),
        _at_most(
            "Redis commands per turn", 12, median([r.commands_per_turn for r in results.bots])
        ),
        _at_least(
            "2 workers / 1 worker (pinned)",
            1.6,
            two.peak.rate / one.peak.rate if one and two and one.peak.rate else float("nan"),
            "x",
        ),
        _at_least("WhatsApp turns/s / Telegram's", 0.90, whatsapp),
        _at_least(
            "long conversations: last window / first",
            0.90,
            windows[-1] / windows[0] if windows and windows[0] else float("nan"),
        ),
        _at_most("Redis bytes per idle customer, no transcript", 2048, results.bytes_no_transcript),
        _at_most("ready with every channel on (every route)", 2.0, median(ready), " s"),
        Verdict("stray, wrong, refused or lost replies", "0", checks, checks == 0),
    ]


def _at_least(figure: str, target: float, measured: float, unit: str = "") -> Verdict:
    return Verdict(figure, f"≥ {target:g}{unit}", measured, round(measured, 2) >= target, unit)


def _at_most(figure: str, target: float, measured: float, unit: str = "") -> Verdict:
    return Verdict(figure, f"≤ {target:g}{unit}", measured, round(measured, 2) <= target, unit)


def runs_table(results: Results) -> str:
    floor_peak = median([r.peak.rate for r in results.floors])
    rows = [
        ("floor: aiohttp, Redis GET + SET, sendMessage", results.floors),
        ("omnibot, Telegram, 1 worker", results.bots),
        ("omnibot, WhatsApp Cloud, 1 worker", results.whatsapp),
    ]
    for run in (results.one_pinned, results.two_pinned):
        if run is not None:
            workers = "2 workers" if run is results.two_pinned else "1 worker"
            rows.append((f"omnibot, Telegram, {workers}, pinned", [run]))
    lines = [
        "| run | turns/s (peak) | ratio to floor | offered at half peak | p50 ms | p99 ms "
        "| CPU ms/turn | memory round trips/turn | Redis commands/turn | of which scripts |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, runs in rows:
        peak, half = median([r.peak.rate for r in runs]), median_run(runs).half
        trips = [r.trips_per_turn for r in runs if r.trips_per_turn is not None]
        lines.append(
            f"| {name} | {peak:.0f} | {peak / floor_peak:.2f} | {half.offered or 0:.0f} "
            f"| {half.ms(0.5):.1f} | {half.ms(0.99):.1f} "
            f"| {1000 * median([r.cpu_per_turn for r in runs]):.2f} "
            f"| {median(trips) if trips else 2.0:.2f} "
            f"| {median([r.commands_per_turn for r in runs]):.2f} "
            f"| {median([r.scripts_per_turn for r in runs]):.2f} |"
        )
    return "\n".join(lines)


def details(results: Results) -> list[str]:
    load, checked = results.load, results.traffic
    pairs = list(zip(results.floors, results.bots, results.whatsapp, strict=True))
    cpu_bot = median([r.cpu_per_turn for r in results.bots])
    cpu_wa = median([r.cpu_per_turn for r in results.whatsapp])
    on, off = results.semantic_ms
    seen = 1000 * results.familiar_cpu
    unseen = seen + (1000 * cpu_bot - seen) / 0.3  # the mix: 0.7 seen + 0.3 unseen
    lines = [
        "- pairs, alternated (turns/s floor, Telegram, WhatsApp): "
        + ", ".join(
            f"({f.peak.rate:.0f}, {b.peak.rate:.0f}, {w.peak.rate:.0f})" for f, b, w in pairs
        ),
        f"- CPU per turn (user + sys of the process tree, /proc): floor "
        f"{1000 * median([r.cpu_per_turn for r in results.floors]):.2f} ms, omnibot Telegram "
        f"{1000 * cpu_bot:.2f} ms, WhatsApp {1000 * cpu_wa:.2f} ms "
        f"(WhatsApp/Telegram **{cpu_wa / cpu_bot:.2f}**)",
        f"- a message never seen, in the worker: {seen:.2f} ms CPU a turn when every message "
        f"is familiar (Telegram, closed loop), {1000 * cpu_bot:.2f} ms on the mix, so about "
        f"**{unseen:.2f} ms** a turn on an unseen message, of which **{unseen - seen:.2f} ms "
        f"({(unseen - seen) / unseen:.0%})** is what being unseen adds (understanding it: "
        f"the semantic stage and the lexical work the memo saves). Cross-check in the bench's "
        f"process: `Matcher.decide` on {load.semantic_sample} fresh texts takes {on:.2f} ms CPU "
        f"(median, every thread) with the semantic stage and {off:.2f} ms with words only, "
        f"so the stage is **{(on - off) / unseen:.0%}** of such a turn's CPU",
        "- Redis commands: `INFO commandstats` before and after each run, summed over every "
        "command, divided by the replies; a command a script runs is counted under its own "
        "name as well as the script under `evalsha`, so the total is what Redis executed; "
        "'of which scripts' counts the script calls alone",
        f"- Redis memory per customer (`MEMORY USAGE` of a sample of {load.memory_sample}, with "
        f"the identity index): {results.bytes_all:.0f} B with the transcript, "
        f"{results.bytes_no_transcript:.0f} B without",
    ]
    for run in (results.bots[len(results.bots) // 2], results.whatsapp[len(results.whatsapp) // 2]):
        if run.trips_by_operation:
            lines.append(
                f"- memory round trips per turn by operation, {run.name}: "
                + ", ".join(f"{op} {n:.3f}" for op, n in run.trips_by_operation.items())
            )
    windows = long_windows(results)
    if windows:
        lines.append(
            f"- long conversations: {load.long_customers} customers at once, "
            f"{load.long_turns} turns each, turns/s by window of turn numbers: "
            + ", ".join(f"{w:.0f}" for w in windows)
        )
    lines.append(f"- pinning (`os.sched_setaffinity`): {results.pinning}")
    for n, start in enumerate(results.starts, 1):
        routes = ", ".join(f"{name} {s:.2f}" for name, s in start.routes.items())
        lines.append(
            f"- start {n}, every channel on, Redis: /healthz 200 after {start.healthz:.2f} s; "
            f"routes answering after (s): {routes}"
        )
    lines += [
        f"- traffic: {len(checked.familiar)} familiar texts and {len(checked.fresh)} fresh ones "
        f"passed the check against the bot, {len(checked.dropped)} dropped (a follow-up "
        f"question, another flow, or not exactly one reply); fresh texts sent to omnibot "
        f"{results.fresh_sent}, of which sent a second time to the same process "
        f"{results.reused}",
        "- checks: " + ", ".join(f"{name}: {count}" for name, count in results.checks.items()),
        "- 1-minute load average as each phase began: "
        + ", ".join(f"{name} {value:.2f}" for name, value in results.load_average.items()),
        f"- load: {load.customers} customers per channel (half en, half pt-BR), "
        f"{load.concurrency} connections, {load.seconds:g} s per phase, open-loop phases at "
        + ", ".join(f"{f:g}" for f in load.fractions)
        + " of each run's peak; WhatsApp pacing raised to 1000/s",
    ]
    if results.strays:
        lines.append("- replies that were not the one expected (first ones):")
        lines += [f"    - `{stray}`" for stray in results.strays]
    return lines


def machine() -> str:
    model = next(
        (
            line.partition(":")[2].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    cpus = len(os.sched_getaffinity(0))
    return f"{cpus} CPUs ({model}), Python {platform.python_version()}, {platform.system()}"


def chart(results: Results, path: Path) -> None:
    """p50 and p99 latency against offered load, for the floor and omnibot (median runs)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 5))
    series = [
        ("floor", median_run(results.floors), "tab:gray"),
        ("omnibot Telegram", median_run(results.bots), "tab:blue"),
        ("omnibot WhatsApp", median_run(results.whatsapp), "tab:green"),
    ]
    for name, run, colour in series:
        offered = [p.offered or 0 for p in run.steps]
        axes.plot(offered, [p.ms(0.5) for p in run.steps], "o--", color=colour, label=f"{name} p50")
        axes.plot(offered, [p.ms(0.99) for p in run.steps], "o-", color=colour, label=f"{name} p99")
    axes.axhline(25, color="tab:red", linewidth=0.8, linestyle=":", label="p99 target, 25 ms")
    axes.set_xlabel("offered load (webhooks/s)")
    axes.set_ylabel("webhook to reply at the stub (ms)")
    axes.set_yscale("log")
    axes.set_title("Full webhook turn: latency against offered load")
    axes.legend(fontsize="small")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def write(results: Results, out: Path, argv: Sequence[str]) -> str:
    """The report (printed by the caller), written with the chart into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f"{QUICK_NOTE}\n\n" if "--quick" in argv else ""
    report = "\n".join(
        [
            "# Issue 24: the full turn against its targets",
            "",
            f"{stamp}, {machine()}",
            "",
            "`" + " ".join(["python -m bench.telegram_bench", *argv]) + "`",
            "",
            note + "| figure | target | measured | verdict |",
            "|---|---|---:|---|",
            *(verdict.row() for verdict in verdicts(results)),
            "",
            runs_table(results),
            "",
            *details(results),
            "",
            "![latency](latency.png)",
            "",
        ]
    )
    (out / "telegram.md").write_text(report)
    chart(results, out / "latency.png")
    return report
