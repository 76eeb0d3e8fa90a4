"""Every route, reached by raw bytes: any header, cookie, query string, path and body.

The channel fuzzers send what a vendor would nearly send, through an HTTP client that writes
only well-formed requests. This one writes the request itself on a socket, so a header can hold
bytes no encoding names, a query a number of 5,000 digits, a body a charset nobody knows or
JSON nested 50,000 deep, and a body can stop half way when the client goes away. It walks the
running bot's router, so a route added later is fuzzed too. Sometimes the request carries the
route's right credential (the Telegram secret, a Slack signature over its body, the Direct Line
secret, an agent's session and CSRF token), so what a handler reads after the check is reached.

Every request is answered below 500, or (cut short) left without an answer, and leaves no
error and no traceback in the log; one refused, or cut short, changes nothing in the memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bot.desk.console.sessions import COOKIE, CSRF_HEADER
from tests.fuzz.kit import (
    AGENT_TOKEN,
    DIRECTLINE_SECRET,
    SLACK_SECRET,
    TELEGRAM_SECRET,
    Everything,
    assert_quiet,
)
from tests.fuzz.strategies import bodies, fuzz, json_values
from tests.raw_http import DEEP, ISSUE_17, Sent

pytestmark = pytest.mark.asyncio(loop_scope="session")


def routes(bot: Everything) -> list[tuple[str, str]]:
    """Every route of the running bot: its method and its path, variables as ``{name}``."""
    found = []
    for route in bot.server.app.router.routes():
        canonical = route.resource.canonical if route.resource else "/"
        found.append((route.method, canonical))
    return sorted(set(found))


def no_line_breaks(value: bytes) -> bytes:
    """A header value cannot hold CR or LF without ending the header (a request with one is
    malformed, which other targets cover): they become spaces."""
    return value.replace(b"\r", b" ").replace(b"\n", b" ")


HOSTILE = [
    b"\xc3\xa9\xff",
    b"\xff\xfe",
    "²".encode(),
    "٣".encode(),
    b"9" * 5000,
    b"-1",
    b"",
    b" ",
    b"\x00",
    b"\x7f",
    b"Bearer \xc3\xa9\xff",
    b"Bearer " + b"a" * 3000,
    b"Basic ??",
    b"v0=\xc3\xa9",
    b"http://[",
    b"null",
]
header_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.binary(max_size=60).map(no_line_breaks),
    st.text(max_size=40).map(lambda t: no_line_breaks(t.encode("utf-8", "surrogatepass"))),
)
READ = [
    "X-Telegram-Bot-Api-Secret-Token",
    "X-Slack-Request-Timestamp",
    "X-Slack-Signature",
    "X-Slack-Retry-Num",
    "X-Twilio-Signature",
    "X-Twilio-Webhooks-Signature-Settings",
    "Authorization",
    "Cookie",
    "Origin",
    CSRF_HEADER,
    "X-Forwarded-Proto",
    "X-Forwarded-For",
    "Access-Control-Request-Headers",
    "Content-Encoding",
    "Accept",
]
"""Headers omnibot or aiohttp read."""
header_names = st.sampled_from(READ) | st.from_regex(r"X-[A-Za-z]{1,12}", fullmatch=True)
cookies = st.builds(
    lambda value: b"Cookie: " + COOKIE.encode() + b"=" + value,
    header_values,
)
content_types = st.one_of(
    st.sampled_from(
        [
            b"application/json",
            b"application/x-www-form-urlencoded",
            b"application/json; charset=x-nope",
            b"application/x-www-form-urlencoded; charset=x-nope",
            b"application/json; charset=utf-16",
            b"application/json; charset=base64",
            b"application/json; charset=latin-1",
            b"application/x-www-form-urlencoded; charset=\xff",
            b'text/plain; charset="utf\\x00"',
            b"multipart/form-data; boundary=x",
            b"message/rfc822",
        ]
    ),
    header_values,
)
path_parts = st.one_of(
    st.sampled_from(
        [
            b"abcdefgh12345678",
            b"AgACphoto",
            b"%FF%FE",
            b"%C0%AF",
            b"..%2F..%2Fetc",
            b"%00",
            b"x" * 300,
            b"claim",
            b"note",
        ]
    ),
    st.binary(min_size=1, max_size=30).map(lambda b: quote_from_bytes(b, safe="").encode()),
)
query_keys = st.sampled_from(
    [b"expires", b"signature", b"t", b"watermark", b"m", b"part", b"parts", b"link", b"token"]
) | st.binary(min_size=1, max_size=8).map(lambda b: quote_from_bytes(b).encode())
query_values = st.one_of(
    st.sampled_from([b"%FF", b"%C2%B2", b"9" * 5000, b"", b"-1", b"0-0", b"1732312345678-0"]),
    st.binary(max_size=30).map(lambda b: quote_from_bytes(b).encode()),
)
queries = st.lists(st.tuples(query_keys, query_values), max_size=4).map(
    lambda pairs: b"&".join(k + b"=" + v for k, v in pairs)
)
request_bodies = st.one_of(
    bodies,
    st.just(DEEP),
    st.just(b'{"a":' * 2000 + b"1" + b"}" * 2000),
    st.just(b"payload=" + b"%5B" * 5000 + b"%5D" * 5000),
    st.just(b"Body=\xff\xfe&From=%FF&To=%C3"),
    json_values.map(lambda v: b"payload=" + quote_from_bytes(json.dumps(v).encode()).encode()),
)


async def answer(bot: Everything, sent: Sent) -> int | None:
    """The status the server answered ``sent`` with; ``None`` when it was cut short (the client
    goes away). Returns once the server has finished with the connection, so that what the
    handler logged is in ``caplog``."""
    server = bot.server.runner.server if bot.server.runner else None
    assert server is not None
    before = set(server.connections)
    reader, writer = await asyncio.open_connection("127.0.0.1", bot.server.port)
    writer.write(sent.bytes())
    await writer.drain()
    status = None
    if sent.cut:
        await asyncio.sleep(0.05)  # the head is read and the handler waits for the rest
    else:
        line = await asyncio.wait_for(reader.readline(), 10)
        assert line, "the server closed the connection without an answer"
        status = int(line.split(b" ")[1])
    writer.close()
    for _ in range(1000):  # the server's own connection list: there is nothing to wait on
        if not set(server.connections) - before:
            break
        await asyncio.sleep(0.01)
    await bot.settle()
    return status


async def credentials(bot: Everything, path: str, body: bytes) -> list[bytes]:
    """The right credential for ``path``, so that the request passes the door."""
    if path.startswith("/telegram/webhook"):
        return [b"X-Telegram-Bot-Api-Secret-Token: " + TELEGRAM_SECRET.encode()]
    if path.startswith("/slack/"):
        stamp = str(int(time.time())).encode()
        base = b"v0:" + stamp + b":" + body
        digest = hmac.new(SLACK_SECRET.encode(), base, hashlib.sha256).hexdigest()
        return [b"X-Slack-Request-Timestamp: " + stamp, b"X-Slack-Signature: v0=" + digest.encode()]
    if path.startswith("/v3/directline"):
        return [b"Authorization: Bearer " + DIRECTLINE_SECRET.encode()]
    if path.startswith("/agent"):
        cookie, csrf = await signed_in(bot)
        return [f"Cookie: {COOKIE}={cookie}".encode(), f"{CSRF_HEADER}: {csrf}".encode()]
    return []


_agent: dict[str, tuple[str, str]] = {}


async def signed_in(bot: Everything) -> tuple[str, str]:
    """One agent's session for the whole target (signing in for every example would only
    exercise sign-in)."""
    if "ana" not in _agent:
        async with bot.http.post(
            bot.url("/agent/api/session"), json={"token": AGENT_TOKEN}
        ) as signed:
            assert signed.status == 200, await signed.text()
            _agent["ana"] = (signed.cookies[COOKIE].value, (await signed.json())["csrf"])
    return _agent["ana"]


def concrete(path: str, parts: list[bytes]) -> bytes:
    """``path`` with each ``{variable}`` replaced by the next of ``parts``."""
    out, rest = b"", path
    for part in parts:
        head, brace, tail = rest.partition("{")
        if not brace:
            break
        out += head.encode() + part
        rest = tail.partition("}")[2]
    return out + rest.replace("{", "").replace("}", "").encode()


@fuzz(300)
@given(data=st.data())
async def test_any_bytes_on_any_route_are_answered_below_500_without_a_traceback(
    bot: Everything, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    method, path = data.draw(st.sampled_from(routes(bot)), label="route")
    parts = data.draw(st.lists(path_parts, min_size=3, max_size=3), label="path")
    query = data.draw(queries, label="query")
    body = data.draw(request_bodies if method in ("POST", "PUT", "DELETE") else st.just(b""))
    headers = [
        name.encode() + b": " + value
        for name, value in data.draw(
            st.lists(st.tuples(header_names, header_values), max_size=5), label="headers"
        )
    ]
    headers += data.draw(st.lists(cookies, max_size=2), label="cookies")
    headers.append(b"Content-Type: " + data.draw(content_types, label="content type"))
    if data.draw(st.booleans(), label="with the right credential"):
        headers += await credentials(bot, path, body)
    target = concrete(path, parts) + (b"?" + query if query else b"")
    cut = data.draw(st.sampled_from(range(5)), label="cut short one time in five") == 0
    sent = Sent(method.encode(), target, headers, body, cut)
    caplog.clear()
    before = bot.footprint()
    status = await answer(bot, sent)
    assert status is None or status < 500, status
    assert_quiet(caplog)
    if status is None or status >= 400:
        assert bot.footprint() == before
    event("cut short" if status is None else str(status))


SIGNED = {"50,000-deep JSON to Slack", "charset=x-nope to Slack"}
"""Refused at the door when unsigned; signed, they reach what reads the body."""


@pytest.mark.parametrize(
    ("name", "signed"),
    [(name, False) for name in ISSUE_17] + [(name, True) for name in sorted(SIGNED)],
    ids=[*ISSUE_17, *(f"{name}, signed" for name in sorted(SIGNED))],
)
async def test_what_the_review_sent_is_refused_without_a_traceback(
    bot: Everything, caplog: pytest.LogCaptureFixture, name: str, signed: bool
) -> None:
    method, target, headers, body = ISSUE_17[name]
    if signed:
        headers = [*(await credentials(bot, target.decode(), body)), *headers]
    caplog.clear()
    before = bot.footprint()
    status = await answer(bot, Sent(method, target, headers, body))
    assert status is not None
    assert 400 <= status < 500, status
    assert_quiet(caplog)
    assert bot.footprint() == before


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "chunked"])
async def test_a_body_cut_short_on_any_route_is_one_info_line_and_changes_nothing(
    bot: Everything, caplog: pytest.LogCaptureFixture, chunked: bool
) -> None:
    caplog.set_level(logging.INFO, logger="omnibot.server")
    before = bot.footprint()
    for method, path in routes(bot):
        if method not in ("POST", "PUT", "DELETE"):
            continue
        target = concrete(path, [b"abcdefgh12345678"] * 3)
        headers = await credentials(bot, path, b"")
        body = b'5\r\n{"a":\r\n' if chunked else b'{"a":'
        caplog.clear()
        status = await answer(bot, Sent(method.encode(), target, headers, body, True, chunked))
        assert status is None, (path, status)
        assert_quiet(caplog)
        said = [r.getMessage() for r in caplog.records if r.name == "omnibot.server"]
        assert said == ["request refused: 400 the request body was cut short"], (path, said)
    assert bot.footprint() == before
