"""The caller's CPU per vendor call: aiohttp's ``ClientSession`` against :mod:`connectors.keepalive`
(and httpcore, when it can be imported), over plain HTTP and TLS.

    python -m bench.http_client_bench [--calls 3000] [--rounds 7] [--concurrency 8]
                                      [--out bench/results]

A local server in another process (aiohttp on uvloop, pinned to the other core when there is
one) answers every POST as the Bot API answers ``sendMessage`` (a message of ~300 bytes). In
this process, on uvloop as ``omnibot run`` is, each client makes ``calls`` JSON POSTs,
``concurrency`` at a time, on connections kept alive, after a warm-up; what is measured is
this process's CPU time (``time.process_time``) per call, the server's being in another
process. Clients are alternated in every round (the order reversed every other round), because
this shared machine's speed moves; each round gives a ratio against aiohttp in that round, and
the table shows the median ratio and the range. TLS uses a throwaway CA made with ``openssl``
(:mod:`tests.throwaway_ca`), trusted by the clients only.

To include httpcore without adding it to the project: ``pip install --target /tmp/hc httpcore
anyio`` and run with ``PYTHONPATH=/tmp/hc:.``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import platform
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import aiohttp
import uvloop
from aiohttp import web

from connectors.keepalive import KeepAlive
from tests.redis_server import free_port
from tests.throwaway_ca import Authority

BODY = b'{"chat_id":123456789,"text":"Your order C-30005 was shipped on Nov 9, 2026."}'
ANSWER = (
    b'{"ok":true,"result":{"message_id":4242,"from":{"id":7,"is_bot":true,"first_name":"Store",'
    b'"username":"store_bot"},"chat":{"id":123456789,"first_name":"John","type":"private"},'
    b'"date":1765000000,"text":"Your order C-30005 was shipped on Nov 9, 2026."}}'
)
PATH = "/bot123456:AAbench/sendMessage"
Call = Callable[[], Awaitable[bytes]]


def _httpcore() -> ModuleType | None:
    try:
        return importlib.import_module("httpcore")
    except ImportError:
        return None


def serve(port: int, cert: str | None, key: str | None) -> None:
    """The answering server (run in its own process)."""

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=ANSWER, content_type="application/json")

    app = web.Application()
    app.router.add_post(PATH, answer)
    context = None
    if cert and key:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    uvloop.install()
    web.run_app(app, host="127.0.0.1", port=port, ssl_context=context, print=None)


@contextlib.contextmanager
def server(port: int, cert: Path | None, key: Path | None) -> Iterator[None]:
    command = [sys.executable, "-m", "bench.http_client_bench", "--serve", str(port)]
    if cert and key:
        command += ["--cert", str(cert), "--key", str(key)]
    if (os.cpu_count() or 1) > 1:
        command = ["taskset", "-c", "1", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        _wait_listening(port)
        yield
    finally:
        process.terminate()
        process.wait(10)


def _wait_listening(port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
            return
        time.sleep(0.05)
    raise RuntimeError("the bench server did not start")


class Clients:
    """Each client's way of making one call, on connections it keeps."""

    def __init__(self, url: str, tls: ssl.SSLContext | None) -> None:
        self.url = url
        self.tls = tls

    @contextlib.asynccontextmanager
    async def aiohttp(self) -> AsyncIterator[Call]:
        headers = {"Content-Type": "application/json"}
        timeout = aiohttp.ClientTimeout(total=15.0)
        connector = aiohttp.TCPConnector(ssl=self.tls if self.tls is not None else True)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def call() -> bytes:
                async with session.post(
                    self.url, data=BODY, headers=headers, timeout=timeout
                ) as response:
                    return await response.read()

            yield call

    @contextlib.asynccontextmanager
    async def keepalive(self) -> AsyncIterator[Call]:
        async with KeepAlive(tls=self.tls) as poster:
            route = poster.route(self.url)

            async def call() -> bytes:
                return (await route.post(BODY, 15.0))[1]

            yield call

    @contextlib.asynccontextmanager
    async def httpcore(self) -> AsyncIterator[Call]:
        httpcore = _httpcore()
        assert httpcore is not None
        headers = [(b"Content-Type", b"application/json")]
        async with httpcore.AsyncConnectionPool(ssl_context=self.tls) as pool:

            async def call() -> bytes:
                response = await pool.request("POST", self.url, headers=headers, content=BODY)
                return bytes(response.content)

            yield call


Make = Callable[[], contextlib.AbstractAsyncContextManager[Call]]


async def measure(make: Make, calls: int, concurrency: int) -> float:
    """Microseconds of this process's CPU per call."""
    async with make() as call:
        await _run(call, 100, concurrency)
        started = time.process_time()
        await _run(call, calls, concurrency)
        return (time.process_time() - started) / calls * 1e6


async def _run(call: Call, calls: int, concurrency: int) -> None:
    async def worker(count: int) -> None:
        for _ in range(count):
            if await call() != ANSWER:
                raise RuntimeError("a wrong answer")

    share = calls // concurrency
    await asyncio.gather(*(worker(share) for _ in range(concurrency)))


async def compare(
    clients: Clients, names: list[str], args: argparse.Namespace
) -> dict[str, list[float]]:
    spent: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(args.rounds):
        order = names if round_ % 2 == 0 else names[::-1]
        for name in order:
            make: Make = getattr(clients, name)
            spent[name].append(await measure(make, args.calls, args.concurrency))
    return spent


def rows(transport: str, spent: dict[str, list[float]]) -> list[str]:
    base = spent["aiohttp"]
    lines = []
    for name, values in spent.items():
        ratios = [value / floor for value, floor in zip(values, base, strict=True)]
        lines.append(
            f"| {transport} | {name} | {statistics.median(values):.0f} | "
            f"{statistics.median(ratios):.2f} | {min(ratios):.2f} to {max(ratios):.2f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cert", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.cert, args.key)
        return
    names = ["aiohttp", "keepalive"] + (["httpcore"] if _httpcore() else [])
    table = [
        "| transport | client | CPU µs/call (median) | ratio to aiohttp (median) | range |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        authority = Authority.make(Path(folder))
        pair = authority.issue("local")
        for transport, cert, key, tls in [
            ("http", None, None, None),
            ("https", pair.cert, pair.key, authority.client()),
        ]:
            port = free_port()
            with server(port, cert, key):
                clients = Clients(f"{transport}://127.0.0.1:{port}{PATH}", tls)
                spent = uvloop.run(compare(clients, names, args))
            table += rows(transport, spent)
    header = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores; "
        f"`python -m bench.http_client_bench --calls {args.calls} --rounds {args.rounds} "
        f"--concurrency {args.concurrency}`"
    )
    report = "\n".join([header, "", *table, ""])
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "http_client.md").write_text(report)


if __name__ == "__main__":
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {0})  # the server has core 1
    main()
