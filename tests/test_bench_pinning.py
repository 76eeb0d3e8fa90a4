"""Where the benchmark pins its processes (bench/pinning.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench import pinning


def test_on_two_cores_one_worker_has_a_core_the_load_generator_does_not_use() -> None:
    plan = pinning.plan(1, [0, 1])
    assert plan.load == {1}
    assert plan.workers == (frozenset({0}),)
    assert "own" in plan.note


def test_on_two_cores_the_second_worker_shares_the_load_generators_core_and_says_so() -> None:
    plan = pinning.plan(2, [0, 1])
    assert plan.load == {1}
    assert plan.workers == (frozenset({0}), frozenset({1}))
    assert "shares the load generator's core" in plan.note


def test_with_more_cores_every_worker_has_its_own_apart_from_the_load_generator() -> None:
    plan = pinning.plan(2, [0, 1, 2, 3])
    assert plan.load == {3}
    assert set().union(*plan.workers).isdisjoint(plan.load)
    assert len(set(plan.workers)) == 2


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_pinning_reaches_every_thread_of_a_process_and_unpinning_frees_them() -> None:
    code = "import threading, time; threading.Thread(target=time.sleep, args=(30,)).start(); "
    code += "print('up', flush=True); time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "up\n"
        threads = pinning.threads(child.pid)
        assert len(threads) == 2
        core = frozenset(pinning.cores()[:1])
        pinning.pin([child.pid], core)
        assert all(os.sched_getaffinity(thread) == core for thread in threads)
        pinning.unpin([child.pid])
        assert all(len(os.sched_getaffinity(thread)) > 1 for thread in threads)
    finally:
        child.terminate()
        child.communicate(timeout=10)
