"""A lean Redis connection for the turn path: one socket, commands pipelined, replies in order.

redis-py takes a connection from its pool for every command, wraps it in retries and a
timeout, and gives it back: about a quarter of a worker's CPU per turn in the benchmark's
profile (docs/performance.md). The three scripts of a turn need none of that. Redis answers
each connection's commands in the order they were sent, so one connection can carry every
turn of a worker at once: a command is packed (by hiredis), written, and its reply is the
next one hiredis parses off the socket.

What it keeps of a client's duties:

- **Failures are errors, never wrong answers.** A lost connection fails every command still
  waiting on it with :class:`~redis.exceptions.ConnectionError`; the next command connects
  again. A reply that takes longer than the timeout closes the connection the same way (a
  late reply must never be taken for a later command's).
- **Error replies** raise :class:`~redis.exceptions.ResponseError` (``NOSCRIPT`` as
  :class:`~redis.exceptions.NoScriptError`), or are returned as such from :meth:`Wire.batch`.
- **The URL's credentials and database**: ``AUTH`` and ``SELECT`` open every connection.

It serves ``redis://``, ``rediss://`` (TLS, verified against the system's CAs) and ``unix://``
URLs with no options other than ``db``; for anything else (client certificates, a cluster)
:func:`wire_for` answers ``None`` and the turn path stays on redis-py.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, cast
from urllib.parse import parse_qs, unquote, urlsplit

import hiredis
from redis.exceptions import (
    ConnectionError,
    InvalidResponse,
    NoScriptError,
    ResponseError,
)
from redis.exceptions import TimeoutError as NoAnswer

Arg: TypeAlias = str | bytes | int | float
Reply: TypeAlias = Any
_SCHEMES = {"redis", "rediss", "unix"}
# hiredis's stub names a one-element tuple; it packs any number of arguments.
_pack = cast(Callable[[tuple[Arg, ...]], bytes], hiredis.pack_command)


@dataclass(frozen=True, slots=True)
class Address:
    """Where a Redis server is and how to sign in to it."""

    host: str = "127.0.0.1"
    port: int = 6379
    path: str | None = None
    tls: bool = False
    db: int = 0
    username: str | None = None
    password: str | None = None


def address(url: str) -> Address | None:
    """The server ``url`` names, or ``None`` when it asks for something only redis-py does."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        return None
    query = parse_qs(parts.query)
    if set(query) - {"db"}:
        return None
    try:
        db_text = query["db"][0] if "db" in query else (parts.path.strip("/") or "0")
        db = int(db_text) if parts.scheme != "unix" or "db" in query else 0
        port = parts.port or 6379
    except ValueError:
        return None
    return Address(
        host=parts.hostname or "127.0.0.1",
        port=port,
        path=unquote(parts.path) if parts.scheme == "unix" else None,
        tls=parts.scheme == "rediss",
        db=db,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _error(reply: ResponseError) -> ResponseError:
    """An error reply as redis-py would raise it: ``NOSCRIPT`` as :class:`NoScriptError`."""
    message = str(reply)
    return NoScriptError(message) if message.startswith("NOSCRIPT") else reply


class _Protocol(asyncio.Protocol):
    """One connection: futures wait in the order their commands were written."""

    def __init__(self) -> None:
        self._reader = hiredis.Reader(protocolError=InvalidResponse, replyError=ResponseError)
        self._waiting: deque[tuple[asyncio.Future[Reply], float]] = deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._outgoing: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        try:
            while (reply := self._reader.gets()) is not False:
                future = self._waiting.popleft()[0]
                if not future.done():
                    future.set_result(reply)
        except InvalidResponse as exc:  # nothing after this can be trusted
            self.abort(ConnectionError(f"Redis sent something that is not RESP: {exc}"))
        except IndexError:
            self.abort(ConnectionError("Redis sent a reply nobody asked for"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(ConnectionError(f"connection to Redis lost: {exc or 'closed by the server'}"))

    def send(self, packed: bytes, count: int, now: float) -> list[asyncio.Future[Reply]]:
        if self.closed or self.transport is None:
            raise ConnectionError("connection to Redis closed")
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in range(count)]
        self._waiting.extend((future, now) for future in futures)
        if not self._outgoing:  # the first this time round the loop: write them all after it
            loop.call_soon(self._flush)
        self._outgoing.append(packed)
        return futures

    def _flush(self) -> None:
        """Write what every turn sent during one pass of the event loop, in one system call."""
        outgoing, self._outgoing = self._outgoing, []
        if self.transport is not None and not self.closed:
            self.transport.write(b"".join(outgoing))

    def oldest(self) -> float | None:
        """When the longest-waiting command was sent."""
        return self._waiting[0][1] if self._waiting else None

    def abort(self, error: Exception) -> None:
        self._fail(error)
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        self.closed = True
        while self._waiting:
            future = self._waiting.popleft()[0]
            if not future.done():
                future.set_exception(error)


class Wire:
    """Commands to one Redis server over one pipelined connection (see the module docstring)."""

    def __init__(self, where: Address, timeout: float = 5.0, connect_timeout: float = 2.0):
        self._where = where
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._protocol: _Protocol | None = None
        self._connecting = asyncio.Lock()
        self._watchdog: asyncio.TimerHandle | None = None

    async def call(self, *args: Arg) -> Reply:
        """One command's reply; an error reply raises :class:`ResponseError`."""
        (reply,) = await self.batch([args])
        if isinstance(reply, ResponseError):
            raise reply
        return reply

    async def batch(self, commands: Sequence[Sequence[Arg]]) -> list[Reply]:
        """Several commands in one write; their replies in order, error replies as
        :class:`ResponseError` values (a lost connection raises)."""
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        loop = asyncio.get_running_loop()
        packed = b"".join([_pack(tuple(command)) for command in commands])
        futures = protocol.send(packed, len(commands), loop.time())
        if self._watchdog is None:
            self._watchdog = loop.call_later(self._timeout, self._watch)
        try:
            replies = [await future for future in futures]
        except BaseException:
            for future in futures:  # they failed together: one error raised is enough
                if future.done() and not future.cancelled():
                    future.exception()
            raise
        return [_error(r) if isinstance(r, ResponseError) else r for r in replies]

    async def close(self) -> None:
        """Close the connection (commands still waiting fail)."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._protocol is not None:
            self._protocol.abort(ConnectionError("connection to Redis closed"))
            self._protocol = None

    def _watch(self) -> None:
        """Close a connection whose oldest command has waited longer than the timeout."""
        self._watchdog = None
        protocol = self._protocol
        if protocol is None or protocol.closed:
            return
        oldest = protocol.oldest()
        loop = asyncio.get_running_loop()
        if oldest is not None and loop.time() - oldest >= self._timeout:
            protocol.abort(NoAnswer(f"Redis did not answer within {self._timeout:g}s"))
            return
        if oldest is not None:
            self._watchdog = loop.call_later(oldest + self._timeout - loop.time(), self._watch)

    async def _connect(self) -> _Protocol:
        async with self._connecting:
            if self._protocol is not None and not self._protocol.closed:
                return self._protocol
            try:
                protocol = await asyncio.wait_for(self._open(), self._connect_timeout)
            except OSError as exc:  # a connect that timed out too
                raise ConnectionError(f"cannot connect to Redis: {exc or 'timed out'}") from exc
            self._protocol = protocol
            return protocol

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        where = self._where
        if where.path is not None:
            _, protocol = await loop.create_unix_connection(_Protocol, where.path)
        else:
            context = ssl.create_default_context() if where.tls else None
            _, protocol = await loop.create_connection(
                _Protocol, where.host, where.port, ssl=context
            )
        hello: list[tuple[Arg, ...]] = []
        if where.password is not None:
            creds = (where.username, where.password) if where.username else (where.password,)
            hello.append(("AUTH", *creds))
        if where.db:
            hello.append(("SELECT", where.db))
        if hello:
            packed = b"".join(_pack(command) for command in hello)
            for future in protocol.send(packed, len(hello), loop.time()):
                reply = await future
                if isinstance(reply, ResponseError):
                    protocol.abort(ConnectionError(f"Redis refused the connection: {reply}"))
                    raise ConnectionError(f"Redis refused the connection: {reply}")
        return protocol


def wire_for(url: str) -> Wire | None:
    """A :class:`Wire` for the one server ``url`` names, or ``None`` (see the module
    docstring)."""
    where = address(url)
    return Wire(where) if where is not None else None
