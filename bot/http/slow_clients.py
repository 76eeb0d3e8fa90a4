"""Clients that send slowly are cut off, so that idle sockets cannot pile up (slowloris).

aiohttp reads a request's head for as long as the client takes to send it, a byte a minute if
need be, and gives a handler the body as slowly as it comes. Two deadlines bound both:

- the **head** of a request (its request line and headers) must be complete within
  :data:`~bot.http.limits.HEAD_SECONDS` of the connection opening, or of the first byte of the next
  request on a connection kept alive; otherwise the connection is closed. A connection kept
  alive between requests may stay idle for :data:`~bot.http.limits.IDLE_SECONDS` (aiohttp's own
  keep-alive timeout), and a websocket is left alone once open;
- the **body** must be complete within :data:`~bot.http.limits.BODY_SECONDS` of its head
  (:func:`bot.app.server.read_body`), or the answer is 408.

The head deadline needs the connection itself, before aiohttp has a request to hand over:
:class:`HeadDeadline` stands between the socket and aiohttp's protocol, and
:func:`track_requests` tells it when a request's head has arrived and when it is answered.
:class:`DeadlineSite` listens with it; ``omnibot run`` serves through it.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.http.limits import HEAD_SECONDS

log = logging.getLogger("omnibot.server")


class HeadDeadline(asyncio.Protocol):
    """aiohttp's protocol for one connection, with a deadline on each request's head."""

    def __init__(self, inner: asyncio.Protocol, seconds: float = HEAD_SECONDS) -> None:
        self._inner = inner
        self._seconds = seconds
        self._transport: asyncio.BaseTransport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._serving = 0

    def started(self) -> None:
        """A request's head has arrived (aiohttp made a request of it)."""
        self._serving += 1
        self._disarm()

    def finished(self) -> None:
        """A request has been answered; the connection may wait for the next one."""
        self._serving -= 1

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: only BaseTransport's
        # methods are used.
        self._transport = transport
        self._inner.connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        # Bytes while no request is served and no deadline runs: a new request begins. (Bytes
        # while one is served are its body, a websocket's frames, or a request behind it.)
        if self._serving == 0 and self._timer is None:
            self._arm()
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._transport = None
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def _arm(self) -> None:
        self._disarm()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._seconds, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self._serving == 0 and self._transport is not None:
            log.info(
                "closed a connection that sent no whole request head within %g seconds",
                self._seconds,
            )
            self._transport.close()


@web.middleware
async def track_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tell the connection's :class:`HeadDeadline` (when it has one) that a request's head
    has arrived, and when the request is answered."""
    transport = request.transport
    guard = transport.get_protocol() if transport is not None else None
    if not isinstance(guard, HeadDeadline):
        return await handler(request)
    guard.started()
    try:
        return await handler(request)
    finally:
        guard.finished()


class DeadlineSite(web.BaseSite):
    """A TCP site (as aiohttp's ``TCPSite``) whose connections have :class:`HeadDeadline`."""

    __slots__ = ("_head_seconds", "_host", "_port", "_reuse_port")

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        reuse_port: bool = False,
        head_seconds: float = HEAD_SECONDS,
    ) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._reuse_port = reuse_port
        self._head_seconds = head_seconds

    @property
    def name(self) -> str:
        """Where the site listens."""
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        """Listen."""
        await super().start()
        server = self._runner.server
        assert server is not None  # the runner is set up before any site is made
        seconds = self._head_seconds
        self._server = await asyncio.get_running_loop().create_server(
            lambda: HeadDeadline(server(), seconds),
            self._host,
            self._port,
            reuse_port=self._reuse_port or None,
        )
