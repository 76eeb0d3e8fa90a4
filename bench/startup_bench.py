"""How soon ``omnibot run`` serves, against the floor, in real processes.

    python -m bench.startup_bench [--runs 5] [--out bench/results]

Each configuration is timed from spawning ``omnibot run`` of the example store bot until
``GET /healthz`` answers 200, then ``GET /readyz`` (the memory answers), then one inbound route
of every channel that is on answers an unsigned request (a 4xx refusal is an answer; 404 or a
5xx is not): only the web chat on; every channel on (Telegram webhook, Slack, SMS, WhatsApp
through the Cloud API and through Twilio, e-mail, web chat, agents), embedded memory; every
channel on with Redis and two workers (the banner is printed once both serve). Vendor API
bases point at a closed loopback port and the SMTP server at one too, so nothing leaves the
machine and nothing at start waits on a vendor. The floor is :mod:`bench.telegram_floor` (an
aiohttp app on uvloop with a Redis client) timed from spawn to ``/healthz``, in the same run,
alternating with omnibot, because this shared machine's speed moves between runs. Then what
importing each part costs, each in a fresh interpreter, against an interpreter that imports
nothing.

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
from typing import TypeVar

from tests.redis_server import find_or_start, free_port
from tests.server_process import ROOT, clean_env, example_copy, omnibot, wipe

T = TypeVar("T")
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
    "WHATSAPP_ACCESS_TOKEN": "bench-graph-token",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_APP_SECRET": "bench-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "bench-verify-token",
    "WHATSAPP_API_BASE": CLOSED,
    "TWILIO_WHATSAPP_FROM": "whatsapp:+15005550006",
    "EMAIL_SMTP_URL": "smtp://127.0.0.1:9",
    "EMAIL_FROM": "shop@example.com",
    "EMAIL_INBOUND_TOKEN": "bench-inbound-token-0123456789abcdef",
    "EMAIL_TRUSTED_AUTHSERV_ID": "mx.example.com",
    "OMNIBOT_AGENT_TOKENS": "ana:bench-agent-token-0123456789abcdefghij",
}
CHANNELS = ("webchat", "telegram", "slack", "sms", "whatsapp", "email")
ROUTES = (
    ("webchat", "GET", "/chat"),
    ("telegram", "POST", "/telegram/webhook"),
    ("slack", "POST", "/slack/events"),
    ("sms", "POST", "/sms/twilio"),
    ("whatsapp", "POST", "/whatsapp/webhook"),
    ("whatsapp", "POST", "/whatsapp/twilio"),
    ("email", "POST", "/email/inbound"),
)
"""One inbound route of each channel, asked without credentials: it answers once the channel is
mounted and its handler runs (a refusal, 4xx, is an answer; 404 or 5xx is not)."""
PARTS = {
    "the core (bot.cli)": "bot.app.cli",
    "web chat connector": "connectors.webchat.connector",
    "Telegram connector": "connectors.telegram.connector",
    "Slack connector": "connectors.slack.connector",
    "SMS connector (Twilio)": "connectors.sms.connector",
    "WhatsApp Cloud connector": "connectors.whatsapp.cloud.connector",
    "WhatsApp Twilio connector": "connectors.whatsapp.twilio.connector",
    "e-mail connector": "connectors.email.connector",
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


@dataclass(frozen=True)
class Start:
    """Seconds from spawn until each milestone of one start."""

    healthz: float
    readyz: float
    routes: float


def start_seconds(
    command: list[str], base: str, config: Config, printed: str = ""
) -> tuple[Start, str]:
    """One start of ``command`` serving at ``base``: seconds from spawning it until
    ``/healthz`` answers 200, then ``/readyz``, then the route in :data:`ROUTES` of every
    channel of ``config``; and what the process printed by the time a line starting with
    ``printed`` came too. It is stopped by its PID."""
    routes = [(method, path) for channel, method, path in ROUTES if channel in config.channels]
    with spawned(command, config.env) as (process, lines, started):
        healthz = _until_ready(process, f"{base}/healthz", started)
        readyz = _until_ready(process, f"{base}/readyz", started)
        answered = _until_routes(process, base, routes, started)
        _until_printed(process, lines, printed, started)
        return Start(healthz, readyz, answered), "".join(lines)


def ready_seconds(command: list[str], url: str, env: Mapping[str, str]) -> tuple[float, str]:
    """Seconds from spawning ``command`` until ``url`` answers 200, and what it printed by
    then (:mod:`bench.understanding_bench` times its starts with it too)."""
    with spawned(command, env) as (process, lines, started):
        return _until_ready(process, url, started), "".join(lines)


@contextlib.contextmanager
def spawned(
    command: list[str], env: Mapping[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], list[str], float]]:
    """``command`` running, its output collected line by line, and when it was spawned; then
    stopped by its PID."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    lines: list[str] = []
    reader = threading.Thread(target=_collect, args=(process, lines), daemon=True)
    reader.start()
    try:
        yield process, lines, started
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(30)


def _until_printed(
    process: subprocess.Popen[bytes], lines: list[str], printed: str, started: float
) -> None:
    while printed and not any(line.lstrip().startswith(printed) for line in lines):
        if time.monotonic() - started > DEADLINE or process.poll() is not None:
            raise RuntimeError(f"{process.args!r} never printed {printed!r}:\n{''.join(lines)}")
        time.sleep(0.01)


def _until_routes(
    process: subprocess.Popen[bytes], base: str, routes: list[tuple[str, str]], started: float
) -> float:
    """Seconds from spawn until every one of ``routes`` has answered once."""
    for method, path in routes:
        while _status(method, f"{base}{path}") in (None, 404) or process.poll() is not None:
            if time.monotonic() - started > DEADLINE or process.poll() is not None:
                raise RuntimeError(f"{method} {path} never answered")
            time.sleep(0.005)
    return time.monotonic() - started


def _status(method: str, url: str) -> int | None:
    """The status ``url`` answers an empty request with; ``None`` for no answer or a 5xx."""
    request = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError):
        return None
    return None if status >= 500 else status


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


def omnibot_start(bot_dir: Path, config: Config) -> Start:
    """One start of ``omnibot run`` in ``config``; fails if a channel it should have on is
    not (a renamed variable would otherwise make the bench time less than it says)."""
    port = free_port()
    command = omnibot("run", str(bot_dir), "--port", str(port), *config.args)
    start, banner = start_seconds(command, f"http://127.0.0.1:{port}", config, "health")
    if channels_on(banner) != set(config.channels):
        raise RuntimeError(f"{config.name}: not the channels expected on:\n{banner}")
    return start


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


def floor_start(redis_url: str) -> Start:
    """One start of the floor app (its one route is its health)."""
    port = free_port()
    command = [sys.executable, "-m", "bench.telegram_floor", str(port), redis_url, CLOSED, "t"]
    seconds = ready_seconds(command, f"http://127.0.0.1:{port}/healthz", clean_env())[0]
    return Start(seconds, seconds, seconds)


def import_seconds(module: str | None) -> float:
    """Wall time of a fresh interpreter that imports ``module`` (or nothing)."""
    code = f"import {module}" if module else "pass"
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.monotonic() - started


def alternate(runs: int, *measures: Callable[[], T]) -> list[list[T]]:
    """Each measure ``runs`` times, taken in turn, so that a slow moment of the machine falls
    on all of them alike."""
    results: list[list[T]] = [[] for _ in measures]
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
            "every channel, Redis, 2 workers (banner once both serve)",
            ("--workers", "2"),
            {**every, "OMNIBOT_REDIS_URL": redis_url},
        ),
    ]


def row(name: str, starts: list[Start], floor: float | None = None) -> str:
    cells = []
    for seconds in (
        [start.healthz for start in starts],
        [start.readyz for start in starts],
        [start.routes for start in starts],
    ):
        cells.append(f"{statistics.median(seconds):.2f} s ({min(seconds):.2f}-{max(seconds):.2f})")
    routes = statistics.median(start.routes for start in starts)
    ratio = f"{routes / floor:.2f}" if floor else "1.00"
    return f"| {name} | {' | '.join(cells)} | {ratio} |"


def report(runs: int, redis_url: str, bot_dir: Path) -> str:
    measures = (
        partial(floor_start, redis_url),
        *(partial(omnibot_start, bot_dir, config) for config in configs(redis_url)),
    )
    alternate(1, *measures)  # untimed: writes the bytecode (see compiled)
    floor, *starts = alternate(runs, *measures)
    base = statistics.median(start.healthz for start in floor)
    lines = [
        f"# `omnibot run` start-up ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {runs} runs each)",
        "",
        "Seconds from spawn, median (min-max); the ratio is to every route against the floor.",
        "",
        "| start | /healthz 200 | /readyz 200 | every channel's route | ratio to floor |",
        "|---|---:|---:|---:|---:|",
        row("floor: aiohttp app on uvloop with a Redis client", floor),
        *(row(c.name, s, base) for c, s in zip(configs(redis_url), starts, strict=True)),
    ]
    importers = [partial(import_seconds, module) for module in PARTS.values()]
    alternate(1, *importers)
    nothing, *parts = alternate(runs, partial(import_seconds, None), *importers)
    empty = statistics.median(nothing)
    lines += ["", "| import, in a fresh interpreter | median | beyond an empty interpreter |"]
    lines += ["|---|---:|---:|", f"| nothing | {empty:.2f} s | |"]
    for name, seconds in zip(PARTS, parts, strict=True):
        median = statistics.median(seconds)
        lines.append(f"| {name} | {median:.2f} s | {median - empty:+.2f} s |")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def compiled(scratch: str) -> Iterator[None]:
    """Every process the bench spawns keeps its bytecode under ``scratch``, as the image keeps
    its own (the Dockerfile compiles every module): a start is timed as deployed, not with
    every module compiled again, which is what ``PYTHONDONTWRITEBYTECODE`` in a development
    shell, or a virtual environment without ``.pyc`` files, would make it."""
    saved = dict(os.environ)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="starts of each configuration")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    namespace = f"bench-startup-{os.getpid()}"
    with redis() as url, tempfile.TemporaryDirectory() as scratch, compiled(scratch):
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
