"""What the fuzzers found, each kept as the example that found it (the list is in
docs/reliability.md); a time zone that is no file is in ``test_bot_yaml``."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.desk.console.sessions import COOKIE, CSRF_HEADER
from bot.format.messages import Address, InboundEvent
from tests.fuzz.kit import AGENT_TOKEN, Everything, assert_quiet, closed
from tests.fuzz.strategies.slack import JSON, post

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.parametrize("event", [None, [], "message", 1])
async def test_a_signed_slack_event_that_is_not_an_object_is_refused_with_400_not_500(
    bot: Everything, caplog: pytest.LogCaptureFixture, event: object
) -> None:
    body = {"type": "event_callback", "team_id": "T0TEST", "event_id": "Ev1", "event": event}
    before = bot.footprint()
    assert await post(bot, json.dumps(body).encode(), JSON) == 400
    assert_quiet(caplog)
    assert bot.footprint() == before


async def test_an_unsigned_slack_event_that_is_not_an_object_is_still_refused_with_401(
    bot: Everything, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"type": "event_callback", "event": None}).encode()
    assert await post(bot, body, JSON, headers={}) == 401
    assert_quiet(caplog)


async def signed_in(bot: Everything) -> tuple[str, str]:
    body = {"name": "regressions", "token": AGENT_TOKEN}
    async with bot.http.post(bot.url("/agent/api/session"), json=body) as answer:
        return answer.cookies[COOKIE].value, (await answer.json())["csrf"]


@pytest.mark.parametrize("frame", ["null", "[]", "3", '"watch"'])
async def test_a_console_frame_that_is_json_but_not_an_object_keeps_the_socket_open(
    bot: Everything, caplog: pytest.LogCaptureFixture, frame: str
) -> None:
    cookie, _ = await signed_in(bot)
    headers = {"Cookie": f"{COOKIE}={cookie}"}
    async with bot.http.ws_connect(bot.url("/agent/ws"), headers=headers) as ws:
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        await ws.send_str(frame)
        await ws.send_str(json.dumps({"type": "watch", "customer": "c1"}))
        await asyncio.sleep(0.05)
        assert not ws.closed
    await closed(bot)
    assert_quiet(caplog)


@pytest.mark.parametrize(
    "body",
    [
        '{"token": "a\\ud800b"}',
        '{"name": "ana", "password": "\\udfff"}',
        '{"name": "\\ud800", "token": "x"}',
    ],
)
async def test_a_sign_in_with_a_lone_surrogate_is_refused_with_400_not_500(
    bot: Everything, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    answer = await bot.request(
        "POST", "/agent/api/session", body.encode(), {"Content-Type": "application/json"}
    )
    assert (answer.status, json.loads(answer.text)) == (400, {"error": "a JSON object is expected"})
    assert_quiet(caplog)


async def test_an_agent_note_with_a_lone_surrogate_is_refused_and_stores_nothing(
    bot: Everything, caplog: pytest.LogCaptureFixture
) -> None:
    cookie, csrf = await signed_in(bot)
    address = Address(channel="webchat", user_id="s:note", conversation_id="s:note")
    said = InboundEvent(event_id="n1", channel="webchat", address=address, kind="text", text="hi")
    customer = (await bot.runtime.pipeline.submit(said)).customer_id
    await bot.settle()
    before = bot.footprint()
    answer = await bot.request(
        "POST",
        f"/agent/api/conversations/{customer}/note",
        b'{"text": "a\\ud800b"}',
        {"Content-Type": "application/json", "Cookie": f"{COOKIE}={cookie}", CSRF_HEADER: csrf},
    )
    await bot.settle()
    assert answer.status == 400
    assert bot.footprint() == before
    assert_quiet(caplog)


async def test_a_request_line_over_the_limit_is_refused_without_a_traceback(
    bot: Everything, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.server")
    answer = await bot.request("GET", "/healthz?token=" + "s3cret" * 2000)
    assert answer.status == 400
    assert_quiet(caplog)
    [line] = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert line.getMessage() == "refused a malformed HTTP request (LineTooLong)"
    assert "s3cret" not in caplog.text
