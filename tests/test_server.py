"""``omnibot run`` as a real process: health, readiness, metrics, workers and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import aiohttp

from tests.redis_server import free_port
from tests.server_process import EXAMPLE, ROOT, clean_env, omnibot, running, wait_for_workers
from tests.server_process import workers as workers_of


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.compile(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", re.MULTILINE)
    match = pattern.search(text)
    assert match, f"{name}{{{wanted}}} not in metrics"
    return float(match.group(1))


async def test_run_serves_health_readiness_and_metrics_then_stops_cleanly() -> None:
    with running(EXAMPLE) as server:
        assert server.banner[0].startswith("omnibot 0.1.0: serving 'Store'")
        assert any("embedded" in line for line in server.banner)
        channels = [line.split() for line in server.banner[3:7]]
        assert channels[0][:3] == ["channels", "webchat", "on"]
        assert channels[1] == [
            "telegram",
            "off",
            "(set",
            "TELEGRAM_BOT_TOKEN,",
            "TELEGRAM_WEBHOOK_SECRET)",
        ]
        agents = next(line for line in server.banner if line.strip().startswith("agents"))
        assert f"{server.url}/agent" in agents
        assert "nobody can sign in" in agents
        assert await get(f"{server.url}/healthz") == (200, '{"status": "ok"}')
        assert await get(f"{server.url}/readyz") == (200, '{"status": "ready"}')
        status, text = await get(f"{server.url}/metrics")
        assert status == 200
        assert "# TYPE omnibot_turns_total counter" in text
        assert metric(text, "omnibot_memory_round_trips_total", operation="ping") == 1
        assert server.stop() == 0


async def test_readiness_fails_while_redis_is_unreachable_but_liveness_holds() -> None:
    env = clean_env(OMNIBOT_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with running(EXAMPLE, env=env) as server:
        assert any("redis" in line for line in server.banner)
        assert (await get(f"{server.url}/healthz"))[0] == 200
        status, body = await get(f"{server.url}/readyz")
        assert status == 503
        assert '"status": "unavailable"' in body
        assert "redis ping failed" in body


def test_several_workers_without_redis_are_refused() -> None:
    result = subprocess.run(
        omnibot("run", str(EXAMPLE), "--workers", "2"),
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "OMNIBOT_REDIS_URL" in result.stderr


def test_a_broken_bot_yaml_is_reported_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "bot.yaml").write_text("name: Shop\nlangauges: [en]\n")
    result = subprocess.run(
        omnibot("run", str(tmp_path)),
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "bot.yaml:2:1: unknown key 'langauges' (did you mean 'languages'?)"
    )


def test_two_workers_refuse_a_broken_bot_folder_once(redis_url: str, tmp_path: Path) -> None:
    """The supervisor does not load the bot itself (that was a whole start before the workers'
    own): the first worker to find a problem tells it, and every worker stops."""
    shutil.copytree(EXAMPLE, tmp_path / "bot")
    flows = tmp_path / "bot" / "flows" / "main.yaml"
    flows.write_text(
        flows.read_text().replace("flows:\n", "flows:\n  broken: {steps: [{gto: x}]}\n", 1)
    )
    result = subprocess.run(
        omnibot("run", str(tmp_path / "bot"), "--workers", "2", "--port", str(free_port())),
        capture_output=True,
        text=True,
        env=clean_env(OMNIBOT_REDIS_URL=redis_url),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    problem = next(line for line in result.stderr.splitlines() if "main.yaml" in line)
    assert result.stderr.count(problem) == 1, result.stderr
    assert "omnibot 0.1.0: serving" not in result.stdout


async def test_two_workers_share_one_port_and_their_metrics(redis_url: str) -> None:
    env = clean_env(OMNIBOT_REDIS_URL=redis_url)
    with running(EXAMPLE, "--workers", "2", env=env) as server:
        workers = await wait_for_workers(server.process.pid, 2)
        assert len(workers) == 2
        for _ in range(10):
            assert (await get(f"{server.url}/readyz"))[0] == 200
        _, text = await get(f"{server.url}/metrics")
        assert metric(text, "omnibot_memory_round_trips_total", operation="ping") == 10
        assert server.stop() == 0
        assert [pid for pid in workers if alive(pid)] == []


async def test_the_banner_waits_for_every_worker_to_serve(redis_url: str) -> None:
    env = clean_env(OMNIBOT_REDIS_URL=redis_url)
    with running(EXAMPLE, "--workers", "2", env=env) as server:
        pids = workers_of(server.process.pid)
        assert len(pids) == 2
        assert listening(server.port, pids) == set(pids), "a worker had not bound the port yet"


async def test_a_crashed_worker_is_replaced(redis_url: str) -> None:
    env = clean_env(OMNIBOT_REDIS_URL=redis_url)
    with running(EXAMPLE, "--workers", "2", env=env) as server:
        first = await wait_for_workers(server.process.pid, 2)
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        current = first
        while time.monotonic() < deadline:
            current = workers_of(server.process.pid)
            if len(current) == 2 and first[0] not in current:
                break
            await asyncio.sleep(0.2)
        assert len(current) == 2
        assert first[0] not in current
        assert await served(f"{server.url}/healthz", deadline) == 200


async def served(url: str, deadline: float) -> int:
    """The status of ``url`` once a worker answers it (the replacement may still be starting
    and the dead one's queued connections are reset), failing at ``deadline``."""
    while True:
        try:
            return (await get(url))[0]
        except aiohttp.ClientConnectionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


def listening(port: int, pids: list[int]) -> set[int]:
    """Which of ``pids`` hold a socket listening on ``port`` (from /proc: the listening
    sockets' inodes, then whose file descriptors they are)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        for line in (Path("/proc/net") / table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
                inodes.add(f"socket:[{fields[9]}]")
    holders = set()
    for pid in pids:
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in inodes:
                    holders.add(pid)
    return holders


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
