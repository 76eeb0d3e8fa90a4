"""How soon ``omnibot run`` serves with every channel on: from exec to the first 200 on
``/healthz``, and to the moment every channel's route answers (any status but 404, 502 or 503:
an unsigned ``GET`` on a webhook is refused, which is an answer from a mounted route)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.redis_server import free_port
from tests.server_process import ROOT, omnibot

ROUTES = {
    "web chat": "/chat",
    "Telegram": "/telegram/webhook",
    "Slack": "/slack/events",
    "SMS (Twilio)": "/sms/twilio",
    "WhatsApp Cloud": "/whatsapp/webhook",
    "WhatsApp (Twilio)": "/whatsapp/twilio",
    "e-mail": "/email/inbound",
}
NOT_YET = (404, 502, 503)
DEADLINE = 60.0


@dataclass
class Start:
    """Seconds from exec to ``/healthz`` answering 200, and to each channel's route answering."""

    healthz: float
    routes: dict[str, float] = field(default_factory=dict)

    @property
    def every_route(self) -> float:
        return max(self.routes.values())


async def start(bot_dir: Path, env: Mapping[str, str]) -> Start:
    """One start of ``omnibot run`` of ``bot_dir`` with ``env``; stopped by its PID."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    began = time.monotonic()
    process = subprocess.Popen(  # noqa: ASYNC220 - timed from the exec, stopped by its PID
        omnibot("run", str(bot_dir), "--port", str(port)),
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with aiohttp.ClientSession() as session:
            waits = [_until(session, process, f"{base}/healthz", (200,), began)]
            waits += [
                _until(session, process, base + path, None, began) for path in ROUTES.values()
            ]
            healthz, *routes = await asyncio.gather(*waits)
        return Start(healthz, dict(zip(ROUTES, routes, strict=True)))
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 30)


async def _until(
    session: aiohttp.ClientSession,
    process: subprocess.Popen[bytes],
    url: str,
    wanted: tuple[int, ...] | None,
    began: float,
) -> float:
    """Seconds since ``began`` when ``url`` first answers with a status of ``wanted`` (any
    answer but :data:`NOT_YET`, when ``None``)."""
    while time.monotonic() - began < DEADLINE:
        if process.poll() is not None:
            raise RuntimeError(f"omnibot run exited with {process.returncode} before {url}")
        with contextlib.suppress(aiohttp.ClientError, OSError):
            async with session.get(url, allow_redirects=False) as response:
                answered = response.status in wanted if wanted else response.status not in NOT_YET
                if answered:
                    return time.monotonic() - began
        await asyncio.sleep(0.005)
    raise RuntimeError(f"{url} did not answer within {DEADLINE:g} s")
