"""The Telegram benchmark's machinery, in a tiny run: every process starts, every webhook's
reply reaches the stub exactly once, and the report has a number in every column. No timing
is asserted."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import scheduler_bench, startup_bench, whatsapp_parse_bench
from bench.report import verdicts, write
from bench.telegram_bench import Load, bench

COLUMNS = (
    "turns/s (peak)",
    "ratio to floor",
    "offered at half peak",
    "p50 ms",
    "p99 ms",
    "CPU ms/turn",
    "memory round trips/turn",
    "Redis commands/turn",
    "of which scripts",
)
RUNS = 5
"""Floor, Telegram, WhatsApp, and the pinned runs of one and two workers."""


@pytest.mark.slow
async def test_a_tiny_run_matches_every_reply_and_gives_a_verdict_on_every_target(
    redis_url: str, tmp_path: Path
) -> None:
    load = Load(
        customers=24,
        concurrency=8,
        seconds=0.5,
        pairs=1,
        fractions=(0.5,),
        long_customers=4,
        long_turns=10,
        memory_sample=10,
        starts=1,
        fresh=200,
        semantic_sample=5,
    )
    results = await bench(load, redis_url, cache=tmp_path / "cache")

    assert set(results.checks.values()) == {0}, (results.checks, results.strays)
    for run in results.runs():
        for phase in run.phases:
            assert phase.sent == len(phase.arrivals) == len(phase.latencies) > 0
    assert len(results.runs()) == RUNS
    assert [len(turn) for turn in results.long] == [4] * 10
    assert results.bytes_no_transcript > 0
    assert results.fresh_sent > 0
    assert set(results.starts[0].routes) == {
        "web chat",
        "Telegram",
        "Slack",
        "SMS (Twilio)",
        "WhatsApp Cloud",
        "WhatsApp (Twilio)",
        "e-mail",
    }
    assert all(not math.isnan(verdict.measured) for verdict in verdicts(results))
    for bot in (*results.bots, *results.whatsapp):  # each turn's three, by name
        assert {"enqueue", "commit", "release"} <= set(bot.trips_by_operation), bot.name
        assert bot.trips_per_turn == sum(bot.trips_by_operation.values())

    report = write(results, tmp_path, ["--tiny"])
    [header] = [line for line in report.splitlines() if line.startswith("| run ")]
    assert all(column in header for column in COLUMNS)
    table = report.split(header)[1].split("\n\n")[0].splitlines()[2:]
    assert len(table) == RUNS
    for row in table:
        cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
        assert len(cells) == len(COLUMNS)
        assert all(not math.isnan(float(cell)) for cell in cells), row
    assert (tmp_path / "telegram.md").read_text() == report
    assert (tmp_path / "latency.png").stat().st_size > 0


@pytest.mark.slow
def test_the_startup_bench_starts_every_configuration_with_its_channels_on(
    tmp_path: Path,
) -> None:
    assert startup_bench.main(["--runs", "1", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "startup.md").read_text()
    for config in startup_bench.configs("redis://127.0.0.1:6379/0"):
        assert f"| {config.name} | " in table
    for part in startup_bench.PARTS:
        assert f"| {part} | " in table


def test_the_whatsapp_parse_bench_times_every_update(capsys: pytest.CaptureFixture[str]) -> None:
    assert whatsapp_parse_bench.main(["--rounds", "1", "--number", "5"]) == 0
    table = capsys.readouterr().out
    for name in whatsapp_parse_bench.bodies():
        [row] = [line for line in table.splitlines() if line.startswith(f"| {name} |")]
        cells = [cell.strip(" *") for cell in row.strip("|").split("|")[1:]]
        assert all(float(cell) > 0 for cell in cells), row


def test_the_startup_bench_reads_which_channels_the_banner_says_are_on() -> None:
    banner = (
        "  channels  webchat   on   http://127.0.0.1:8080/chat\n"
        "            telegram  off (set TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET)\n"
        "            slack     on   http://127.0.0.1:8080/slack/events\n"
        "  agents    http://127.0.0.1:8080/agent\n"
    )
    assert startup_bench.channels_on(banner) == {"webchat", "slack"}


@pytest.mark.slow
async def test_a_tiny_scheduler_run_fires_every_item_once_and_fills_the_report(
    redis_url: str,
) -> None:
    load = scheduler_bench.Load(items=300, customers=30, workers=2, runtime_items=60, pairs=1)
    results = await scheduler_bench.bench(load, redis_url, idle_seconds=0.5)
    assert results.runtime_once == load.runtime_items
    assert results.floors[0] > 0
    assert results.schedules[0] > 0
    assert results.check_commands > 0
    report = scheduler_bench.report(results)
    assert "items/s" in report
    assert "Redis memory per pending item" in report


async def test_the_insights_write_once_a_conversation_and_close_every_one() -> None:
    from bench import insights_bench

    without, with_them = await insights_bench.measure(customers=30, each=4)
    assert with_them["writes_per_turn"] == 0.25  # the first of four messages; the rest write none
    assert without["writes_per_turn"] == 0
    assert with_them["open_left"] == 0  # every conversation was closed by its idle check
    assert with_them["day_hash_fields_closed"] > with_them["day_hash_fields"]
