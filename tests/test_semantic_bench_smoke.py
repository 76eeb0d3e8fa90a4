"""The semantic bench's machinery in a tiny run: every way of running the model answers every
customer and the report has a number in every cell. No timing is asserted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import semantic_bench


@pytest.mark.slow
def test_a_tiny_run_answers_every_customer_and_fills_the_table(tmp_path: Path) -> None:
    argv = ["--turns", "20", "--latency-turns", "20", "--pairs", "1", "--rate", "20"]
    assert semantic_bench.main([*argv, "--out", str(tmp_path)]) == 0
    report = (tmp_path / "semantic.md").read_text()
    header, *rows = [line for line in report.splitlines() if line.startswith("| ")]
    assert "known p99 ms" in header
    assert [row.split("|")[1].strip() for row in rows] == list(semantic_bench.WAYS)
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
        assert all(re.fullmatch(r"\d+(\.\d+)?", cell) for cell in cells), row
