"""A lean HTTP/1.1 client for the JSON POSTs on a turn's path: kept-alive connections to each
vendor origin, request heads built once, bodies with a ``Content-Length``.

aiohttp's ``ClientSession`` costs a turn more CPU than the rest of the send (see
docs/performance.md, "The vendor calls' HTTP client"); this client does only what a turn's
sends need. A :class:`KeepAlive` owns the connections, as a session does; a :class:`Route` is
one URL with its headers, its request head built once, and :meth:`Route.post` sends one body
and reads one answer:

- TLS with the system's trust store (``ssl.create_default_context``, which honours
  ``SSL_CERT_FILE``), the host name checked: a certificate refused fails the call before any
  byte of the request is written;
- an answer's head and body are capped (:data:`~connectors.http_answer.HEAD_LIMIT`, ``limit``):
  more is an error, not a larger read;
- every call has a deadline, which includes waiting for a connection when an origin already
  has :data:`MOST` calls under way; a connection whose call failed or timed out is closed,
  never reused;
- a request is never sent again by this client: a POST is not idempotent, and
  :mod:`bot.turn.delivery` decides about retries. A connection the server closed while idle
  leaves the pool when the close arrives, and is checked again before reuse; a request that
  fails all the same fails as a :class:`TransportError`, a temporary delivery error.

Errors say what went wrong in words of this module (an exception's type name at most): never a
URL, which holds the Telegram token, nor a header, which holds the WhatsApp one.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import cast
from urllib.parse import urlsplit

from bot.errors import TemporaryDeliveryError
from connectors.http_answer import Chunks, Head, Malformed, head_end, parse_head

LIMIT = 1024 * 1024
"""The largest answer body read by default: a vendor's answer to a send is a few hundred bytes."""
KEEP = 8
"""Idle connections kept per origin."""
MOST = 100
"""Calls under way at once per origin, as aiohttp's pool allows; more wait (within their
deadline) for one to end."""
IDLE = 15.0
"""Seconds an idle connection is kept: servers close theirs after a while, and a connection
closed as a request goes out is a failed send."""


class TransportError(TemporaryDeliveryError):
    """The request could not be sent, or its answer not read; ``reason`` holds no URL or
    secret."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class _Wire(asyncio.Protocol):
    """One connection's bytes: what has arrived, and whether it still stands."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ended = False
        self.waiter: asyncio.Future[None] | None = None
        self.pool: _Origin | None = None
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self._end()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._end()

    def _end(self) -> None:
        self.ended = True
        if self.pool is not None:
            self.pool.forget(self)
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def usable(self, now: float) -> bool:
        """Nothing arrived while idle, not closed, not idle too long."""
        transport = self.transport
        return (
            not self.ended
            and not self.buffer
            and transport is not None
            and not transport.is_closing()
            and now - self.idle_since < IDLE
        )

    async def more(self, started: bool) -> None:
        """Wait for more bytes; the connection ending first is an error."""
        if self.ended:
            raise TransportError(
                "connection closed in the middle of the answer"
                if started
                else "connection closed before an answer"
            )
        self.waiter = self.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.ended = True


class _Origin:
    """The idle connections to one scheme, host and port, and how to open another."""

    def __init__(
        self, host: str, port: int, tls: ssl.SSLContext | None, keep: int, most: int
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.keep = keep
        self.idle: list[_Wire] = []
        self.slots = asyncio.Semaphore(most)
        self.closed = False

    async def take(self) -> tuple[_Wire, bool]:
        """A connection, and whether it carried requests before."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self.idle:
            wire = self.idle.pop()
            wire.pool = None
            if wire.usable(now):
                return wire, True
            wire.close()
        return await self._open(loop), False

    async def _open(self, loop: asyncio.AbstractEventLoop) -> _Wire:
        try:
            _, wire = await loop.create_connection(
                lambda: _Wire(loop),
                self.host,
                self.port,
                ssl=self.tls,
                server_hostname=self.host if self.tls is not None else None,
            )
        except ssl.SSLCertVerificationError as exc:
            raise TransportError(f"TLS certificate refused ({exc.verify_message})") from exc
        except ssl.SSLError as exc:
            raise TransportError(f"TLS failed ({type(exc).__name__})") from exc
        except OSError as exc:
            raise TransportError(f"network error ({type(exc).__name__})") from exc
        return wire

    def give_back(self, wire: _Wire) -> None:
        if self.closed or len(self.idle) >= self.keep or wire.ended:
            wire.close()
            return
        wire.idle_since = wire.loop.time()
        wire.pool = self
        self.idle.append(wire)

    def forget(self, wire: _Wire) -> None:
        if wire in self.idle:
            self.idle.remove(wire)
        wire.pool = None

    def close(self) -> None:
        self.closed = True
        while self.idle:
            self.idle.pop().close()


class KeepAlive:
    """The kept-alive connections of one owner (a connector), to any number of origins.

    ``tls`` defaults to the system's trust store; ``limit`` caps an answer's body; ``keep``
    idle connections are kept per origin, and ``most`` calls are under way at once.
    """

    def __init__(
        self,
        tls: ssl.SSLContext | None = None,
        limit: int = LIMIT,
        keep: int = KEEP,
        most: int = MOST,
    ) -> None:
        self._tls = tls
        self._limit = limit
        self._keep = keep
        self._most = most
        self._origins: dict[tuple[str, str, int], _Origin] = {}

    def route(self, url: str, headers: Mapping[str, str] | None = None) -> Route:
        """POSTs of JSON to ``url`` with ``headers``; raises ``ValueError`` for a URL that is
        not ``http`` or ``https`` (without quoting it)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an HTTP client route needs an http:// or https:// URL")
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        key = (parts.scheme, parts.hostname, port)
        origin = self._origins.get(key)
        if origin is None:
            context = (self._tls or ssl.create_default_context()) if tls else None
            origin = self._origins[key] = _Origin(
                parts.hostname, port, context, self._keep, self._most
            )
        default = 443 if tls else 80
        host = parts.netloc.rpartition("@")[2] if parts.port not in (None, default) else None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"POST {target} HTTP/1.1", f"Host: {host or parts.hostname}"]
        extra = [f"{name}: {value}" for name, value in (headers or {}).items()]
        if any(bad in line for line in extra for bad in "\r\n\0"):
            raise ValueError("a header with a line break")
        if any(char.isspace() or not char.isprintable() for char in target):
            raise ValueError("a URL path with a space or a control character")
        lines += extra
        lines += ["Content-Type: application/json", "Content-Length: "]
        return Route(origin, "\r\n".join(lines).encode("latin-1"), self._limit)

    @property
    def idle(self) -> int:
        """Connections waiting for a request, over every origin."""
        return sum(len(origin.idle) for origin in self._origins.values())

    async def close(self) -> None:
        """Close every idle connection; calls under way close theirs when they end, and
        the connections of calls made after this are not kept."""
        for origin in self._origins.values():
            origin.close()

    async def __aenter__(self) -> KeepAlive:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


class Route:
    """POSTs to one URL: its request head built once."""

    def __init__(self, origin: _Origin, head: bytes, limit: int) -> None:
        self._origin = origin
        self._head = head
        self._limit = limit

    async def post(self, body: bytes, seconds: float) -> tuple[int, bytes]:
        """The status and body of the answer to ``body``, within ``seconds``; raises
        :class:`TransportError`. Never sends ``body`` twice."""
        try:
            async with asyncio.timeout(seconds), self._origin.slots:
                return await self._exchange(body)
        except TimeoutError as exc:
            raise TransportError(f"no answer in {seconds:g}s") from exc

    async def _exchange(self, body: bytes) -> tuple[int, bytes]:
        wire, reused = await self._origin.take()
        try:
            request = self._head + str(len(body)).encode() + b"\r\n\r\n" + body
            assert wire.transport is not None
            wire.transport.write(request)
            head, answer = await self._answer(wire, reused)
        except BaseException:
            wire.close()
            raise
        if head.reusable:
            self._origin.give_back(wire)
        else:
            wire.close()
        return head.status, answer

    async def _answer(self, wire: _Wire, reused: bool) -> tuple[Head, bytes]:
        try:
            head = await self._head_of(wire, reused)
            return head, await self._body(wire, head)
        except Malformed as exc:
            raise TransportError(f"an answer not read ({exc})") from exc

    async def _head_of(self, wire: _Wire, reused: bool) -> Head:
        while True:
            end = head_end(wire.buffer)
            if end < 0:
                try:
                    await wire.more(started=bool(wire.buffer))
                except TransportError as exc:
                    if reused and not wire.buffer:
                        raise TransportError(f"{exc.reason} (on a reused connection)") from exc
                    raise
                continue
            head = parse_head(bytes(wire.buffer[:end]))
            del wire.buffer[:end]
            if not 100 <= head.status < 200:
                return head

    async def _body(self, wire: _Wire, head: Head) -> bytes:
        if head.chunked:
            return await self._chunks(wire)
        if head.length is not None and head.length > self._limit:
            raise Malformed(f"an answer over {self._limit} bytes")
        buffer = wire.buffer
        if head.length is None:
            while not wire.ended:
                if len(buffer) > self._limit:
                    raise Malformed(f"an answer over {self._limit} bytes")
                await wire.more(started=True)
            if len(buffer) > self._limit:
                raise Malformed(f"an answer over {self._limit} bytes")
            return bytes(buffer)
        while len(buffer) < head.length:
            await wire.more(started=True)
        body = bytes(buffer[: head.length])
        del buffer[: head.length]
        return body

    async def _chunks(self, wire: _Wire) -> bytes:
        chunks = Chunks(self._limit)
        while True:
            chunks.feed(wire.buffer)
            if chunks.done:
                return bytes(chunks.body)
            await wire.more(started=True)
