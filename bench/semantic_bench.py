"""The semantic stage's model in the event loop against on a thread of its own, same run.

    python -m bench.semantic_bench [--turns 1500] [--pairs 3] [--latency-turns 900]
                                   [--rate R] [--out bench/results]

The example store bot in process (:func:`bot.app.compose.sandbox`: the turn pipeline on
embedded memory, a web chat loopback channel, the engine with understanding, rendering), each
message from a new customer, on the mix of ``bench.understanding_bench``: 3 messages in 10 a
labelled phrase with a number no other message has (never seen: the semantic stage embeds
it), 7 in 10 a labelled phrase seen before the clock starts. Three ways of running the model,
taken in turn within each round (each way first in one of three rounds), on like messages:

- **loop**: in the event loop, inside ``Matcher.decide`` (as before ``dialogs/nlu/semantic/
  thread.py``);
- **thread**: on the stage's inference thread, one text a forward pass;
- **batched**: on the thread, every waiting text (up to 8) in one forward pass.

Each run measures, on a new sandbox:

- **peak**: turns per second with 16 customers at a time until the last reply is delivered;
  CPU milliseconds per turn (``time.process_time``, every thread of the process), and the
  model's CPU milliseconds per text it embedded and texts per forward pass (``E5.work``: CPU
  time of the thread in the forward pass, which other processes on the machine do not inflate
  the way they do wall time);
- **latency**: messages sent at a fixed rate (``--rate``, by default half of the loop's median
  peak of a first calibration run), from send time until the reply is delivered; p50 and p99
  of the known-text turns (the ones a model in the loop makes wait) and of the never-seen ones.

The report is printed and written to ``OUT/semantic.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.understanding_bench import FRESH, Phrase, cache_at, mix, phrases, say_each, warmed
from bot.app.config import load_bot_config
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import load_flowset
from dialogs.nlu.semantic.embedding import E5
from dialogs.nlu.semantic.stage import SemanticStage
from dialogs.nlu.semantic.thread import InferenceThread
from tests.server_process import EXAMPLE, ROOT

CONCURRENCY = 16
"""Customers talking at once while the peak is measured."""
WAYS = ("loop", "thread", "batched")


@dataclass(frozen=True, slots=True)
class Peak:
    """One closed-loop run: turns per second, the process's CPU milliseconds per turn, the
    model's CPU milliseconds per text and the texts each forward pass took."""

    rate: float
    cpu_ms: float
    model_ms: float
    per_pass: float


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds from send to reply of one open-loop run, by kind of message."""

    known: list[float]
    fresh: list[float]


def stage_of(flowset: FlowSet) -> tuple[SemanticStage, E5]:
    stage = flowset.matcher.semantic
    if stage is None or not isinstance(stage.embedder, E5):
        raise RuntimeError("the example bot no longer has an e5 semantic stage: update the bench")
    return stage, stage.embedder


def use(stage: SemanticStage, way: str) -> None:
    """Run the stage's model ``way`` from now on."""
    if stage.inference is not None:
        stage.inference.close()
    if way == "loop":
        stage.inference = None
    else:
        stage.inference = InferenceThread(stage.embedder.embed, batch=8 if way == "batched" else 1)


async def peak(flowset: FlowSet, said: Sequence[Phrase], messages: Sequence[str]) -> Peak:
    model = stage_of(flowset)[1]
    async with warmed(flowset, said) as (channel, pipeline):
        work = model.work
        passes, texts, model_cpu = work.passes, work.texts, work.cpu_seconds
        cpu, started = time.process_time(), time.perf_counter()
        await say_each(channel, pipeline, messages, CONCURRENCY)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        turns = len(messages)
        embedded = max(1, work.texts - texts)
        per_pass = embedded / max(1, work.passes - passes)
        model_ms = (work.cpu_seconds - model_cpu) * 1000 / embedded
        return Peak(turns / took, cpu * 1000 / turns, model_ms, per_pass)


async def latency(
    flowset: FlowSet, said: Sequence[Phrase], messages: Sequence[str], rate: float
) -> Latency:
    known: list[float] = []
    fresh: list[float] = []
    async with warmed(flowset, said) as (channel, _pipeline):
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05

        async def one_turn(n: int) -> None:
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            await channel.say(f"customer{n}", messages[n])
            await channel.wait_for(f"customer{n}", 1, within=60)
            (fresh if n % 10 in FRESH else known).append((loop.time() - due) * 1000)

        async with asyncio.TaskGroup() as group:
            for n in range(len(messages)):
                group.create_task(one_turn(n))
        return Latency(known, fresh)


def p99(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def measure(
    args: argparse.Namespace, flowset: FlowSet
) -> tuple[dict[str, list[Peak]], dict[str, list[Latency]], float]:
    """Every way of running the model, in turn, ``args.pairs`` times; the never-seen messages
    of each run are its own (a number no other run uses), so no run finds them remembered."""
    said = phrases()
    stage = stage_of(flowset)[0]
    numbers = iter(range(1, 1_000_000))

    def fresh_mix(turns: int) -> list[str]:
        return mix(said, turns, next(numbers) * 1_000_000)

    rate = args.rate
    if rate is None:
        use(stage, "loop")
        rate = (await peak(flowset, said, fresh_mix(args.turns))).rate / 2
    peaks: dict[str, list[Peak]] = {way: [] for way in WAYS}
    latencies: dict[str, list[Latency]] = {way: [] for way in WAYS}
    for round_ in range(args.pairs):
        for way in WAYS[round_ % 3 :] + WAYS[: round_ % 3]:  # each way first in one round
            use(stage, way)
            peaks[way].append(await peak(flowset, said, fresh_mix(args.turns)))
            latencies[way].append(await latency(flowset, said, fresh_mix(args.latency_turns), rate))
    stage.close()
    return peaks, latencies, rate


def table(peaks: dict[str, list[Peak]], latencies: dict[str, list[Latency]]) -> list[str]:
    base = statistics.median(run.rate for run in peaks["loop"])
    lines = [
        "| model runs | turns/s | ratio to loop | CPU ms/turn | model CPU ms/text | texts/pass "
        "| known p50 ms | known p99 ms | never-seen p50 ms | never-seen p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for way in WAYS:
        runs, paced = peaks[way], latencies[way]
        rate = statistics.median(run.rate for run in runs)
        known = [value for run in paced for value in run.known]
        fresh = [value for run in paced for value in run.fresh]
        lines.append(
            f"| {way} | {rate:.0f} | {rate / base:.2f} "
            f"| {statistics.median(run.cpu_ms for run in runs):.2f} "
            f"| {statistics.median(run.model_ms for run in runs):.2f} "
            f"| {statistics.median(run.per_pass for run in runs):.2f} "
            f"| {statistics.median(known):.1f} | {p99(known):.1f} "
            f"| {statistics.median(fresh):.1f} | {p99(fresh):.1f} |"
        )
    return lines


def pairs_line(peaks: dict[str, list[Peak]]) -> str:
    runs = zip(*(peaks[way] for way in WAYS), strict=True)
    shown = "; ".join(", ".join(f"{run.rate:.0f}" for run in pair) for pair in runs)
    return f"- turns/s of each pair ({', '.join(WAYS)}): {shown}"


def report(args: argparse.Namespace, command: str) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        bot = Path(scratch) / "store"
        shutil.copytree(EXAMPLE, bot)
        with cache_at(Path(scratch) / "cache"):
            flowset = load_flowset(bot, load_bot_config(bot))
            try:
                peaks, latencies, rate = asyncio.run(measure(args, flowset))
            finally:
                asyncio.run(flowset.actions.aclose())
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        "\n".join(
            [
                f"# The semantic model off the event loop ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
                f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
                f"load average at the end {load_average}, "
                f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})",
                "",
                f"`{command}`",
                "",
                *table(peaks, latencies),
                "",
                f"- peak: {args.turns} turns a run, {CONCURRENCY} customers at a time, "
                "30 % never seen",
                pairs_line(peaks),
                f"- latency: {args.latency_turns} turns a run sent at {rate:.0f} turns/s "
                f"({'--rate' if args.rate else 'half the loop peak of a first run'}), "
                f"from send to reply; {args.pairs} runs of each pooled",
            ]
        )
        + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1500, help="turns of each peak run")
    parser.add_argument("--latency-turns", type=int, default=900, help="turns of each paced run")
    parser.add_argument("--pairs", type=int, default=3, help="rounds of the three ways")
    parser.add_argument("--rate", type=float, help="turns/s of the paced runs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    text = report(args, shlex.join(["python", "-m", "bench.semantic_bench", *given]))
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "semantic.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
