"""A real HTTP server on 127.0.0.1 that answers as a script says: well, half, too much, late or
not at all, so that the kept-alive client meets every way a vendor's server can fail.

It counts what reached it (connections that got past TLS, requests read whole) so that a test
can say a request was not sent twice, or not at all.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

SECRET = "123456:AAsecretTokenThatMustNeverShow"
"""What the URLs and headers of these tests hold, as the Bot API's and Graph's do."""
OK = b'{"ok":true,"result":{"message_id":7}}'


def answer(body: bytes = OK, status: bytes = b"200 OK", extra: bytes = b"") -> bytes:
    """A whole answer with a ``Content-Length``."""
    length = str(len(body)).encode()
    head = b"HTTP/1.1 " + status + b"\r\nContent-Length: " + length + b"\r\n" + extra
    return head + b"\r\n" + body


def chunked(*parts: bytes) -> bytes:
    """A whole chunked answer, a chunk per part, with an extension and a trailer."""
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"%x;note=1\r\n%s\r\n" % (len(part), part) for part in parts)
    return head + chunks + b"0\r\nX-Trailer: yes\r\n\r\n"


@dataclass(frozen=True, slots=True)
class Step:
    """What the server does with one request: write ``send``, then close if ``close``, or
    never answer if ``hang``."""

    send: bytes = b""
    close: bool = False
    hang: bool = False


Script = Callable[[int], Step]
"""The step for the n-th request the server read (from 0, over every connection)."""


def always(step: Step) -> Script:
    return lambda _: step


@dataclass
class Scripted:
    """The server; ``requests`` holds each request read, head and body."""

    script: Script
    tls: ssl.SSLContext | None = None
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _open: set[asyncio.StreamWriter] = field(default_factory=set)
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *_: object) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.close()
        for writer in self._open:
            writer.close()
        await self._server.wait_closed()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    def url(self, path: str = f"/bot{SECRET}/sendMessage") -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._open.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while request := await _request(reader):
                step = self.script(len(self.requests))
                self.requests.append(request)
                writer.write(step.send)
                await writer.drain()
                if step.hang:
                    await self._stop.wait()
                if step.close or step.hang:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._open.discard(writer)
            writer.close()


async def _request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return head + await reader.readexactly(length)
