"""The web chat's websocket and the Direct Line endpoints under hostile input.

Web chat: a first frame of any kind is a welcome or a close with 4400/4401; after a welcome,
frames of any kind get an ``ack`` or an ``error`` frame, never a dropped socket or an error in
the log, and a socket none of whose messages was acknowledged leaves the memory as it was. A
frame over the limit closes the socket with 1009. Direct Line: any body and any credential is
answered below 500, and what is refused is not stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bot.http.limits import MAX_WEBCHAT_FRAME
from connectors.webchat.signed_identity import sign
from tests.fuzz.kit import DIRECTLINE_SECRET, WEBCHAT_SECRET, Everything, assert_quiet
from tests.fuzz.strategies import bodies, dumps, fuzz, json_values, sometimes, texts

pytestmark = pytest.mark.asyncio(loop_scope="session")

_ids = itertools.count(1)
SENTINEL = {"type": "hello"}
"""A second hello is always refused with one error frame: seeing it means every frame before
it was handled."""


def _part(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def jwt(header: object, claims: object, secret: str = WEBCHAT_SECRET) -> str:
    """A JWT with any header and claims, signed (HS256) as a host site would."""
    head, body = _part(dumps(header)), _part(dumps(claims))
    digest = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_part(digest)}"


now = int(time.time())
claims = st.fixed_dictionaries(
    {
        "sub": sometimes(st.text(min_size=1, max_size=40)),
        "exp": sometimes(st.integers(now + 60, now + 6 * 24 * 3600)),
    },
    optional={
        "name": texts,
        "email": st.emails() | texts,
        "email_verified": st.booleans() | json_values,
        "phone_number": st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True) | texts,
        "phone_number_verified": st.booleans(),
        "iat": json_values,
    },
)
identities = st.one_of(
    claims.map(lambda c: sign(c, WEBCHAT_SECRET)),
    st.tuples(json_values, claims).map(lambda hc: jwt(hc[0], hc[1])),
    st.tuples(st.just({"alg": "HS256"}), json_values).map(lambda hc: jwt(hc[0], hc[1])),
    claims.map(lambda c: sign(c, "not-the-secret")),
    texts,
    st.lists(texts, min_size=3, max_size=3).map(".".join),
)
hellos = st.fixed_dictionaries(
    {"type": sometimes(st.just("hello"))},
    optional={
        "protocol": sometimes(st.just(1)),
        "session": sometimes(st.builds(lambda: secrets.token_urlsafe(32))),
        "identity": identities,
        "locale": sometimes(st.sampled_from(["en", "pt-BR"])),
        "after": sometimes(st.sampled_from(["0-0", "1732312345678-0"])),
        "link": sometimes(st.text(min_size=1, max_size=70)),
    },
)
client_ids = sometimes(st.builds(lambda: f"m{next(_ids)}"))
frames = st.one_of(
    st.fixed_dictionaries({"type": st.just("message"), "id": client_ids, "text": texts}),
    st.fixed_dictionaries(
        {
            "type": st.just("button"),
            "id": client_ids,
            "payload": st.sampled_from(["flow:order_status", "flow:talk_to_person"]) | texts,
        },
        optional={"title": texts},
    ),
    st.just({"type": "typing"}),
    json_values,
)


def too_big(*sent: Any) -> tuple[int, ...]:
    """(1009,) if one of the frames is over the limit: the socket closes for it."""
    sizes = [len((f if isinstance(f, str) else json.dumps(f)).encode()) for f in sent]
    return (1009,) if max(sizes) > MAX_WEBCHAT_FRAME else ()


async def chat(bot: Everything, hello: Any, sent: list[Any]) -> tuple[list[Any], int | None]:
    """Open a socket, say ``hello``, send ``sent`` (JSON values or raw text), then the sentinel;
    the frames the server sent, and its close code if it closed."""
    async with bot.http.ws_connect(bot.url("/chat/ws")) as ws:
        await ws.send_str(hello if isinstance(hello, str) else json.dumps(hello))
        for frame in [*sent, SENTINEL]:
            await ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))
        received: list[Any] = []
        while True:
            message = await ws.receive(timeout=10)
            if message.type is not aiohttp.WSMsgType.TEXT:
                return received, ws.close_code
            received.append(json.loads(message.data))
            if received[-1].get("message") == "hello is only the first frame":
                return received, None


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


DL = "/v3/directline"


async def start(bot: Everything) -> tuple[str, str]:
    """A Direct Line conversation, started with the secret: its id and token."""
    answer = await bot.request(
        "POST", f"{DL}/conversations", headers={"Authorization": f"Bearer {DIRECTLINE_SECRET}"}
    )
    started = json.loads(answer.text)
    return started["conversationId"], started["token"]


activities = st.fixed_dictionaries(
    {"type": sometimes(st.sampled_from(["message", "typing", "event", "invoke"]))},
    optional={
        "text": texts,
        "value": texts | json_values,
        "from": st.fixed_dictionaries({}, optional={"id": texts, "name": texts}),
        "locale": sometimes(st.sampled_from(["en", "pt-BR"])),
        "channelData": st.fixed_dictionaries(
            {},
            optional={
                "clientActivityID": sometimes(st.builds(lambda: f"a{next(_ids)}")),
                "postBack": st.booleans(),
                "messageBack": st.fixed_dictionaries({}, optional={"displayText": texts}),
            },
        ),
        "attachments": st.lists(json_values, max_size=2),
    },
)


messages = st.fixed_dictionaries(
    {
        "type": st.just("message"),
        "text": st.text(min_size=1, max_size=80) | texts,
        "channelData": st.builds(lambda: {"clientActivityID": f"a{next(_ids)}"}),
    },
    optional={"locale": texts, "from": st.fixed_dictionaries({"name": texts})},
)
"""What Web Chat posts when the customer types, with oddities."""


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
