"""What the benchmarks of a full turn share: a Redis of their own, the floor app, ``omnibot run``
of the example store bot in real processes, and the settings that turn each channel on against
the load generator's stubs (nothing leaves 127.0.0.1)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench import whatsapp_load as wa
from bench.telegram_load import SECRET, TOKEN
from tests.redis_server import StartedRedis, find_or_start, free_port, start_redis
from tests.server_process import EXAMPLE, ROOT, clean_env, example_copy, running

PUBLIC_URL = "https://bot.example"
PACING = "\nchannels:\n  whatsapp:\n    pacing:\n      throughput: 1000\n"
"""What the bench adds to its copy of ``bot.yaml``: WhatsApp's pacing would cap the run at
Meta's standard 80 messages a second; ``throughput`` goes to its ceiling, 1000, and the
per-customer pace stays as it is (3 at once, then one every 0.5 s), which the bench's many
customers never reach; both buckets are still taken from Redis on every message."""
CLOSED = "http://127.0.0.1:9"
"""A loopback port nothing listens on: the base of the vendor APIs no load reaches."""


@dataclass
class Target:
    """A server under test: where its webhook is, its processes, its base URL (omnibot's
    serves ``/metrics``)."""

    name: str
    url: str
    pid: int
    metrics_url: str | None = None


def own_redis() -> tuple[str, StartedRedis | None]:
    """A Redis for this run alone, so that its command counts and memory are ours."""
    try:
        started = start_redis()
    except RuntimeError:
        return find_or_start()
    return started.url, started


def telegram_env(api_base: str) -> dict[str, str]:
    """Telegram in webhook mode, its Bot API at ``api_base``."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE": api_base,
    }


def whatsapp_env(api_base: str) -> dict[str, str]:
    """WhatsApp (Cloud API), its Graph API at ``api_base``."""
    return {
        "WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": wa.VERIFY_TOKEN,
        "WHATSAPP_API_BASE": api_base,
    }


def every_channel_env(api_base: str = CLOSED) -> dict[str, str]:
    """Every channel on: Telegram, Slack, SMS and WhatsApp through Twilio, WhatsApp Cloud,
    e-mail and the web chat (always on), vendor APIs at ``api_base``, the settings the tests
    use."""
    return {
        **telegram_env(api_base),
        **whatsapp_env(api_base),
        "SLACK_BOT_TOKEN": "xoxb-1-2-bench",
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_BASE": f"{api_base}/api/",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "bench-auth-token",
        "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_WHATSAPP_FROM": "whatsapp:+15005550007",
        "TWILIO_API_BASE": api_base,
        "EMAIL_SMTP_URL": "smtp://127.0.0.1:9",
        "EMAIL_FROM": "store@bench.example",
        "EMAIL_INBOUND_TOKEN": "bench-inbound-token-0123456789abcdef",
        "EMAIL_TRUSTED_AUTHSERV_ID": "mx.bench.example",
        "OMNIBOT_AGENT_TOKENS": "ana:bench-agent-token-0123456789abcdefghij",
    }


@contextlib.asynccontextmanager
async def floor_app(redis_url: str, api_base: str) -> AsyncIterator[Target]:
    """The floor app (:mod:`bench.telegram_floor`) in its own process."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.telegram_floor",
        str(port),
        redis_url,
        api_base,
        TOKEN,
        cwd=ROOT,
    )
    try:
        await healthy(f"http://127.0.0.1:{port}/healthz", 20)
        yield Target("floor", f"http://127.0.0.1:{port}/telegram/webhook", process.pid)
    finally:
        process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def omnibot_run(
    redis_url: str,
    namespace: str,
    channels: Mapping[str, str],
    workers: int = 1,
    config: str = "",
) -> AsyncIterator[Target]:
    """``omnibot run`` of a copy of the example store bot on Redis, with the channels that
    ``channels`` (their variables) turn on; ``config`` is more of ``bot.yaml``. The target's
    URL is Telegram's webhook."""
    env = clean_env(
        **channels,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_LOG_LEVEL="warning",
    )
    with tempfile.TemporaryDirectory() as scratch:
        extra = ("--workers", str(workers)) if workers > 1 else ()
        folder = example_copy(Path(scratch), namespace)
        with (folder / "bot.yaml").open("a") as bot_yaml:
            bot_yaml.write(config)
        manager = running(folder, *extra, env=env)
        # Started off the event loop: the stubs must answer getMe and setWebhook meanwhile.
        server = await asyncio.to_thread(manager.__enter__)
        try:
            name = "omnibot" if workers == 1 else f"omnibot, {workers} workers"
            yield Target(name, f"{server.url}/telegram/webhook", server.process.pid, server.url)
        finally:
            await asyncio.to_thread(manager.__exit__, None, None, None)


async def warm_understanding() -> None:
    """Load the example bot once in this process, so that its phrase vectors are in the phrase
    cache (``OMNIBOT_CACHE_DIR``) before any server starts. A server that starts on a cold
    cache embeds them in the background and understands by words alone meanwhile
    (``load_flowset(warm_later=True)``), which answers some texts otherwise than the traffic's
    check did: that is a cold start, not the turn the bench measures."""
    from bot.app.config import load_bot_config
    from dialogs.design.loader import load_flowset

    flowset = await asyncio.to_thread(load_flowset, EXAMPLE, load_bot_config(EXAMPLE))
    await flowset.actions.aclose()


async def healthy(url: str, seconds: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until ``url`` answers 200 (failing at once if ``process``, the server, exits)."""
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.01)
    raise RuntimeError(f"nothing healthy at {url} after {seconds:g}s")
