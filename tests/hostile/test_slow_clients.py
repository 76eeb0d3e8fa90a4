"""Slow clients against ``omnibot run``, over real sockets (issue 17, finding 12): a request's
head must arrive within HEAD_SECONDS and its body within BODY_SECONDS, while websockets and
connections kept alive between requests are left alone."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import aiohttp
import pytest

from bot.http.limits import BODY_SECONDS, HEAD_SECONDS
from tests.hostile.kit import serving
from tests.server_process import Log, Server

pytestmark = pytest.mark.slow
SLACK = 5.0
"""How much later than its deadline a connection may close (a loaded test machine)."""


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Log]]:
    with serving(tmp_path_factory.mktemp("slow")) as running:
        yield running


async def trickle(port: int, first: bytes, then: bytes, every: float, give_up: float) -> float:
    """Connect, send ``first``, then ``then`` every ``every`` seconds until the server closes
    the connection; how long it stayed open (``give_up`` if it never closed)."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(first)
        while time.monotonic() - started < give_up:
            try:
                if await asyncio.wait_for(reader.read(1024), every) == b"":
                    return time.monotonic() - started
            except TimeoutError:
                writer.write(then)
            except ConnectionError:
                return time.monotonic() - started
        return give_up
    finally:
        writer.close()


async def slow_body(port: int) -> tuple[bytes, float]:
    """A head at once, then its body a byte a second: the first line of the answer, and when."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /telegram/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
    answer = b""
    try:
        while not answer and time.monotonic() - started < BODY_SECONDS + 30:
            try:
                answer = await asyncio.wait_for(reader.readline(), 1)
            except TimeoutError:
                writer.write(b"{")
    finally:
        writer.close()
    return answer, time.monotonic() - started


async def test_slow_heads_and_bodies_are_cut_off_in_time(bot: tuple[Server, Log]) -> None:
    server, log = bot
    log.new()
    give_up = HEAD_SECONDS + 30
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    trickled = [trickle(server.port, head, b"X-a: b\r\n", 1, give_up) for _ in range(1000)]
    a_line_now_and_then = trickle(server.port, head, b"X-a: b\r\n", 4, give_up)
    heads, one, (answer, body_took) = await asyncio.gather(
        asyncio.gather(*trickled), a_line_now_and_then, slow_body(server.port)
    )
    assert max(heads) < HEAD_SECONDS + SLACK, sorted(heads)[-5:]
    assert one < HEAD_SECONDS + SLACK
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert body_took < BODY_SECONDS + SLACK
    logged = await log.until("request refused: 408")
    assert "Traceback" not in logged
    assert "ERROR" not in logged


async def kept_alive(port: int) -> float:
    """Two requests on one connection, idle between them for longer than a head may take;
    then a head begun and never finished: how long the connection lasts after its first
    byte."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for pause in (HEAD_SECONDS + 1, 0):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 200")
            await asyncio.wait_for(reader.readuntil(b'{"status": "ok"}'), 5)
            await asyncio.sleep(pause)
        started = time.monotonic()
        writer.write(b"GET /healthz HTTP/1.1\r\n")
        while await asyncio.wait_for(reader.read(1024), HEAD_SECONDS + 30):
            pass
        return time.monotonic() - started
    finally:
        writer.close()


async def web_chat(url: str) -> dict[str, object]:
    """A web chat socket open for longer than a head may take, then a message: its answer."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{url}/chat/ws") as ws,
    ):
        await ws.send_str(json.dumps({"type": "hello"}))
        assert (await ws.receive_json(timeout=5))["type"] == "welcome"
        await asyncio.sleep(HEAD_SECONDS + 2)
        await ws.send_str(json.dumps({"type": "message", "id": "m1", "text": "hi"}))
        answer: dict[str, object] = await ws.receive_json(timeout=5)
        return answer


async def test_connections_kept_alive_and_websockets_are_left_alone(
    bot: tuple[Server, Log],
) -> None:
    server, _ = bot
    closed_after, answer = await asyncio.gather(kept_alive(server.port), web_chat(server.url))
    assert answer == {"type": "ack", "id": "m1", "result": "accepted"}
    assert closed_after < HEAD_SECONDS + SLACK
