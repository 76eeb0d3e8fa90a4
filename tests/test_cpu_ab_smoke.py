"""The CPU A/B bench's machinery, in a tiny run of this checkout against itself: both servers
start from their tree, every webhook's reply reaches the stub once, each round measures both,
and the profiled loop counts calls. No timing is asserted."""

from __future__ import annotations

import math
import pstats
from pathlib import Path

import pytest

from bench import cpu_ab
from tests.server_process import ROOT


@pytest.mark.slow
async def test_a_tiny_ab_run_measures_both_servers_every_round_and_counts_calls(
    tmp_path: Path,
) -> None:
    load = cpu_ab.Load(customers=16, concurrency=4, seconds=0.5, rounds=2, warmup=0.3)
    base, new, driver = await cpu_ab.bench(ROOT, ROOT, load, stats=tmp_path)

    assert (driver.unexpected, driver.refused, driver.pending) == (0, 0, 0), driver.strays
    for side in (base, new):
        assert len(side.peaks) == len(side.samples) == load.rounds
        assert all(sample.turns > 0 and sample.cpu > 0 for sample in side.samples)
        assert side.stats is not None
        assert side.stats.stat().st_size > 0
        assert side.calls_per_turn > 0
        profiled = pstats.Stats(str(side.stats)).stats  # type: ignore[attr-defined]
        assert any(file.endswith("bot/turn/pipeline.py") for file, _, _ in profiled)
    assert load.rate > 0

    report = cpu_ab.report(base, new, driver, load)
    rows = [line for line in report.splitlines() if line.startswith("| ") and "round" not in line]
    rounds = [row for row in rows if row.split("|")[1].strip().isdigit()]
    assert len(rounds) == load.rounds
    for row in rounds:
        cells = [float(cell) for cell in row.strip("|").split("|")]
        assert all(not math.isnan(cell) and cell > 0 for cell in cells), row


def test_each_server_gets_its_own_database_of_the_one_redis() -> None:
    assert cpu_ab._db("redis://127.0.0.1:6390/0", 2) == "redis://127.0.0.1:6390/2"
    assert cpu_ab._db("redis://127.0.0.1:6390", 1) == "redis://127.0.0.1:6390/1"
