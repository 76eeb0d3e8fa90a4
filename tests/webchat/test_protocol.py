"""The web chat protocol over a real websocket: conversation, history, and everything refused."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry
from bot.http.sources import client_source
from connectors.webchat.client import topic
from connectors.webchat.rates import Limits, Rate
from connectors.webchat.settings import WebchatSettings
from connectors.webchat.signed_identity import sign
from tests.helpers import anonymous_user
from tests.webchat.kit import SocketChat, frames_until, next_frame, serving

SECRET = "host-site-signing-key-for-tests"
FLOWS = """
slots:
  size:
    type: choice
    prompt: Which size?
    options:
      - {value: small, title: Small}
      - {value: large, title: Large}
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say: "Hello {{ profile.name | default('there') }}!"
  shirt:
    triggers: {en: [buy a shirt]}
    steps:
      - ask: size
      - say: "A {{ slots.size }} shirt, then."
"""


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[SocketChat]:
    options = WebchatSettings(
        origins=("https://shop.example",),
        secret=SECRET,
        title="Shirts",
        limits=Limits(messages=Rate(5, 0.5)),
        hello_timeout=0.5,
    )
    async with serving(tmp_path, FLOWS, options) as served:
        yield served


async def bot_says(ws: aiohttp.ClientWebSocketResponse) -> list[str]:
    """The bot texts of the next batch of entries that has any."""
    while True:
        frames = await frames_until(ws, "entries")
        texts = [e["message"]["text"] for e in frames[-1]["entries"] if e["from"] == "bot"]
        if texts:
            return texts


async def test_a_conversation_over_the_socket(chat: SocketChat) -> None:
    ws, _ = await chat.hello()
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    ack, typing = await next_frame(ws), await next_frame(ws)
    assert ack == {"type": "ack", "id": "m1", "result": "accepted"}
    assert typing == {"type": "typing"}
    [entries] = await frames_until(ws, "entries")
    customer, bot = entries["entries"]
    assert (customer["from"], customer["text"], customer["client_id"]) == ("customer", "hi", "m1")
    assert bot["from"] == "bot"
    assert bot["message"] == {
        "type": "text",
        "text": "Hello there!",
        "format": "plain",
        "buttons": [],
        "quick_replies": [],
    }
    assert customer["id"] < bot["id"]
    await ws.close()


async def test_buttons_come_with_the_message_and_a_press_answers(chat: SocketChat) -> None:
    ws, _ = await chat.hello()
    await ws.send_json({"type": "message", "id": "m1", "text": "buy a shirt"})
    frames = await frames_until(ws, "entries")
    prompt = frames[-1]["entries"][-1]["message"]
    assert prompt["text"] == "Which size?"
    assert [b["title"] for b in prompt["buttons"]] == ["Small", "Large"]
    await ws.send_json({"type": "button", "id": "m2", "payload": "large", "title": "Large"})
    frames = await frames_until(ws, "entries")
    pressed, answer = frames[-1]["entries"]
    assert (pressed["kind"], pressed["text"]) == ("button", "Large")
    assert answer["message"]["text"] == "A large shirt, then."
    await ws.close()


async def test_a_reconnect_with_the_session_shows_the_history(chat: SocketChat) -> None:
    ws, session = await chat.hello()
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    await frames_until(ws, "entries")
    await ws.close()
    again, same = await chat.hello(session=session)
    assert same == session
    history = (await frames_until(again, "entries"))[-1]["entries"]
    assert [(e["from"], e.get("text") or e["message"]["text"]) for e in history] == [
        ("customer", "hi"),
        ("bot", "Hello there!"),
    ]
    await again.close()


async def test_the_history_is_shown_once_when_news_comes_while_it_is_read(
    chat: SocketChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, session = await chat.hello()
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    await frames_until(ws, "entries")
    await ws.close()
    read = chat.runtime.pipeline.entries
    conversation = anonymous_user(session)

    async def news_while_reading(customer_id: str, after: str | None, limit: int) -> Any:
        found = await read(customer_id, after, limit)
        await chat.runtime.bus.publish(topic(conversation), b"news")
        await asyncio.sleep(0.1)  # the notification lands while the history is on its way
        return found

    monkeypatch.setattr(chat.runtime.pipeline, "entries", news_while_reading)
    again, _ = await chat.hello(session=session)
    shown = []
    with contextlib.suppress(TimeoutError):
        while True:
            frame = await next_frame(again, within=0.5)
            shown += frame.get("entries", [])
    assert [e.get("text") or e["message"]["text"] for e in shown] == ["hi", "Hello there!"]
    await again.close()


async def test_a_reconnect_after_an_id_shows_only_what_came_later(chat: SocketChat) -> None:
    ws, session = await chat.hello()
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    first = (await frames_until(ws, "entries"))[-1]["entries"]
    await ws.send_json({"type": "message", "id": "m2", "text": "buy a shirt"})
    await frames_until(ws, "entries")
    await ws.close()
    again, _ = await chat.hello(session=session, after=first[-1]["id"])
    later = (await frames_until(again, "entries"))[-1]["entries"]
    assert [e.get("text") or e["message"]["text"] for e in later] == ["buy a shirt", "Which size?"]
    await again.close()


async def test_a_resent_message_is_processed_once(chat: SocketChat) -> None:
    ws, session = await chat.hello()
    await ws.send_json({"type": "message", "id": "same", "text": "hi"})
    await frames_until(ws, "entries")
    await ws.send_json({"type": "message", "id": "same", "text": "hi"})
    assert await next_frame(ws) == {"type": "ack", "id": "same", "result": "duplicate"}
    customer = await chat.runtime.pipeline.customer_of(visitor(session))
    assert customer is not None
    inputs = [
        e for e in await chat.runtime.memory.transcript(customer) if isinstance(e, InboundEntry)
    ]
    assert len(inputs) == 1
    await ws.close()


async def test_a_message_carries_a_digest_of_its_clients_address_for_limits(
    chat: SocketChat,
) -> None:
    ws, session = await chat.hello()
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    await frames_until(ws, "entries")
    customer = await chat.runtime.pipeline.customer_of(visitor(session))
    assert customer is not None
    [entry] = [
        e for e in await chat.runtime.memory.transcript(customer) if isinstance(e, InboundEntry)
    ]
    assert isinstance(entry.event, InboundEvent)
    assert entry.event.client == client_source("127.0.0.1")
    assert "127.0.0.1" not in entry.model_dump_json()
    await ws.close()


def visitor(session: str) -> ChannelIdentity:
    """The web chat identity of the anonymous session ``session``."""
    return ChannelIdentity(channel="webchat", user_id=anonymous_user(session))


@pytest.mark.parametrize(
    "first",
    [
        "not json",
        json.dumps({"type": "message", "id": "m1", "text": "hi"}),
        json.dumps({"type": "hello", "protocol": 99}),
        json.dumps({"type": "hello", "session": "short"}),
        json.dumps({"type": "hello", "extra": True}),
    ],
    ids=["not json", "not a hello", "unknown protocol", "bad session", "unknown field"],
)
async def test_a_bad_first_frame_closes_the_socket_and_stores_nothing(
    chat: SocketChat, first: str
) -> None:
    ws = await chat.connect()
    await ws.send_str(first)
    closed = await ws.receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert ws.close_code == 4400
    assert await chat.customers() == 0


async def test_a_socket_that_never_says_hello_is_closed(chat: SocketChat) -> None:
    ws = await chat.connect()
    closed = await ws.receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert ws.close_code == 4408


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("{nope", "bad_frame"),
        (json.dumps({"type": "shout", "text": "HI"}), "bad_frame"),
        (json.dumps({"type": "message", "id": "bad id!", "text": "hi"}), "bad_frame"),
        (json.dumps({"type": "button", "id": "m1", "payload": "x" * 1025}), "bad_frame"),
        (json.dumps({"type": "message", "id": "m1", "text": ""}), "bad_frame"),
        (json.dumps({"type": "hello"}), "bad_frame"),
    ],
    ids=["broken json", "unknown type", "bad id", "payload too long", "empty", "second hello"],
)
async def test_a_bad_frame_is_refused_and_stores_nothing(
    chat: SocketChat, frame: str, reason: str
) -> None:
    ws, _ = await chat.hello()
    await ws.send_str(frame)
    error = await next_frame(ws)
    assert (error["type"], error["code"]) == ("error", reason)
    assert await chat.customers() == 0
    await ws.close()


async def test_a_binary_frame_is_refused(chat: SocketChat) -> None:
    ws, _ = await chat.hello()
    await ws.send_bytes(b"\x00\x01")
    assert (await next_frame(ws))["code"] == "bad_frame"
    await ws.close()


async def test_an_oversized_frame_closes_the_socket_and_stores_nothing(chat: SocketChat) -> None:
    ws, _ = await chat.hello()
    await ws.send_str(json.dumps({"type": "message", "id": "m1", "text": "x" * 40_000}))
    closed = await ws.receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert ws.close_code == 1009
    assert await chat.customers() == 0


async def test_too_many_bad_frames_close_the_socket(chat: SocketChat) -> None:
    ws, _ = await chat.hello()
    for _ in range(5):
        await ws.send_str("{")
    async with asyncio.timeout(5):
        while True:
            message = await ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                break
    assert ws.close_code == 4400


async def test_sending_faster_than_the_limit_is_refused_message_by_message(
    chat: SocketChat,
) -> None:
    ws, session = await chat.hello()
    for n in range(8):
        await ws.send_json({"type": "message", "id": f"m{n}", "text": f"message {n}"})
    refused: set[str] = set()
    acked: set[str] = set()
    async with asyncio.timeout(10):
        while len(refused) + len(acked) < 8:
            frame = await next_frame(ws)
            if frame["type"] == "ack":
                acked.add(frame["id"])
            elif frame["type"] == "error":
                assert frame["code"] == "rate_limited"
                refused.add(frame["id"])
    assert len(acked) == 5
    assert refused == {"m5", "m6", "m7"}
    await chat.runtime.pipeline.join()
    customer = await chat.runtime.pipeline.customer_of(visitor(session))
    assert customer is not None
    inputs = [
        e for e in await chat.runtime.memory.transcript(customer) if isinstance(e, InboundEntry)
    ]
    assert len(inputs) == 5
    await ws.close()


async def test_a_signed_identity_is_verified_and_handed_to_the_core(chat: SocketChat) -> None:
    token = sign(
        {
            "sub": "user-42",
            "name": "Ana",
            "email": "Ana@Shop.Example",
            "email_verified": True,
            "exp": int(time.time()) + 600,
        },
        SECRET,
    )
    ws, _ = await chat.hello(identity=token)
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    assert await bot_says(ws) == ["Hello Ana!"]
    customer = await chat.runtime.pipeline.customer_of(
        ChannelIdentity(channel="webchat", user_id="u:user-42")
    )
    assert customer is not None
    record = await chat.runtime.memory.load(customer)
    assert record is not None
    assert [(a.kind, a.value) for a in record.verified] == [
        ("external_id", "user-42"),
        ("email", "ana@shop.example"),
    ]
    assert record.profile == {"name": "Ana"}
    await ws.close()


async def test_signed_identities_whose_ids_differ_only_in_case_are_two_customers(
    chat: SocketChat,
) -> None:
    customers = []
    for sub, said in (("User-42", "buy a shirt"), ("user-42", "hi")):
        token = sign({"sub": sub, "exp": int(time.time()) + 600}, SECRET)
        ws, _ = await chat.hello(identity=token)
        await ws.send_json({"type": "message", "id": "m1", "text": said})
        await bot_says(ws)
        await ws.close()
        await chat.runtime.pipeline.join()
        identity = ChannelIdentity(channel="webchat", user_id=f"u:{sub}")
        customers.append(await chat.runtime.pipeline.customer_of(identity))
    assert None not in customers
    assert customers[0] != customers[1]
    second = await chat.runtime.memory.load(str(customers[1]))
    assert second is not None
    assert [(a.kind, a.value) for a in second.verified] == [("external_id", "user-42")]
    transcript = await chat.runtime.memory.transcript(str(customers[1]))
    assert not any("shirt" in str(entry) for entry in transcript)  # nothing of the first one's


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "user-42", "exp": 10},
        {"sub": "user-42"},
        {"exp": 2**40},
        {"sub": "user-42", "exp": int(time.time()) + 30 * 24 * 3600},
    ],
    ids=["expired", "no expiry", "no subject", "lives too long"],
)
async def test_an_identity_with_bad_claims_is_refused(
    chat: SocketChat, claims: dict[str, Any]
) -> None:
    await expect_refused(chat, sign(claims, SECRET))


async def test_a_forged_identity_is_refused_not_ignored(chat: SocketChat) -> None:
    forged = sign({"sub": "user-42", "exp": int(time.time()) + 600}, "somebody-elses-key")
    await expect_refused(chat, forged)


async def test_a_tampered_identity_is_refused(chat: SocketChat) -> None:
    header, _, signature = sign({"sub": "user-1", "exp": int(time.time()) + 600}, SECRET).split(".")
    other = sign({"sub": "user-42", "exp": int(time.time()) + 600}, "x").split(".")[1]
    await expect_refused(chat, f"{header}.{other}.{signature}")


async def test_an_unsigned_identity_is_refused(chat: SocketChat) -> None:
    await expect_refused(chat, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyLTQyIn0.")


async def expect_refused(chat: SocketChat, identity: str) -> None:
    ws = await chat.connect()
    await ws.send_json({"type": "hello", "protocol": 1, "identity": identity})
    closed = await ws.receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert ws.close_code == 4401
    assert await chat.customers() == 0


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://shop.example", True),
        ("https://evil.example", False),
        ("http://shop.example", False),
        (None, True),
    ],
    ids=["configured", "another site", "another scheme", "no origin (not a browser)"],
)
async def test_only_allowed_origins_may_open_the_socket(
    chat: SocketChat, origin: str | None, allowed: bool
) -> None:
    headers = {"Origin": origin} if origin else {}
    if allowed:
        ws = await chat.connect(**headers)
        await ws.close()
        return
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await chat.connect(**headers)
    assert refused.value.status == 403
    assert await chat.customers() == 0


async def test_the_servers_own_pages_may_open_the_socket(chat: SocketChat) -> None:
    ws = await chat.connect(Origin=f"http://{chat.server.host}:{chat.server.port}")
    await ws.send_json({"type": "hello", "protocol": 1})
    assert (await next_frame(ws))["type"] == "welcome"
    await ws.close()


async def test_the_widget_and_the_demo_page_are_served(chat: SocketChat) -> None:
    async with chat.session.get(chat.server.make_url("/chat/widget.js")) as response:
        assert response.status == 200
        assert response.content_type == "text/javascript"
        assert "window.omnibot" in await response.text()
    async with chat.session.get(chat.server.make_url("/chat")) as response:
        page = await response.text()
        assert '<script src="/chat/widget.js" data-title="Shirts" data-open="true" defer>' in page
