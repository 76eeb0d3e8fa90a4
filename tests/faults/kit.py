"""What the fault suite is made of: a steady load of Telegram webhooks that retries as Telegram
does, and the figures to check afterwards (the server, its Redis and its output come from
:mod:`tests.server_process` and :mod:`tests.redis_server`)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from connectors.telegram.connector import SECRET_HEADER
from tests.fakes.telegram_updates import Person, Updates


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
