"""The tests' own Redis: when none answers, the suite starts one on loopback and stops it."""

from __future__ import annotations

import pytest

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
