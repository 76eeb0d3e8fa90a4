"""A base for local fake vendor APIs: an aiohttp server on 127.0.0.1 that records every call
and can be told to fail the next calls of a method (rate limits, outages, refusals).

Each fake checks requests as the real API does (the method, the credentials, the required
fields) and answers in the real API's shape; this base only does the plumbing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from tests.redis_server import free_port


@dataclass(frozen=True, slots=True)
class Call:
    """One request the fake received, as the fake understood it."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Failure:
    """What the next call of a method gets instead of success."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeApi:
    """Start with ``await fake.start()``, stop with ``await fake.stop()`` (or ``async with``
    around both); ``fake.url`` is its base URL. Subclasses add routes in :meth:`routes` and use
    :meth:`record` and :meth:`failure`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[Call] = []
        self._failures: dict[str, list[Failure]] = defaultdict(list)
        self._runner: web.AppRunner | None = None
        self._arrived = asyncio.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[web.RouteDef]:
        """The vendor's routes."""
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(self.routes())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def cut(self) -> None:
        """Stop answering (connections refused) until :meth:`restore`: an outage."""
        await self.stop()
        self._runner = None

    async def restore(self) -> None:
        """Answer again, on the same port, after :meth:`cut`."""
        await self.start()

    def fail_next(self, method: str, failure: Failure, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get ``failure``."""
        self._failures[method].extend([failure] * times)

    def failure(self, method: str) -> Failure | None:
        """The failure queued for this call of ``method``, if any."""
        queued = self._failures.get(method)
        return queued.pop(0) if queued else None

    async def record(self, call: Call) -> None:
        async with self._arrived:
            self.calls.append(call)
            self._arrived.notify_all()

    def of(self, method: str) -> list[Call]:
        """The calls of ``method`` so far."""
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self, condition: Callable[[list[Call]], bool], within: float = 10.0
    ) -> list[Call]:
        """Wait until ``condition(calls)`` holds."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: condition(self.calls)), within)
            return list(self.calls)
