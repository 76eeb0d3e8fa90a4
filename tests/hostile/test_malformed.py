"""What the security review sent to ``omnibot run`` and got a 500 and a traceback for (issue 17,
finding 9), sent the same way: each is refused with a 4xx, and the log has no error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.kit import send, serving
from tests.raw_http import ISSUE_17, Sent
from tests.server_process import Log, Server

BODIES = [
    "/telegram/webhook",
    "/slack/events",
    "/sms/twilio",
    "/sms/twilio/status",
    "/agent/api/session",
    "/v3/directline/tokens/generate",
    "/v3/directline/conversations",
]
"""The routes that take a body and read it from anyone (no credential needed to be read)."""


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Log]]:
    with serving(tmp_path_factory.mktemp("malformed")) as running:
        yield running


def assert_no_error(logged: str) -> None:
    loud = [line for line in logged.splitlines() if line.startswith(("ERROR", "CRITICAL"))]
    assert not loud, logged
    assert "Traceback" not in logged, logged


@pytest.mark.parametrize("name", list(ISSUE_17))
async def test_what_the_review_sent_is_refused_and_logs_no_error(
    bot: tuple[Server, Log], name: str
) -> None:
    server, log = bot
    log.new()
    method, target, headers, body = ISSUE_17[name]
    status = await send(server.port, Sent(method, target, headers, body))
    path = target.decode().partition("?")[0]
    logged = await log.until(f"aiohttp.access {method.decode()} {path} ")
    assert status is not None
    assert 400 <= status < 500, (status, logged)
    assert_no_error(logged)


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "chunked"])
@pytest.mark.parametrize("path", BODIES)
async def test_a_body_cut_short_is_one_info_line(
    bot: tuple[Server, Log], path: str, chunked: bool
) -> None:
    server, log = bot
    log.new()
    body = b'5\r\n{"a":\r\n' if chunked else b'{"a":'
    headers = [b"Content-Type: application/json"]
    await send(server.port, Sent(b"POST", path.encode(), headers, body, True, chunked))
    logged = await log.until("request refused: 400 the request body was cut short")
    assert_no_error(logged)
