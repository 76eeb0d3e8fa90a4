"""The tests' own Redis: when none answers, the suite starts one on loopback and stops it; and
the three-node Redis Cluster it starts for the cluster tests."""

from __future__ import annotations

import pytest
from redis.asyncio.cluster import RedisCluster

from memory.redis.connection import close, connect
from tests.redis_cluster import MASTERS
from tests.redis_server import answers, find_or_start, free_port, start_redis


def test_the_suite_can_start_and_stop_its_own_redis() -> None:
    started = start_redis()
    try:
        assert started.url.startswith("redis://127.0.0.1:")
        assert answers(started.url)
    finally:
        started.stop()
    assert started.process.poll() is not None
    assert not answers(started.url)


def test_a_configured_redis_that_does_not_answer_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("OMNIBOT_TEST_REDIS_URL", dead)
    with pytest.raises(RuntimeError, match="does not answer"):
        find_or_start()


async def test_the_suites_cluster_has_three_primaries_serving_every_slot(
    redis_cluster_url: str,
) -> None:
    client = connect(redis_cluster_url)
    assert isinstance(client, RedisCluster)
    try:
        await client.initialize()
        primaries = client.get_primaries()
        assert len(primaries) == MASTERS
        assert {node.host for node in primaries} == {"127.0.0.1"}
        for node in primaries:
            info = await client.cluster_info(target_nodes=node)
            assert info["cluster_state"] == "ok"
            assert int(info["cluster_slots_assigned"]) == 16384
    finally:
        await close(client)
