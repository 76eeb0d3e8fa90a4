"""What the fault suite is made of: a Redis that survives restarts, a steady load of Telegram
webhooks that retries as Telegram does, and the figures to check afterwards."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from connectors.telegram.connector import SECRET_HEADER
from tests.redis_server import StartedRedis, free_port, start_redis
from tests.server_process import Server
from tests.telegram.updates import Person, Updates

ECHO_FLOWS = """
flows:
  hello:
    triggers: {en: [hello there]}
    steps:
      - say: "Hello!"
messages:
  fallback: "echo {{ input.text }}"
"""


def echo_bot(root: Path, namespace: str, memory: str = "") -> Path:
    """A bot that answers "echo <text>" to anything (and has one flow, which a bot needs), on its
    own memory namespace; ``memory`` adds lines to its ``memory:`` section."""
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text(
        f"name: Echo\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n{memory}"
    )
    (root / "flows" / "main.yaml").write_text(ECHO_FLOWS)
    return root


class DurableRedis:
    """A redis-server with append-only persistence (fsync on every write) in a folder of its
    own, which a test may stop and start again on the same port without losing anything."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self._server: StartedRedis | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        durable = ("--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder))
        self._server = start_redis(self.port, *durable)

    def stop(self) -> None:
        """SIGTERM by PID: Redis finishes writing its append-only file and exits."""
        if self._server is not None:
            self._server.stop()
        self._server = None


async def ready(server: Server) -> int:
    """What ``/readyz`` answers."""
    async with aiohttp.ClientSession() as session, session.get(f"{server.url}/readyz") as got:
        return got.status


class Drain:
    """Reads a server's output as it comes, so a chatty server never blocks on a full pipe."""

    def __init__(self, server: Server) -> None:
        self.lines: list[str] = []
        for stream in (server.process.stdout, server.process.stderr):
            if stream is not None:
                threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))


@dataclass
class Sender:
    """One customer writing on Telegram, one message after another."""

    person: Person
    accepted: list[str] = field(default_factory=list)


@dataclass
class Load:
    """Telegram-shaped webhooks from several customers at a steady pace. An update that is not
    answered 200 (a 503, a reset connection, a timeout) is sent again, the same update, as
    Telegram does; each goes on a connection of its own, so it may reach either worker."""

    url: str
    secret: str
    senders: list[Sender]
    pause: float
    updates: Updates = field(default_factory=Updates)
    answers: Counter[str] = field(default_factory=Counter)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await asyncio.gather(*(self._write(session, sender) for sender in self.senders))

    def stop(self) -> None:
        self._stop.set()

    @property
    def accepted(self) -> int:
        return sum(len(sender.accepted) for sender in self.senders)

    async def _write(self, session: aiohttp.ClientSession, sender: Sender) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            text = f"m{sender.person.id}-{n}"
            await self._deliver(session, self.updates.text(sender.person, text))
            sender.accepted.append(text)
            await asyncio.sleep(self.pause)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        delay = 0.1
        while True:
            try:
                async with session.post(
                    f"{self.url}/telegram/webhook",
                    json=update,
                    headers={SECRET_HEADER: self.secret},
                ) as response:
                    self.answers[str(response.status)] += 1
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.answers[type(exc).__name__] += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
