"""The limits of bot/http/limits.py, on every route and every channel (docs/reliability.md)."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest

from bot.app.server import too_large
from bot.desk.console.sessions import COOKIE, CSRF_HEADER
from bot.format.messages import Address, ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry, NoteEntry
from bot.http.limits import (
    MAX_AGENT_TEXT,
    MAX_ATTACHMENTS,
    MAX_BODY,
    MAX_TEXT,
    MAX_WEBCHAT_FRAME,
    body_limit,
)
from tests.fakes.twilio import ACCOUNT_SID, BOT_NUMBER
from tests.fuzz.kit import AGENT_TOKEN, Everything, assert_quiet
from tests.fuzz.strategies.sms import signature
from tests.fuzz.strategies.webchat import chat

pytestmark = pytest.mark.asyncio(loop_scope="session")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def routes_that_take_a_body(bot: Everything) -> list[tuple[str, str, int]]:
    """Every route of the running bot that takes a body, its path made concrete, and the
    largest body it reads."""
    found = []
    for route in bot.server.app.router.routes():
        if route.method in WRITES:
            path = route.resource.canonical if route.resource else ""
            limit = body_limit(route.handler)
            found.append((route.method, path.replace("{", "").replace("}", ""), limit))
    return found


async def test_every_route_that_takes_a_body_is_under_the_limit(bot: Everything) -> None:
    paths = {path for _, path, _ in routes_that_take_a_body(bot)}
    assert {"/telegram/webhook", "/slack/events", "/sms/twilio", "/sms/twilio/status"} <= paths
    assert "/whatsapp/webhook" in paths
    assert {"/v3/directline/conversations/conversation/activities", "/agent/api/session"} <= paths


async def chunks(size: int) -> AsyncIterator[bytes]:
    """A body of ``size`` bytes sent chunked, without a length the server could check first."""
    for _ in range(size // 65536):
        yield b"x" * 65536
    yield b"x" * (size % 65536)


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "chunked"])
async def test_a_body_over_the_limit_is_answered_413_on_every_route(
    bot: Everything, caplog: pytest.LogCaptureFixture, chunked: bool
) -> None:
    before = bot.footprint()
    for method, path, limit in routes_that_take_a_body(bot):
        data = chunks(limit + 1) if chunked else io.BytesIO(b"x" * (limit + 1))
        async with bot.http.request(method, bot.url(path), data=data) as answer:
            assert answer.status == 413, (method, path)
            assert await answer.json() == {"error": too_large(limit)}
    await bot.settle()
    assert bot.footprint() == before
    assert_quiet(caplog)


async def test_a_body_at_the_limit_is_read(bot: Everything) -> None:
    async with bot.http.post(
        bot.url("/telegram/webhook"), data=io.BytesIO(b" " * MAX_BODY)
    ) as answer:
        assert answer.status == 401  # read, and refused for its missing secret, not its size


async def test_a_chunked_body_at_the_limit_is_read(bot: Everything) -> None:
    async with bot.http.post(bot.url("/telegram/webhook"), data=chunks(MAX_BODY)) as answer:
        assert answer.status == 401


_NUMBERS = itertools.count(1)
"""Numbers no test of the session texted from. (Counting the memory's identities was not: the
turns of the session's other tests move that count, and an erase takes it back.)"""


async def texted(bot: Everything, body: str, media: int = 0) -> list[object]:
    """A signed SMS from a new number; the entries of its customer's transcript."""
    known = next(_NUMBERS)
    sender = f"+1202555{known:04d}"
    form = {
        "MessageSid": f"SM{known:032x}",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": BOT_NUMBER,
        "Body": body,
        "NumMedia": str(media),
        **{f"MediaUrl{i}": f"https://api.twilio.com/m/{i}" for i in range(media)},
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature("/sms/twilio", form),
    }
    answer = await bot.request("POST", "/sms/twilio", urlencode(form).encode(), headers)
    assert answer.status == 200
    await bot.settle()
    customer = await bot.memory.lookup(ChannelIdentity(channel="sms", user_id=sender))
    assert customer is not None
    return list(await bot.memory.transcript(customer))


async def test_a_long_text_is_cut_and_the_transcript_says_so(bot: Everything) -> None:
    entries = await texted(bot, "é" * 10_000)
    said, note = entries[0], entries[1]
    assert isinstance(said, InboundEntry)
    assert isinstance(said.event, InboundEvent)
    assert said.event.text == "é" * MAX_TEXT
    assert isinstance(note, NoteEntry)
    assert (note.kind, note.text) == (
        "cut",
        "the customer's message was cut: its text to 4,096 of 10,000 characters",
    )


async def test_too_many_attachments_are_dropped_and_the_transcript_says_so(bot: Everything) -> None:
    entries = await texted(bot, "", media=MAX_ATTACHMENTS + 2)
    said, note = entries[0], entries[1]
    assert isinstance(said, InboundEntry)
    assert isinstance(said.event, InboundEvent)
    assert len(said.event.attachments) == MAX_ATTACHMENTS
    assert isinstance(note, NoteEntry)
    assert note.text == "the customer's message was cut: its attachments to 10 of 12"


async def test_a_web_chat_message_as_long_as_a_frame_allows_is_cut_not_refused(
    bot: Everything,
) -> None:
    text = "\x01" * MAX_TEXT + "more"  # six bytes a character in JSON: the frame's worst case
    received, closed = await chat(
        bot, {"type": "hello"}, [{"type": "message", "id": "w1", "text": text}]
    )
    assert closed is None
    assert {"type": "ack", "id": "w1", "result": "accepted"} in received
    assert len(json.dumps(text).encode()) < MAX_WEBCHAT_FRAME


@pytest.mark.parametrize(("length", "status"), [(MAX_AGENT_TEXT, 202), (MAX_AGENT_TEXT + 1, 400)])
async def test_an_agent_note_over_the_limit_is_refused_not_cut(
    bot: Everything, length: int, status: int
) -> None:
    async with bot.http.post(
        bot.url("/agent/api/session"), json={"name": f"limits {length}", "token": AGENT_TOKEN}
    ) as signed_in:
        cookie, csrf = signed_in.cookies[COOKIE].value, (await signed_in.json())["csrf"]
    address = Address(channel="webchat", user_id="s:limits", conversation_id="s:limits")
    said = InboundEvent(event_id="l1", channel="webchat", address=address, kind="text", text="hi")
    customer = (await bot.runtime.pipeline.submit(said)).customer_id
    await bot.settle()
    answer = await bot.request(
        "POST",
        f"/agent/api/conversations/{customer}/note",
        json.dumps({"text": "n" * length}).encode(),
        {"Content-Type": "application/json", "Cookie": f"{COOKIE}={cookie}", CSRF_HEADER: csrf},
    )
    await bot.settle()
    assert answer.status == status
