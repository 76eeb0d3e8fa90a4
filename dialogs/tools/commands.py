"""The designer's tools behind ``omnibot validate``, ``test``, ``chat`` and ``schema``.

Each returns an exit status and writes what a person reads: problems as ``file:line:col:
message`` lines, test results with a diff, a conversation in the terminal. ``test`` and ``chat``
run the bot in process, in sandboxes the composition root makes (``sandboxes``, see
:func:`bot.app.compose.sandbox`).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TextIO

from bot.app.config import BotConfig, load_bot_config
from bot.errors import ConfigError
from bot.identity.link_codes import LinkPolicy
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import load_flowset
from dialogs.nlu.explanation import Understood
from dialogs.tools.chat import HELP, hold_chat
from dialogs.tools.editor_schema import flows_schema, tests_schema
from dialogs.tools.sandbox import OpenSandbox
from dialogs.tools.testing import (
    Result,
    Suite,
    chosen_channels,
    load_tests,
    run_suites,
    start_problems,
)


def _load(bot_dir: Path, out: TextIO) -> tuple[BotConfig, FlowSet] | None:
    try:
        config = load_bot_config(bot_dir)
        return config, load_flowset(bot_dir, config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=out)
        return None


def validate(bot_dir: Path, out: TextIO = sys.stdout) -> int:
    """Check a bot folder; exit 1 with one ``file:line:col: message`` line per problem."""
    loaded = _load(bot_dir, out)
    suites, test_problems = load_tests(bot_dir)
    if loaded is not None:
        test_problems += start_problems(suites, loaded[1])
    for problem in test_problems:
        print(problem, file=out)
    if loaded is None or test_problems:
        return 1
    config, flowset = loaded
    for warning in flowset.warnings:
        print(warning, file=out)
    tests = sum(len(suite.tests) for suite in suites)
    print(
        f"{bot_dir}: {config.name!r} is valid: {len(flowset.flows)} flows, "
        f"{len(flowset.slots)} slots, {len(flowset.faqs)} FAQs, {tests} conversation tests",
        file=out,
    )
    return 0


def run_tests(
    bot_dir: Path, channel: str = "all", out: TextIO = sys.stdout, *, sandboxes: OpenSandbox
) -> int:
    """Run the conversation tests; exit 1 on any failure, each shown with a diff."""
    loaded = _load(bot_dir, out)
    suites, problems = load_tests(bot_dir)
    if loaded is not None:
        problems += start_problems(suites, loaded[1])
    for problem in problems:
        print(problem, file=out)
    if loaded is None or problems:
        return 1
    config, flowset = loaded
    if not suites:
        print(f"{bot_dir}: no conversation tests in {bot_dir / 'tests'}", file=out)
        return 1
    linking = config.linking.policy()
    results = asyncio.run(_run(flowset, suites, chosen_channels(channel), linking, sandboxes))
    failed = [result for result in results if result.failure]
    for result in results:
        print(f"{'FAIL' if result.failure else 'ok  '}  {result.test} [{result.channel}]", file=out)
    for result in failed:
        print(f"\n{result.failure}", file=out)
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed", file=out)
    return 1 if failed or not results else 0


async def _run(
    flowset: FlowSet,
    suites: list[Suite],
    channels: list[str],
    linking: LinkPolicy,
    sandboxes: OpenSandbox,
) -> list[Result]:
    try:
        return await run_suites(flowset, suites, channels, linking, sandboxes=sandboxes)
    finally:
        await flowset.actions.aclose()


def schema(tests: bool = False, out: TextIO = sys.stdout) -> int:
    """Print the JSON Schema of flows files (or of tests files) for editors."""
    document = tests_schema() if tests else flows_schema()
    print(json.dumps(document, indent=2, ensure_ascii=False), file=out)
    return 0


def chat(
    bot_dir: Path,
    channel: str = "webchat",
    out: TextIO = sys.stdout,
    *,
    sandboxes: OpenSandbox,
    explain: bool = False,
) -> int:
    """Talk to the bot in the terminal, as a customer on ``channel`` would see it
    (:mod:`dialogs.tools.chat`: waits fire by the real clock, ``/event`` sends a business
    event); with ``explain``, each answer comes after a ``why>`` line saying what the message
    was understood as."""
    loaded = _load(bot_dir, out)
    if loaded is None:
        return 1
    config, flowset = loaded
    heard: list[Understood] | None = [] if explain else None
    if heard is not None:
        flowset.explain = heard.append
    article = "an" if channel[0] in "aeiou" else "a"
    print(
        f"Talking to {config.name!r} as {article} {channel} customer. {HELP}",
        file=out,
    )
    asyncio.run(_chat(flowset, channel, out, sandboxes, config.linking.policy(), heard))
    return 0


async def _chat(
    flowset: FlowSet,
    channel: str,
    out: TextIO,
    sandboxes: OpenSandbox,
    linking: LinkPolicy,
    heard: list[Understood] | None,
) -> None:
    try:
        await hold_chat(sandboxes(flowset, linking, (channel,)), channel, out, heard)
    finally:
        await flowset.actions.aclose()


def evaluate(bot_dir: Path, file: Path | None = None, out: TextIO = sys.stdout) -> int:
    """Measure how well the bot understands its labelled phrases (``tests/understanding.yaml``
    or ``file``); exit 1 under the thresholds of bot.yaml's ``understanding:``."""
    from dialogs.tools.evaluation import evaluate as measure
    from dialogs.tools.evaluation import report, shortfalls
    from dialogs.tools.labelled import FILE, LabelsError, load_labelled

    loaded = _load(bot_dir, out)
    if loaded is None:
        return 1
    config, flowset = loaded
    path = file or bot_dir / FILE
    try:
        labelled = load_labelled(path, flowset)
    except LabelsError as exc:
        for problem in exc.problems:
            print(problem, file=out)
        return 1
    evaluation = measure(flowset, labelled)
    print(f"{path}: how {config.name!r} understands", file=out)
    for line in report(evaluation):
        print(line, file=out)
    failed = shortfalls(evaluation, config.understanding)
    for problem in failed:
        print(f"below the bot's thresholds: {problem}", file=out)
    if not failed:
        print("\nthe bot's thresholds (understanding: in bot.yaml) are met", file=out)
    return 1 if failed else 0


def graph(bot_dir: Path, fmt: str = "mermaid", out: TextIO = sys.stdout) -> int:
    """Draw the flows as Mermaid, DOT, or SVG (SVG needs Graphviz's ``dot``)."""
    from dialogs.tools.graph import GraphvizFailed, GraphvizMissing, draw

    loaded = _load(bot_dir, out)
    if loaded is None:
        return 1
    try:
        print(draw(loaded[1], fmt), file=out)
    except (GraphvizMissing, GraphvizFailed) as exc:
        print(f"omnibot graph: {exc}", file=sys.stderr)
        return 2
    return 0
