"""The turn-commands bench's machinery in a tiny run: both modes run every turn and the report
has its figures. No timing is asserted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.pipeline_bench import Load
from bench.turn_commands_bench import one_run
from memory.redis.records import DEFAULT_SIZE
from tests.redis_server import StartedRedis, start_redis


@pytest.fixture
def private_redis() -> Iterator[StartedRedis]:
    server = start_redis()
    yield server
    server.stop()


@pytest.mark.parametrize("records", [DEFAULT_SIZE, 0])
async def test_a_tiny_run_counts_commands_and_round_trips(
    private_redis: StartedRedis, records: int
) -> None:
    run = await one_run(private_redis.url, Load(customers=8, turns=64, concurrency=2), records)
    assert 0 < run.trips <= 3
    assert 0 < run.commands <= 19
    assert run.cpu_ms > 0
    assert run.rate > 0
