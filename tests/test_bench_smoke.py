"""The Telegram benchmark's machinery, in a tiny run: every process starts, every webhook's
reply reaches the stub exactly once, and the report has a number in every column. No timing
is asserted."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import scheduler_bench, startup_bench, whatsapp_bench, whatsapp_parse_bench
from bench.telegram_bench import Load, bench, write

COLUMNS = (
    "turns/s (peak)",
    "ratio to floor",
    "offered at half peak",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "CPU ms/turn",
    "memory round trips/turn",
    "Redis commands/turn",
)


@pytest.mark.slow
async def test_a_tiny_run_matches_every_reply_and_fills_the_table(
    redis_url: str, tmp_path: Path
) -> None:
    load = Load(
        customers=24,
        concurrency=8,
        seconds=0.5,
        pairs=1,
        fractions=(0.5,),
        long_seconds=0.5,
        long_customers=10,
        memory_sample=10,
    )
    results = await bench(load, redis_url)

    assert set(results.checks.values()) == {0}, results.checks
    runs = [*results.floors, *results.bots, results.two_workers]
    for run in runs:
        assert run is not None
        for phase in (run.peak, *run.steps):
            assert phase.sent == len(phase.arrivals) == len(phase.latencies) > 0
    assert results.long is not None
    assert results.long.arrivals
    assert results.bytes_no_transcript > 0
    assert results.startup

    report = write(results, tmp_path)
    header, *rows = [line for line in report.splitlines() if line.startswith("| ")]
    assert all(column in header for column in COLUMNS)
    assert len(rows) == 3
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
        assert len(cells) == len(COLUMNS)
        assert all(not math.isnan(float(cell)) for cell in cells), row
    assert (tmp_path / "telegram.md").read_text() == report
    assert (tmp_path / "latency.png").stat().st_size > 0


@pytest.mark.slow
async def test_a_tiny_whatsapp_run_beside_telegram_matches_every_reply(
    redis_url: str, tmp_path: Path
) -> None:
    load = Load(customers=24, concurrency=8, seconds=0.5, pairs=1, fractions=(0.5,))
    results = await whatsapp_bench.bench(load, redis_url)

    assert set(results.checks.values()) == {0}, results.checks
    for run in (*results.telegram, *results.whatsapp):
        for phase in (run.peak, *run.steps):
            assert phase.sent == len(phase.arrivals) == len(phase.latencies) > 0
    turns = load.customers + sum(run.replies for run in results.whatsapp)
    assert results.graph_calls == {"messages": turns, "read": turns, "typing": turns}
    report = whatsapp_bench.write(results, tmp_path)
    rows = [line for line in report.splitlines() if line.startswith("| ")][1:]
    assert [row.split("|")[1].strip() for row in rows] == ["Telegram", "WhatsApp (Cloud API)"]
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
        assert all(not math.isnan(float(cell)) for cell in cells), row


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
