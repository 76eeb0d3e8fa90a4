"""The kept-alive client over plain HTTP against a real server: connections reused, closes
noticed, broken and oversize answers refused, and a POST never sent twice."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import TemporaryDeliveryError
from connectors.keepalive import KeepAlive, TransportError
from tests.keepalive.kit import OK, SECRET, Scripted, Step, always, answer, chunked
from tests.redis_server import free_port

BODY = b'{"chat_id":1,"text":"hi"}'


async def refused(poster: KeepAlive, url: str, seconds: float = 5.0) -> TransportError:
    """The error a POST to ``url`` fails with; it names no secret."""
    route = poster.route(url, {"Authorization": f"Bearer {SECRET}"})
    with pytest.raises(TransportError) as raised:
        await route.post(BODY, seconds)
    assert isinstance(raised.value, TemporaryDeliveryError)
    assert SECRET not in str(raised.value)
    assert "127.0.0.1" not in str(raised.value)
    return raised.value


async def until_idle(poster: KeepAlive, count: int) -> None:
    for _ in range(500):
        if poster.idle == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{poster.idle} idle connections, not {count}")


async def test_calls_share_one_connection_and_carry_their_head(poster: KeepAlive) -> None:
    async with Scripted(always(Step(answer()))) as server:
        route = poster.route(server.url(), {"Authorization": f"Bearer {SECRET}"})
        for _ in range(3):
            assert await route.post(BODY, 5.0) == (200, OK)
    assert server.connections == 1
    assert len(server.requests) == 3
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == f"POST /bot{SECRET}/sendMessage HTTP/1.1".encode()
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Type: application/json" in lines
    assert f"Content-Length: {len(BODY)}".encode() in lines
    assert f"Authorization: Bearer {SECRET}".encode() in lines
    assert body == BODY


async def test_a_refusal_comes_back_as_its_status_and_body(poster: KeepAlive) -> None:
    said = b'{"ok":false,"error_code":429}'
    async with Scripted(always(Step(answer(said, b"429 Too Many Requests")))) as server:
        assert await poster.route(server.url()).post(BODY, 5.0) == (429, said)


async def test_a_connection_the_server_closed_while_idle_is_not_reused(
    poster: KeepAlive,
) -> None:
    async with Scripted(always(Step(answer(), close=True))) as server:
        route = poster.route(server.url())
        await route.post(BODY, 5.0)
        await until_idle(poster, 0)
        assert await route.post(BODY, 5.0) == (200, OK)
    assert server.connections == 2
    assert len(server.requests) == 2


async def test_connection_close_in_the_answer_is_honoured(poster: KeepAlive) -> None:
    async with Scripted(always(Step(answer(extra=b"Connection: close\r\n")))) as server:
        route = poster.route(server.url())
        await route.post(BODY, 5.0)
        assert poster.idle == 0
        await route.post(BODY, 5.0)
    assert server.connections == 2


async def test_a_reused_connection_that_fails_before_the_answer_is_not_posted_again(
    poster: KeepAlive,
) -> None:
    steps = [Step(answer()), Step(close=True)]
    async with Scripted(lambda n: steps[min(n, 1)]) as server:
        route = poster.route(server.url())
        await route.post(BODY, 5.0)
        with pytest.raises(TransportError, match=r"before an answer \(on a reused connection\)"):
            await route.post(BODY, 5.0)
    assert len(server.requests) == 2
    assert server.connections == 1


async def test_half_an_answer_then_a_close_fails_once(poster: KeepAlive) -> None:
    half = answer()[:-10]
    async with Scripted(always(Step(half, close=True))) as server:
        error = await refused(poster, server.url())
    assert "in the middle of the answer" in error.reason
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "oversize",
    [
        answer(b"x" * 5000),
        chunked(b"x" * 3000, b"y" * 3000),
        b"HTTP/1.1 200 OK\r\n\r\n" + b"z" * 5000,
    ],
    ids=["length", "chunked", "to-the-close"],
)
async def test_an_answer_over_the_limit_is_refused(poster: KeepAlive, oversize: bytes) -> None:
    async with Scripted(always(Step(oversize, close=True))) as server:
        error = await refused(poster, server.url())
    assert "over 4096 bytes" in error.reason
    assert poster.idle == 0


async def test_a_head_without_end_is_refused(poster: KeepAlive) -> None:
    endless = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"p" * 20_000
    async with Scripted(always(Step(endless, hang=True))) as server:
        error = await refused(poster, server.url())
    assert "a head over" in error.reason


@pytest.mark.parametrize(
    "malformed",
    [
        b"SPDY/9 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ],
    ids=["not-http", "two-framings", "two-lengths", "negative", "gzip", "bad-chunk"],
)
async def test_a_malformed_answer_is_refused(poster: KeepAlive, malformed: bytes) -> None:
    async with Scripted(always(Step(malformed, close=True))) as server:
        error = await refused(poster, server.url())
    assert error.reason.startswith("an answer not read")


async def test_a_slow_answer_times_out_and_is_not_posted_again(poster: KeepAlive) -> None:
    async with Scripted(always(Step(b"HTTP/1.1 200 OK\r\n", hang=True))) as server:
        error = await refused(poster, server.url(), seconds=0.2)
        assert error.reason == "no answer in 0.2s"
        assert poster.idle == 0
    assert len(server.requests) == 1


async def test_a_chunked_answer_is_read_and_its_connection_reused(poster: KeepAlive) -> None:
    async with Scripted(always(Step(chunked(b'{"ok":', b"true}")))) as server:
        route = poster.route(server.url())
        assert await route.post(BODY, 5.0) == (200, b'{"ok":true}')
        assert await route.post(BODY, 5.0) == (200, b'{"ok":true}')
    assert server.connections == 1


async def test_an_informational_answer_is_skipped(poster: KeepAlive) -> None:
    async with Scripted(always(Step(b"HTTP/1.1 100 Continue\r\n\r\n" + answer()))) as server:
        assert await poster.route(server.url()).post(BODY, 5.0) == (200, OK)


async def test_nobody_listening_is_a_network_error(poster: KeepAlive) -> None:
    error = await refused(poster, f"http://127.0.0.1:{free_port()}/bot{SECRET}/getMe")
    assert error.reason == "network error (ConnectionRefusedError)"


def test_a_route_refuses_what_is_not_http_and_header_breaks(poster: KeepAlive) -> None:
    with pytest.raises(ValueError, match="needs an http") as raised:
        poster.route(f"ftp://127.0.0.1/bot{SECRET}/")
    assert SECRET not in str(raised.value)
    with pytest.raises(ValueError, match="line break"):
        poster.route("http://127.0.0.1/", {"Authorization": "Bearer x\r\nX-Evil: 1"})
    with pytest.raises(ValueError, match="a space or a control character"):
        poster.route("http://127.0.0.1/bot1:x/send HTTP/1.1\r\nX-Evil: 1\r\n")


async def test_calls_over_the_cap_wait_for_a_connection() -> None:
    async with (
        Scripted(always(Step(hang=True))) as server,
        KeepAlive(most=2) as poster,
    ):
        route = poster.route(server.url())
        # The third call's deadline comes first, while the two others hold both connections:
        # it must have waited for one, not opened a third. (With one deadline for all three,
        # the third could take a connection the others gave up as their deadline passed.)
        calls = [route.post(BODY, 1.0), route.post(BODY, 1.0), route.post(BODY, 0.3)]
        results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(result, TransportError) for result in results)
    assert server.connections == 2
    assert len(server.requests) == 2


async def test_a_call_that_ends_after_close_does_not_keep_its_connection() -> None:
    asked, go, closed = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        asked.set()
        await go.wait()
        writer.write(answer())
        await reader.read()  # until the client closes the connection
        closed.set()
        writer.close()

    server = await asyncio.start_server(late, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        poster = KeepAlive()
        call = asyncio.ensure_future(poster.route(f"http://127.0.0.1:{port}/").post(BODY, 5.0))
        await asyncio.wait_for(asked.wait(), 5.0)
        await poster.close()
        go.set()
        assert await call == (200, OK)
        assert poster.idle == 0
        await asyncio.wait_for(closed.wait(), 5.0)
    finally:
        server.close()
        await server.wait_closed()
