"""How soon ``omnibot run`` serves, against the floor, in real processes.

    python -m bench.startup_bench [--runs 5] [--out bench/results]

Each configuration is timed from spawning ``omnibot run`` of the example store bot until
``GET /readyz`` answers 200 (the memory answers and every route is mounted): only the web
chat on; every channel on (Telegram webhook, Slack, SMS, web chat, agents), embedded memory;
every channel on with Redis and two workers (until the first worker is ready). Vendor API
bases point at a closed loopback port, so nothing leaves the machine and nothing at start
waits on a vendor. The floor is :mod:`bench.telegram_floor` (an aiohttp app on uvloop with a
Redis client) timed from spawn to ``/healthz``, in the same run, alternating with omnibot,
because this shared machine's speed moves between runs. Then what importing each part costs,
each in a fresh interpreter, against an interpreter that imports nothing.

The table is printed and written to ``OUT/startup.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from tests.redis_server import find_or_start, free_port
from tests.server_process import ROOT, clean_env, example_copy, omnibot, wipe

CLOSED = "http://127.0.0.1:9"
"""A loopback port nothing listens on: the vendor APIs' base for every channel."""
EVERY_CHANNEL = {
    "TELEGRAM_BOT_TOKEN": "123456:bench-token",
    "TELEGRAM_WEBHOOK_SECRET": "bench-secret",
    "TELEGRAM_API_BASE": CLOSED,
    "SLACK_BOT_TOKEN": "xoxb-1-2-bench",
    "SLACK_SIGNING_SECRET": "bench-signing-secret",
    "SLACK_API_BASE": f"{CLOSED}/api/",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "bench-auth-token",
    "TWILIO_FROM_NUMBER": "+15005550006",
    "TWILIO_API_BASE": CLOSED,
    "OMNIBOT_AGENT_TOKENS": "ana:bench-agent-token-0123456789abcdefghij",
}
CHANNELS = ("webchat", "telegram", "slack", "sms")
PARTS = {
    "the core (bot.cli)": "bot.app.cli",
    "web chat connector": "connectors.webchat.connector",
    "Telegram connector": "connectors.telegram.connector",
    "Slack connector": "connectors.slack.connector",
    "SMS connector (Twilio)": "connectors.sms.connector",
    "Redis memory": "memory.redis.store",
}
DEADLINE = 60.0
"""Seconds a start may take before the bench gives up on it: far beyond any start seen."""


@dataclass(frozen=True)
class Config:
    """One way of starting: its name, extra command-line arguments and environment."""

    name: str
    args: tuple[str, ...]
    env: Mapping[str, str]
    channels: tuple[str, ...] = CHANNELS


def ready_seconds(
    command: list[str], url: str, env: Mapping[str, str], printed: str = ""
) -> tuple[float, str]:
    """Seconds from spawning ``command`` until ``url`` answers 200, and what the process
    printed by the time a line starting with ``printed`` came too (with two workers, the one
    that prints the banner need not be the first to answer); it is stopped by its PID."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    lines: list[str] = []
    reader = threading.Thread(target=_collect, args=(process, lines), daemon=True)
    reader.start()
    try:
        seconds = _until_ready(process, url, started)
        while printed and not any(line.lstrip().startswith(printed) for line in lines):
            if time.monotonic() - started > DEADLINE or process.poll() is not None:
                raise RuntimeError(f"{command!r} never printed {printed!r}:\n{''.join(lines)}")
            time.sleep(0.01)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(30)
    return seconds, "".join(lines)


def _collect(process: subprocess.Popen[bytes], lines: list[str]) -> None:
    assert process.stdout is not None
    with process.stdout:
        for line in process.stdout:
            lines.append(line.decode(errors="replace"))


def _until_ready(process: subprocess.Popen[bytes], url: str, started: float) -> float:
    while time.monotonic() - started < DEADLINE:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} before ready")
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=1) as response,
        ):
            if response.status == 200:
                return time.monotonic() - started
        time.sleep(0.005)
    raise RuntimeError(f"{url} not ready {DEADLINE:g} s after start")


def omnibot_start(bot_dir: Path, config: Config) -> float:
    """One start of ``omnibot run`` in ``config``; fails if a channel it should have on is
    not (a renamed variable would otherwise make the bench time less than it says)."""
    port = free_port()
    command = omnibot("run", str(bot_dir), "--port", str(port), *config.args)
    url = f"http://127.0.0.1:{port}/readyz"
    seconds, banner = ready_seconds(command, url, config.env, printed="health")
    if channels_on(banner) != set(config.channels):
        raise RuntimeError(f"{config.name}: not the channels expected on:\n{banner}")
    return seconds


def channels_on(banner: str) -> set[str]:
    """The channels the start banner says are on (``channels  webchat   on   http://...``)."""
    on = set()
    for line in banner.splitlines():
        words = line.split()
        if words[:1] == ["channels"]:
            words = words[1:]
        if len(words) >= 2 and words[0] in CHANNELS and words[1] == "on":
            on.add(words[0])
    return on


def floor_start(redis_url: str) -> float:
    """One start of the floor app."""
    port = free_port()
    command = [sys.executable, "-m", "bench.telegram_floor", str(port), redis_url, CLOSED, "t"]
    return ready_seconds(command, f"http://127.0.0.1:{port}/healthz", clean_env())[0]


def import_seconds(module: str | None) -> float:
    """Wall time of a fresh interpreter that imports ``module`` (or nothing)."""
    code = f"import {module}" if module else "pass"
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.monotonic() - started


def alternate(runs: int, *measures: Callable[[], float]) -> list[list[float]]:
    """Each measure ``runs`` times, taken in turn, so that a slow moment of the machine falls
    on all of them alike."""
    results: list[list[float]] = [[] for _ in measures]
    for _ in range(runs):
        for index, measure in enumerate(measures):
            results[index].append(measure())
    return results


@contextlib.contextmanager
def redis() -> Iterator[str]:
    """A Redis URL for the run: the tests' (127.0.0.1:6379 when it answers) or one started."""
    url, started = find_or_start()
    try:
        yield url
    finally:
        if started is not None:
            started.stop()


def configs(redis_url: str) -> list[Config]:
    every = clean_env(**EVERY_CHANNEL)
    return [
        Config("web chat only, embedded memory", (), clean_env(), ("webchat",)),
        Config("every channel, embedded memory", (), every),
        Config(
            "every channel, Redis, 2 workers (first ready)",
            ("--workers", "2"),
            {**every, "OMNIBOT_REDIS_URL": redis_url},
        ),
    ]


def row(name: str, seconds: list[float], floor: float | None = None) -> str:
    median = statistics.median(seconds)
    ratio = f"{median / floor:.2f}" if floor else "1.00"
    spread = f"{min(seconds):.2f} to {max(seconds):.2f}"
    return f"| {name} | **{median:.2f} s** | {spread} | {ratio} |"


def report(runs: int, redis_url: str, bot_dir: Path) -> str:
    floor, *starts = alternate(
        runs,
        partial(floor_start, redis_url),
        *(partial(omnibot_start, bot_dir, config) for config in configs(redis_url)),
    )
    base = statistics.median(floor)
    lines = [
        f"# `omnibot run` start-up ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {runs} runs each)",
        "",
        "| spawn to ready | median | min to max | ratio to floor |",
        "|---|---:|---:|---:|",
        row("floor: aiohttp app on uvloop with a Redis client", floor),
        *(row(c.name, s, base) for c, s in zip(configs(redis_url), starts, strict=True)),
    ]
    importers = (partial(import_seconds, module) for module in PARTS.values())
    nothing, *parts = alternate(runs, partial(import_seconds, None), *importers)
    empty = statistics.median(nothing)
    lines += ["", "| import, in a fresh interpreter | median | beyond an empty interpreter |"]
    lines += ["|---|---:|---:|", f"| nothing | {empty:.2f} s | |"]
    for name, seconds in zip(PARTS, parts, strict=True):
        median = statistics.median(seconds)
        lines.append(f"| {name} | {median:.2f} s | {median - empty:+.2f} s |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="starts of each configuration")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    namespace = f"bench-startup-{os.getpid()}"
    with redis() as url, tempfile.TemporaryDirectory() as scratch:
        bot_dir = example_copy(Path(scratch), namespace)
        try:
            text = report(args.runs, url, bot_dir)
        finally:
            asyncio.run(wipe(url, namespace))
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "startup.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
