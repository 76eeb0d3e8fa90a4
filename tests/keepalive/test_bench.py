"""The HTTP client benchmark, in a tiny run: both servers start, every client answers right."""

from __future__ import annotations

from pathlib import Path

from bench import http_client_bench


def test_the_http_client_bench_measures_each_client_over_http_and_tls(tmp_path: Path) -> None:
    http_client_bench.main(["--calls", "40", "--rounds", "2", "--out", str(tmp_path)])
    report = (tmp_path / "http_client.md").read_text()
    for transport in ("http", "https"):
        for client in ("aiohttp", "keepalive"):
            assert f"| {transport} | {client} |" in report
