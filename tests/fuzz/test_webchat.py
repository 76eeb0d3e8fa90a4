"""The web chat's websocket and the Direct Line endpoints under hostile input.

Web chat: a first frame of any kind is a welcome or a close with 4400/4401; after a welcome,
frames of any kind get an ``ack`` or an ``error`` frame, never a dropped socket or an error in
the log, and a socket none of whose messages was acknowledged leaves the memory as it was. A
frame over the limit closes the socket with 1009. Direct Line: any body and any credential is
answered below 500, and what is refused is not stored.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bot.http.limits import MAX_WEBCHAT_FRAME
from tests.fuzz.kit import DIRECTLINE_SECRET, Everything, assert_quiet
from tests.fuzz.strategies import bodies, dumps, fuzz, json_values, texts
from tests.fuzz.strategies.webchat import (
    DL,
    activities,
    chat,
    frames,
    hellos,
    messages,
    start,
    too_big,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@fuzz(100)
@given(hello=hellos | json_values | texts)
async def test_any_first_frame_is_a_welcome_or_a_clean_refusal(
    bot: Everything, caplog: pytest.LogCaptureFixture, hello: Any
) -> None:
    caplog.clear()
    before = bot.footprint()
    received, closed = await chat(bot, hello, [])
    await bot.settle()
    assert_quiet(caplog)
    if closed is not None:
        assert closed in (4400, 4401, *too_big(hello)), (closed, received)
    else:
        assert received[0]["type"] == "welcome"
    linked = isinstance(hello, dict) and "link" in hello and closed is None
    if not linked:  # a link token is presented as a start command, which the bot answers
        assert bot.footprint() == before
    event("welcome" if closed is None else f"closed {closed}")


@fuzz(120)
@given(hello=st.just({"type": "hello"}) | hellos, sent=st.lists(frames | texts, max_size=6))
async def test_any_frames_after_the_hello_are_acknowledged_or_refused(
    bot: Everything, caplog: pytest.LogCaptureFixture, hello: Any, sent: list[Any]
) -> None:
    caplog.clear()
    before = bot.footprint()
    received, closed = await chat(bot, hello, sent)
    await bot.settle()
    assert_quiet(caplog)
    assert closed in (None, 4400, 4401, *too_big(hello, *sent)), (closed, received)
    accepted = [f for f in received if f["type"] == "ack" and f["result"] == "accepted"]
    if not accepted and "link" not in hello:
        assert bot.footprint() == before
    event(f"{len(accepted)} accepted" if accepted else "none accepted")


async def test_a_frame_over_the_limit_closes_the_socket_and_stores_nothing(
    bot: Everything, caplog: pytest.LogCaptureFixture
) -> None:
    before = bot.footprint()
    text = "x" * MAX_WEBCHAT_FRAME
    received, closed = await chat(
        bot, {"type": "hello"}, [{"type": "message", "id": "m", "text": text}]
    )
    assert closed == 1009
    assert [f["type"] for f in received] == ["welcome"]
    await bot.settle()
    assert_quiet(caplog)
    assert bot.footprint() == before


@fuzz(150)
@given(body=st.one_of(bodies, activities.map(dumps), messages.map(dumps), messages.map(dumps)))
async def test_any_posted_activity_is_taken_or_refused_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    conversation, token = await start(bot)
    caplog.clear()
    before = bot.footprint()
    answer = await bot.request(
        "POST",
        f"{DL}/conversations/{conversation}/activities",
        body,
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    await bot.settle()
    assert answer.status in (200, 400), answer
    assert_quiet(caplog)
    if answer.status == 400:
        assert "error" in json.loads(answer.text)
        assert bot.footprint() == before
    event(f"{answer.status}, {'stored' if bot.footprint() != before else 'nothing stored'}")


header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@fuzz(100)
@given(
    method_path=st.sampled_from(
        [
            ("POST", "/tokens/generate"),
            ("POST", "/tokens/refresh"),
            ("POST", "/conversations"),
            ("GET", "/conversations/{c}"),
            ("POST", "/conversations/{c}/activities"),
            ("GET", "/conversations/{c}/activities"),
            ("GET", "/conversations/{c}/stream"),
        ]
    ),
    conversation=st.sampled_from(["ours", "abcdefgh12345678"]) | header_text,
    credential=st.sampled_from(["token", "secret", "none"]) | header_text,
    watermark=st.none() | header_text,
)
async def test_any_credential_and_path_is_answered_cleanly(
    bot: Everything,
    caplog: pytest.LogCaptureFixture,
    method_path: tuple[str, str],
    conversation: str,
    credential: str,
    watermark: str | None,
) -> None:
    ours, token = await start(bot)
    caplog.clear()
    before = bot.footprint()
    method, path = method_path
    target = ours if conversation == "ours" else quote(conversation, safe="")
    header = {"token": f"Bearer {token}", "secret": f"Bearer {DIRECTLINE_SECRET}", "none": ""}
    authorization = header.get(credential, credential)
    query = f"?watermark={quote(watermark, safe='')}" if watermark else ""
    answer = await bot.request(
        method,
        f"{DL}{path.format(c=target)}{query}",
        b'{"type": "typing"}' if method == "POST" else None,
        {"Authorization": authorization} if authorization else {},
    )
    await bot.settle()
    assert answer.status < 500, answer
    assert_quiet(caplog)
    assert bot.footprint() == before
    event(str(answer.status))
