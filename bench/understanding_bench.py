"""What the semantic stage of understanding costs: a message, a turn and a start.

    python -m bench.understanding_bench [--rounds 5] [--turns 2000] [--pairs 3] [--starts 5]
                                        [--omp-threads N] [--out bench/results]

Everything is measured on the example store bot (``settings.semantic.model: e5-small``) against
the same bot with ``model: "off"`` (words only), in the same run, taken in turn, because this
shared machine's speed moves between runs.

- **A message.** The labelled phrases of ``bench/data/store_heldout.yaml`` and
  ``examples/store/tests/understanding.yaml`` (none of them one of the bot's examples), each
  decided once by :meth:`Matcher.decide` in its labelled language, with nothing remembered:
  every round loads both bots again and starts a new model (an empty memory of message
  vectors), as a new process would. Semantic on is split into messages the lexical stage was
  sure of and those that went to the semantic stage; then the same text again (remembered).
- **A turn.** The bot in process (:func:`bot.app.compose.sandbox`: the turn pipeline on embedded
  memory, a web chat loopback channel), turns per second until the last reply is delivered, on
  a mix where 30 % of messages were never seen before (a labelled phrase with a number no other
  message has) and 70 % are the labelled phrases again (seen before the clock starts). Each
  message comes from a new customer: the bot hands some customers to a person, who then no
  longer talk to it.
- **A start.** :func:`load_flowset` of the example with the phrase vectors on disk (warm), with
  an empty cache directory (cold: every phrase embedded) and with semantic off; then
  ``omnibot run`` (web chat only, embedded memory) from spawn until ``GET /readyz`` answers 200,
  warm, cold and off.

The report is printed and written to ``OUT/understanding.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import yaml

from bench.pipeline_bench import Load, drive
from bench.startup_bench import alternate, ready_seconds
from bot.app.compose import sandbox
from bot.app.config import load_bot_config
from bot.turn.pipeline import TurnPipeline
from connectors.loopback import LoopbackConnector
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import load_flowset
from dialogs.nlu.matching import Decision, Matcher
from dialogs.nlu.semantic import embedding
from tests.redis_server import free_port
from tests.server_process import EXAMPLE, ROOT, clean_env, omnibot

LABELLED = (
    ROOT / "bench" / "data" / "store_heldout.yaml",
    EXAMPLE / "tests" / "understanding.yaml",
)
FRESH = (0, 3, 6)
"""Which of every ten messages of a turn mix were never seen before: 30 %."""
CONCURRENCY = 16
"""Customers talking at once in the turn mix."""


@dataclass(frozen=True, slots=True)
class Phrase:
    """A labelled phrase and the language it is labelled in."""

    text: str
    language: str


@dataclass(frozen=True, slots=True)
class Bots:
    """Two copies of the example store bot: as shipped (semantic on) and with semantic off."""

    on: Path
    off: Path


def phrases() -> list[Phrase]:
    """Every labelled phrase of both files, in file order."""
    found: list[Phrase] = []
    for path in LABELLED:
        for entry in yaml.safe_load(path.read_text()):
            found.append(Phrase(str(entry["phrase"]), str(entry.get("language") or "en")))
    return found


def copies(root: Path) -> Bots:
    """The example under ``root`` twice, the second with ``settings.semantic.model: "off"``."""
    on, off = root / "on", root / "off"
    shutil.copytree(EXAMPLE, on)
    shutil.copytree(EXAMPLE, off)
    main = off / "flows" / "main.yaml"
    text = main.read_text()
    if "model: e5-small" not in text:
        raise RuntimeError(f"{main} no longer says 'model: e5-small': update the bench")
    main.write_text(text.replace("model: e5-small", 'model: "off"'))
    return Bots(on, off)


def load(bot_dir: Path) -> FlowSet:
    """``bot_dir``'s flow set as a new process loads it: a new model, nothing remembered (the
    phrase vectors come from the cache directory, when it has them)."""
    embedding._loaded.clear()
    return load_flowset(bot_dir, load_bot_config(bot_dir))


def went_semantic(decision: Decision) -> bool:
    """Whether the semantic stage decided (the lexical one was not sure)."""
    best = decision.candidates[0] if decision.candidates else None
    return decision.out_of_scope is not None or (best is not None and best.how == "semantic")


def decided_in(matcher: Matcher, phrase: Phrase) -> tuple[Decision, float]:
    """``matcher``'s decision on ``phrase``, and the milliseconds it took."""
    started = time.perf_counter()
    decision = matcher.decide(phrase.text, phrase.language)
    return decision, (time.perf_counter() - started) * 1000


@dataclass
class Costs:
    """Milliseconds of one :meth:`Matcher.decide` each, by kind of decision."""

    off: list[float] = field(default_factory=list)
    lexical: list[float] = field(default_factory=list)
    semantic: list[float] = field(default_factory=list)
    remembered: list[float] = field(default_factory=list)


def message_costs(bots: Bots, said: Sequence[Phrase], rounds: int) -> Costs:
    """Each phrase decided fresh with semantic off, then on, then on again, ``rounds`` times."""
    costs = Costs()
    for _ in range(rounds):
        off, on = load(bots.off).matcher, load(bots.on).matcher
        on.decide("a message that warms the model up", "en")
        for phrase in said:
            costs.off.append(decided_in(off, phrase)[1])
            decision, taken = decided_in(on, phrase)
            (costs.semantic if went_semantic(decision) else costs.lexical).append(taken)
            costs.remembered.append(decided_in(on, phrase)[1])
    return costs


def mix(said: Sequence[Phrase], turns: int, first: int) -> list[str]:
    """``turns`` messages: 3 in 10 a phrase with a number no other message has (counting up
    from ``first``), the rest phrases as labelled."""
    messages = []
    for n in range(turns):
        phrase = said[n % len(said)].text
        messages.append(f"{phrase} {first + n}" if n % 10 in FRESH else phrase)
    return messages


@contextlib.asynccontextmanager
async def warmed(
    flowset: FlowSet, said: Sequence[Phrase]
) -> AsyncIterator[tuple[LoopbackConnector, TurnPipeline]]:
    """The bot of ``flowset`` in this process on a loopback web chat, every labelled phrase
    said once (by its own customer) and answered; the pipeline closed after."""
    box = sandbox(flowset, None, ("webchat",))
    channel, pipeline = box.channels["webchat"], box.pipeline
    if not isinstance(channel, LoopbackConnector):
        raise RuntimeError("the sandbox's channel can no longer be waited on: update the bench")
    await channel.start(pipeline)
    try:
        for n, phrase in enumerate(said):
            await channel.say(f"warm{n}", phrase.text)
        await pipeline.join()
        yield channel, pipeline
    finally:
        await pipeline.close()


async def say_each(
    channel: LoopbackConnector,
    pipeline: TurnPipeline,
    messages: Sequence[str],
    concurrency: int = CONCURRENCY,
) -> None:
    """Each of ``messages`` from a new customer, ``concurrency`` at a time, until every one is
    answered; an unanswered customer is an error."""

    async def one_turn(_customer: int, n: int) -> None:
        await channel.say(f"customer{n}", messages[n])

    await drive(Load(len(messages), len(messages), concurrency), one_turn)
    await pipeline.join()
    silent = [n for n in range(len(messages)) if not channel.sent[f"customer{n}"]]
    if silent:
        raise RuntimeError(f"{len(silent)} customers had no reply, the first customer{silent[0]}")


async def turn_rate(bot_dir: Path, said: Sequence[Phrase], messages: Sequence[str]) -> float:
    """Turns per second of ``messages``, each from a new customer, after every labelled phrase
    has been seen once."""
    flowset = load(bot_dir)
    try:
        async with warmed(flowset, said) as (channel, pipeline):
            started = time.perf_counter()
            await say_each(channel, pipeline, messages)
            return len(messages) / (time.perf_counter() - started)
    finally:
        await flowset.actions.aclose()


@contextlib.contextmanager
def cache_at(directory: Path) -> Iterator[None]:
    """``OMNIBOT_CACHE_DIR`` set to ``directory`` for what runs inside."""
    before = os.environ.get("OMNIBOT_CACHE_DIR")
    os.environ["OMNIBOT_CACHE_DIR"] = str(directory)
    try:
        yield
    finally:
        if before is None:
            del os.environ["OMNIBOT_CACHE_DIR"]
        else:
            os.environ["OMNIBOT_CACHE_DIR"] = before


def load_seconds(bot_dir: Path, cache: Path | None, scratch: Path) -> float:
    """Seconds :func:`load` takes with the phrase cache in ``cache`` (``None``: a new empty
    directory under ``scratch``)."""
    directory = cache or Path(tempfile.mkdtemp(dir=scratch))
    with cache_at(directory):
        started = time.perf_counter()
        load(bot_dir)
        return time.perf_counter() - started


def run_seconds(bot_dir: Path, cache: Path | None, scratch: Path) -> float:
    """Seconds from spawning ``omnibot run`` of ``bot_dir`` until ``/readyz`` answers, with the
    phrase cache in ``cache`` (``None``: a new empty directory under ``scratch``)."""
    directory = cache or Path(tempfile.mkdtemp(dir=scratch))
    port = free_port()
    command = omnibot("run", str(bot_dir), "--port", str(port))
    env = clean_env(OMNIBOT_CACHE_DIR=str(directory))
    return ready_seconds(command, f"http://127.0.0.1:{port}/readyz", env)[0]


def quantiles(values: Sequence[float]) -> tuple[float, float]:
    """The median and the 90th percentile."""
    return statistics.median(values), statistics.quantiles(values, n=10)[8]


def message_table(costs: Costs) -> list[str]:
    off_median = statistics.median(costs.off)
    decided = len(costs.lexical) + len(costs.semantic)
    rows = [
        ("semantic off (words only)", costs.off),
        ("semantic on, all messages", costs.lexical + costs.semantic),
        ("semantic on, the lexical stage sure", costs.lexical),
        ("semantic on, decided by the semantic stage", costs.semantic),
        ("semantic on, the same text again (remembered)", costs.remembered),
    ]
    lines = [
        "| `Matcher.decide`, one message | messages | median ms | p90 ms | median / off |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in rows:
        median, p90 = quantiles(values)
        ratio = median / off_median
        lines.append(f"| {name} | {len(values)} | {median:.3f} | {p90:.3f} | {ratio:.2f} |")
    share = len(costs.semantic) / decided
    lines += ["", f"- share of messages that went to the semantic stage: **{share:.0%}**"]
    return lines


def turn_lines(offs: Sequence[float], ons: Sequence[float], turns: int) -> list[str]:
    off, on = statistics.median(offs), statistics.median(ons)
    pairs = ", ".join(f"({a:.0f}, {b:.0f})" for a, b in zip(offs, ons, strict=True))
    return [
        "| full turn in process, 30 % never-seen messages | turns/s | ratio to off |",
        "|---|---:|---:|",
        f"| semantic off | {off:.0f} | 1.00 |",
        f"| semantic on | {on:.0f} | **{on / off:.2f}** |",
        "",
        f"- {turns} turns a run, {CONCURRENCY} customers at a time; pairs (off, on): {pairs}",
        f"- what a never-seen message adds to its turn, from the medians: "
        f"**{(1 / on - 1 / off) * 1000 / (len(FRESH) / 10):.1f} ms**",
    ]


def start_lines(what: str, off: list[float], warm: list[float], cold: list[float]) -> list[str]:
    base = statistics.median(off)
    lines = [f"| {what} | median s | min to max | ratio to off |", "|---|---:|---:|---:|"]
    labelled = (
        ("semantic off", off),
        ("semantic on, warm phrase cache", warm),
        ("semantic on, cold phrase cache", cold),
    )
    for label, values in labelled:
        median = statistics.median(values)
        spread = f"{min(values):.3f} to {max(values):.3f}"
        lines.append(f"| {label} | {median:.3f} | {spread} | {median / base:.2f} |")
    return lines


async def turn_pairs(
    bots: Bots, said: Sequence[Phrase], turns: int, pairs: int
) -> tuple[list[float], list[float]]:
    """Turns per second with semantic off and on, ``pairs`` times in turn, on the same mix
    within a pair (a new one each pair)."""
    offs: list[float] = []
    ons: list[float] = []
    for pair in range(pairs):
        messages = mix(said, turns, pair * turns)
        offs.append(await turn_rate(bots.off, said, messages))
        ons.append(await turn_rate(bots.on, said, messages))
    return offs, ons


def starts(bots: Bots, runs: int, warm: Path, scratch: Path) -> list[str]:
    """The start-up tables: loading the flow set in this process, and ``omnibot run``."""
    loads = alternate(
        runs,
        partial(load_seconds, bots.off, warm, scratch),
        partial(load_seconds, bots.on, warm, scratch),
        partial(load_seconds, bots.on, None, scratch),
    )
    spawns = alternate(
        runs,
        partial(run_seconds, bots.off, warm, scratch),
        partial(run_seconds, bots.on, warm, scratch),
        partial(run_seconds, bots.on, None, scratch),
    )
    return [
        *start_lines("`load_flowset` of the example, in this process", *loads),
        "",
        *start_lines("`omnibot run` (web chat only), spawn to `/readyz` 200", *spawns),
    ]


def report(args: argparse.Namespace, command: str) -> str:
    said = phrases()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        bots, warm = copies(root), root / "warm-cache"
        with cache_at(warm):
            load(bots.on)
            costs = message_costs(bots, said, args.rounds)
            offs, ons = asyncio.run(turn_pairs(bots, said, args.turns, args.pairs))
            started = starts(bots, args.starts, warm, root)
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"# The semantic stage of understanding ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average at the end {load_average}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})",
        "",
        f"`{command}`",
        "",
        f"{len(said)} labelled phrases, {args.rounds} rounds:",
        "",
        *message_table(costs),
        "",
        *turn_lines(offs, ons, args.turns),
        "",
        *started,
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh passes over the phrases")
    parser.add_argument("--turns", type=int, default=2000, help="turns in each turn-mix run")
    parser.add_argument("--pairs", type=int, default=3, help="turn-mix runs, off then on")
    parser.add_argument("--starts", type=int, default=5, help="starts of each configuration")
    parser.add_argument(
        "--omp-threads",
        type=int,
        help="OMP_NUM_THREADS for the model (default: omnibot's, one thread)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if args.omp_threads:
        os.environ["OMP_NUM_THREADS"] = str(args.omp_threads)
    given = sys.argv[1:] if argv is None else argv
    text = report(args, shlex.join(["python", "-m", "bench.understanding_bench", *given]))
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "understanding.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
