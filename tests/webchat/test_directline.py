"""Direct Line 3.0 against ``omnibot run`` with the example store bot, spoken as a client would.

Every request goes over HTTP or a websocket to a real server process; tokens that must be
refused are made with the module's own signer (with another secret, an old clock, another
conversation), the way a forger with the source code would try.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from bot.format.outbound import Button, Card, Media, Text
from bot.format.transcript import Logged, OutboundEntry
from bot.http.sources import client_source
from connectors.webchat.directline import inbound, outbound
from connectors.webchat.directline.tokens import Tokens
from tests.server_process import EXAMPLE, Server, clean_env, running, stopped
from tests.webchat.kit import DIRECTLINE_SECRET, WAIT, Activity, DirectLine, bot_messages, message

GREETING = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a return,"
    " or change a delivery address. What can I do for you?"
)
TOPICS = ["Order status", "Exchanges and returns", "Change delivery address", "Talk to a person"]
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
PREPARING = "Order A-10001: linen shirt (M)."
HELP = "I can help with these."


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running(EXAMPLE, env=clean_env(OMNIBOT_DIRECTLINE_SECRET=DIRECTLINE_SECRET)) as server:
        yield server


@dataclass
class Stream:
    """A websocket stream and everything it delivered."""

    ws: aiohttp.ClientWebSocketResponse
    activities: list[Activity] = field(default_factory=list)
    watermarks: list[str] = field(default_factory=list)

    async def until(self, text: str) -> list[Activity]:
        """Read activity sets until a bot message containing ``text``; the activities read."""
        start = len(self.activities)
        deadline = time.monotonic() + WAIT
        while not any(text in (a.get("text") or "") for a in bot_messages(self.activities[start:])):
            frame = await self.ws.receive(timeout=max(0.1, deadline - time.monotonic()))
            assert frame.type == aiohttp.WSMsgType.TEXT, frame
            activity_set = json.loads(frame.data)
            self.activities.extend(activity_set["activities"])
            self.watermarks.append(activity_set["watermark"])
        return self.activities[start:]


@pytest.fixture
async def client(server: Server) -> AsyncIterator[DirectLine]:
    async with aiohttp.ClientSession() as session:
        yield DirectLine(session, server.url)


@pytest.fixture
async def open_stream(client: DirectLine) -> AsyncIterator[Callable[[str], Any]]:
    opened: list[aiohttp.ClientWebSocketResponse] = []

    async def connect(url: str) -> Stream:
        ws = await client.session.ws_connect(url)
        opened.append(ws)
        return Stream(ws)

    yield connect
    for ws in opened:
        await ws.close()


def press(action: Activity, client_id: str) -> Activity:
    """What Web Chat posts when a ``messageBack`` action is pressed."""
    return {
        "type": "message",
        "value": action["value"],
        "from": {"id": "dl_someone", "role": "user"},
        "channelData": {
            "clientActivityID": client_id,
            "messageBack": {"displayText": action["displayText"]},
        },
    }


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def order(watermark: str) -> tuple[int, ...]:
    return tuple(int(part) for part in watermark.split("-"))


async def test_a_conversation_streams_the_echo_and_the_replies_with_rising_watermarks(
    client: DirectLine, open_stream: Callable[[str], Any]
) -> None:
    conversation = await client.start()
    assert set(conversation) == {"conversationId", "token", "expires_in", "streamUrl"}
    assert 1700 < conversation["expires_in"] <= 1800
    assert conversation["streamUrl"].startswith(f"ws://{client.url.removeprefix('http://')}/")
    stream: Stream = await open_stream(conversation["streamUrl"])

    await client.say(conversation, "hi", "c-hi")
    echo, greeting = await stream.until(GREETING)
    user = f"dl_{conversation['conversationId']}"
    assert echo["from"] == {"id": user, "role": "user"}
    assert echo["text"] == "hi"
    assert echo["channelData"] == {"clientActivityID": "c-hi"}
    assert echo["conversation"] == {"id": conversation["conversationId"]}
    assert greeting["from"]["role"] == "bot"
    assert greeting["text"] == GREETING
    assert greeting["textFormat"] == "plain"
    actions = greeting["suggestedActions"]["actions"]
    assert [a["title"] for a in actions] == TOPICS
    assert {a["type"] for a in actions} == {"messageBack"}
    assert len({a["id"] for a in stream.activities}) == len(stream.activities)

    status, answer = await client.post(conversation, press(actions[0], "c-press"))
    assert (status, answer) == (200, {"id": f"{conversation['conversationId']}|c-press"})
    pressed, asked = await stream.until(ASK_ORDER)
    assert pressed["text"] == "Order status"
    assert pressed["value"] == actions[0]["value"]
    assert pressed["channelData"] == {
        "clientActivityID": "c-press",
        "messageBack": {"displayText": "Order status"},
    }
    assert asked["text"] == ASK_ORDER

    await client.say(conversation, "A-10001", "c-order")
    (*_, status_message) = await stream.until(PREPARING)
    assert status_message["text"].startswith(PREPARING)
    assert [order(w) for w in stream.watermarks] == sorted({order(w) for w in stream.watermarks})
    assert len(stream.watermarks) >= 3


async def test_a_generated_token_is_bound_to_a_new_conversation_and_names_its_user(
    client: DirectLine,
) -> None:
    status, generated = await client.call("POST", "/tokens/generate", DIRECTLINE_SECRET)
    assert status == 200
    assert set(generated) == {"conversationId", "token", "expires_in"}
    token_claims = claims(generated["token"])
    assert token_claims["conv"] == generated["conversationId"]
    assert token_claims["user"] == f"dl_{generated['conversationId']}"
    assert token_claims["exp"] - time.time() > 1700
    assert DIRECTLINE_SECRET not in json.dumps(token_claims)

    conversation = await client.start(generated["token"])
    assert conversation["conversationId"] == generated["conversationId"]
    assert conversation["token"] == generated["token"]
    await client.say(conversation, "hi", "c-1")
    answer = await client.poll_until(conversation, GREETING)
    assert [a["text"] for a in answer["activities"]] == ["hi", GREETING]

    status, refused = await client.call("POST", "/tokens/generate", generated["token"])
    assert status == 403
    assert refused["error"]["code"] == "BadArgument"


async def test_polling_returns_what_came_after_the_watermark(client: DirectLine) -> None:
    conversation = await client.start()
    assert await client.poll(conversation) == {"activities": []}
    await client.say(conversation, "hi", "c-1")
    first = await client.poll_until(conversation, GREETING)
    await client.say(conversation, "where is my order", "c-2")
    later = await client.poll_until(conversation, ASK_ORDER, first["watermark"])
    assert [a["text"] for a in later["activities"]] == ["where is my order", ASK_ORDER]
    assert order(later["watermark"]) > order(first["watermark"])
    everything = await client.poll(conversation)
    assert [a["text"] for a in everything["activities"]] == [
        "hi",
        GREETING,
        "where is my order",
        ASK_ORDER,
    ]
    assert await client.poll(conversation, later["watermark"]) == {
        "activities": [],
        "watermark": later["watermark"],
    }


async def test_reconnecting_streams_only_what_came_after_the_watermark(
    client: DirectLine, open_stream: Callable[[str], Any]
) -> None:
    conversation = await client.start()
    await client.say(conversation, "hi", "c-1")
    seen = await client.poll_until(conversation, GREETING)
    await client.say(conversation, "help", "c-2")
    await client.poll_until(conversation, HELP)

    path = f"/conversations/{conversation['conversationId']}?watermark={seen['watermark']}"
    status, resumed = await client.call("GET", path, conversation["token"])
    assert status == 200
    assert resumed["conversationId"] == conversation["conversationId"]
    assert resumed["token"] == conversation["token"]
    assert f"watermark={seen['watermark']}" in resumed["streamUrl"]
    stream: Stream = await open_stream(resumed["streamUrl"])
    activities = await stream.until(HELP)
    assert activities[0]["text"] == "help"
    assert all(a["text"] not in ("hi", GREETING) for a in activities)


async def test_a_token_is_refreshed_for_the_same_conversation(client: DirectLine) -> None:
    status, generated = await client.call("POST", "/tokens/generate", DIRECTLINE_SECRET)
    assert status == 200
    status, refreshed = await client.call("POST", "/tokens/refresh", generated["token"])
    assert status == 200
    assert refreshed["conversationId"] == generated["conversationId"]
    assert refreshed["token"] != generated["token"]
    assert claims(refreshed["token"])["exp"] >= claims(generated["token"])["exp"]
    conversation = {"conversationId": generated["conversationId"], "token": refreshed["token"]}
    await client.say(conversation, "hi", "c-1")
    await client.poll_until(conversation, GREETING)

    status, refused = await client.call("POST", "/tokens/refresh", DIRECTLINE_SECRET)
    assert (status, refused["error"]["code"]) == (403, "BadArgument")
    status, refused = await client.call("POST", "/tokens/refresh")
    assert (status, refused["error"]["code"]) == (401, "BadArgument")


async def test_a_retried_activity_is_processed_once(client: DirectLine) -> None:
    conversation = await client.start()
    first = await client.post(conversation, message("hi", "c-retried"))
    again = await client.post(conversation, message("hi", "c-retried"))
    assert first == again == (200, {"id": f"{conversation['conversationId']}|c-retried"})
    await client.say(conversation, "help", "c-next")
    answer = await client.poll_until(conversation, HELP)
    retried = [a for a in answer["activities"] if a["text"] == "hi"]
    assert len(retried) == 1
    assert [a["text"] for a in bot_messages(answer["activities"])].count(GREETING) == 1


async def test_with_redis_and_two_workers_each_stream_hears_its_replies(redis_url: str) -> None:
    """Posts and streams land on either worker (a new connection each time); the bus carries
    the news and the transcript, with Redis's own entry ids as watermarks, the messages."""
    env = clean_env(OMNIBOT_REDIS_URL=redis_url, OMNIBOT_DIRECTLINE_SECRET=DIRECTLINE_SECRET)
    with running(EXAMPLE, "--workers", "2", env=env) as server:
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            client = DirectLine(session, server.url)
            conversations = [await client.start() for _ in range(4)]
            streams = [Stream(await session.ws_connect(c["streamUrl"])) for c in conversations]
            for conversation in conversations:
                await client.say(conversation, "hi", "c-1")
            for stream in streams:
                await stream.until(GREETING)
            for conversation, stream in zip(conversations, streams, strict=True):
                await client.say(conversation, "where is my order", "c-2")
                assert [a["text"] for a in await stream.until(ASK_ORDER)] == [
                    "where is my order",
                    ASK_ORDER,
                ]
            later = await client.poll(conversations[0], streams[0].watermarks[0])
            assert [a["text"] for a in later["activities"]] == ["where is my order", ASK_ORDER]
            for stream in streams:
                await stream.ws.close()


async def inbound_events(server: Server, session: aiohttp.ClientSession) -> float:
    async with session.get(f"{server.url}/metrics") as response:
        text = await response.text()
    found = re.findall(r'^omnibot_inbound_events_total\{channel="webchat".*\} (\S+)$', text, re.M)
    return sum(float(value) for value in found)


def forged(conversation_id: str) -> str:
    return Tokens("another-secret-entirely").issue(conversation_id).token


def expired(conversation_id: str) -> str:
    return Tokens(DIRECTLINE_SECRET, clock=lambda: time.time() - 3600).issue(conversation_id).token


def foreign(conversation_id: str) -> str:
    return Tokens(DIRECTLINE_SECRET).issue("SomeOtherConversation").token


def swapped(conversation_id: str) -> str:
    """A token of another conversation with this conversation's claims pasted in."""
    header, _, signature = foreign(conversation_id).split(".")
    payload = Tokens(DIRECTLINE_SECRET).issue(conversation_id).token.split(".")[1]
    return f"{header}.{payload[:-2]}AA.{signature}"


def stream_only(conversation_id: str) -> str:
    return Tokens(DIRECTLINE_SECRET).issue(conversation_id, "stream").token


@pytest.mark.parametrize(
    ("credential", "status", "code"),
    [
        (lambda conversation: None, 401, "BadArgument"),
        (lambda conversation: "", 401, "BadArgument"),
        (lambda conversation: DIRECTLINE_SECRET[:-1], 403, "TokenInvalid"),
        (forged, 403, "TokenInvalid"),
        (expired, 403, "TokenExpired"),
        (foreign, 403, "TokenInvalid"),
        (swapped, 403, "TokenInvalid"),
        (stream_only, 403, "TokenInvalid"),
    ],
    ids=["none", "empty", "wrong-secret", "forged", "expired", "foreign", "swapped", "stream"],
)
async def test_bad_credentials_are_refused_and_nothing_is_stored(
    client: DirectLine,
    server: Server,
    credential: Callable[[str], str | None],
    status: int,
    code: str,
) -> None:
    _, generated = await client.call("POST", "/tokens/generate", DIRECTLINE_SECRET)
    conversation_id = generated["conversationId"]
    bad = credential(conversation_id)
    before = await inbound_events(server, client.session)
    path = f"/conversations/{conversation_id}"
    for method, where, body in [
        ("POST", f"{path}/activities", message("hi", "c-1")),
        ("GET", f"{path}/activities", None),
        ("GET", path, None),
    ]:
        answer = await client.call(method, where, bad, body)
        assert answer == (
            status,
            {"error": {"code": code, "message": answer[1]["error"]["message"]}},
        )
    if credential is not foreign:
        assert (await client.call("POST", "/conversations", bad))[0] == status
    assert (await client.call("POST", "/tokens/generate", bad))[0] in (401, 403)

    assert await inbound_events(server, client.session) == before
    mine = {"conversationId": conversation_id, "token": generated["token"]}
    assert await client.poll(mine) == {"activities": []}


async def test_a_stream_opens_only_with_a_token_of_its_conversation(
    client: DirectLine, server: Server
) -> None:
    conversation = await client.start()
    url = conversation["streamUrl"].split("?")[0]
    other = Tokens(DIRECTLINE_SECRET).issue("SomeOtherConversation", "stream").token
    for query in [f"?t={other}", f"?t={forged(conversation['conversationId'])}", ""]:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.session.ws_connect(url + query)
        assert refused.value.status in (401, 403)
    async with client.session.ws_connect(
        url, headers={"Authorization": f"Bearer {conversation['token']}"}
    ) as ws:
        assert not ws.closed


@pytest.mark.parametrize(
    "body",
    [
        b"this is not json",
        b"[]",
        json.dumps({"text": "hi"}).encode(),
        json.dumps({"type": "message"}).encode(),
        json.dumps({"type": "message", "text": ""}).encode(),
        json.dumps({"type": "message", "value": {"an": "object"}}).encode(),
        json.dumps({"type": "message", "text": "hi", "channelData": "nope"}).encode(),
        json.dumps(message("hi", "")).encode(),
        json.dumps(message("hi", attachments=[{"contentUrl": "https://x.test/a.png"}])).encode(),
        json.dumps({"type": "conversationUpdate"}).encode(),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-type",
        "no-text",
        "empty-text",
        "object-value",
        "channel-data-not-an-object",
        "empty-client-id",
        "attachments",
        "unsupported-type",
    ],
)
async def test_malformed_activities_are_refused_with_400(
    client: DirectLine, server: Server, body: bytes
) -> None:
    conversation = await client.start()
    before = await inbound_events(server, client.session)
    path = f"/conversations/{conversation['conversationId']}/activities"
    status, answer = await client.call("POST", path, conversation["token"], data=body)
    assert status == 400
    assert answer["error"]["code"] == "BadArgument"
    assert answer["error"]["message"]
    assert await inbound_events(server, client.session) == before
    assert await client.poll(conversation) == {"activities": []}


async def test_typing_is_acknowledged_and_ignored(client: DirectLine, server: Server) -> None:
    conversation = await client.start()
    before = await inbound_events(server, client.session)
    status, answer = await client.post(conversation, {"type": "typing", "from": {"id": "x"}})
    assert status == 200
    assert answer["id"].startswith(f"{conversation['conversationId']}|")
    assert await inbound_events(server, client.session) == before


async def test_pages_of_any_site_may_call_it(client: DirectLine) -> None:
    headers = {
        "Origin": "https://shop.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-ms-bot-agent",
    }
    url = f"{client.url}/v3/directline/conversations"
    async with client.session.options(url, headers=headers) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        assert "x-ms-bot-agent" in response.headers["Access-Control-Allow-Headers"]
    async with client.session.post(url, headers={"Origin": "https://shop.example"}) as response:
        assert response.status == 401
        assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_neither_the_secret_nor_any_token_is_logged() -> None:
    secret = "a-secret-that-must-never-be-logged-42"
    with running(EXAMPLE, env=clean_env(OMNIBOT_DIRECTLINE_SECRET=secret)) as server:
        async with aiohttp.ClientSession() as session:
            client = DirectLine(session, server.url)
            conversation = await client.start(secret)
            async with session.ws_connect(conversation["streamUrl"]) as ws:
                await client.say(conversation, "hi", "c-1")
                await Stream(ws).until(GREETING)
            _, generated = await client.call("POST", "/tokens/generate", secret)
            _, refreshed = await client.call("POST", "/tokens/refresh", generated["token"])
            old = Tokens(secret, clock=lambda: time.time() - 3600).issue("OldConversation")
            assert (await client.call("POST", "/conversations", old.token))[0] == 403
            assert (await client.call("POST", "/conversations", secret[:-1]))[0] == 403
        logged = (await stopped(server)).err
    assert re.search(r"GET /v3/directline/conversations/[^ ?]+/stream 101", logged), logged
    stream_token = conversation["streamUrl"].split("t=")[1]
    for value in (secret, conversation["token"], generated["token"], refreshed["token"], old.token):
        assert value not in logged
    assert stream_token not in logged
    for token in (conversation["token"], stream_token):
        assert token.split(".")[2] not in logged


def test_cards_media_and_link_buttons_become_hero_cards_attachments_and_open_url() -> None:
    at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    track = Button(title="Track", kind="url", url="https://tracking.example.com/QB1")
    card = Card(
        title="Linen shirt",
        subtitle="R$189.90",
        image_url="https://shop.example/shirt.jpg",
        buttons=(Button(title="Buy", payload="buy:shirt"), track),
    )
    photo = Media(kind="image", url="https://shop.example/p.png?size=2", caption="Your parcel")
    text = Text(text="**Done**", format="markdown", quick_replies=(track,))

    def shown(message: Card | Media | Text) -> dict[str, Any]:
        entry = OutboundEntry(at=at, message_id="m1", channel="webchat", message=message)
        activity = outbound.render(Logged("1-0", entry), "Conv123456", "Store")
        assert activity is not None
        dumped: dict[str, Any] = activity.model_dump(mode="json", exclude_none=True)
        assert dumped["from"] == {"id": "bot", "name": "Store", "role": "bot"}
        assert dumped["id"] == "Conv123456|1-0"
        assert dumped["timestamp"] == "2026-11-20T12:00:00Z"
        return dumped

    assert shown(card)["attachments"] == [
        {
            "contentType": "application/vnd.microsoft.card.hero",
            "content": {
                "title": "Linen shirt",
                "subtitle": "R$189.90",
                "images": [{"url": "https://shop.example/shirt.jpg"}],
                "buttons": [
                    {
                        "type": "messageBack",
                        "title": "Buy",
                        "value": "buy:shirt",
                        "displayText": "Buy",
                    },
                    {
                        "type": "openUrl",
                        "title": "Track",
                        "value": "https://tracking.example.com/QB1",
                    },
                ],
            },
        }
    ]
    media = shown(photo)
    assert media["text"] == "Your parcel"
    assert media["attachments"] == [
        {"contentType": "image/png", "contentUrl": "https://shop.example/p.png?size=2"}
    ]
    markdown = shown(text)
    assert (markdown["text"], markdown["textFormat"]) == ("**Done**", "markdown")
    assert markdown["suggestedActions"]["actions"][0]["type"] == "openUrl"


def test_a_posted_activity_carries_a_digest_of_its_clients_address_for_limits() -> None:
    activity = inbound.read(b'{"type": "message", "text": "hi", "from": {"id": "dl_1"}}')
    event = inbound.parse(activity, "c1", client_source("203.0.113.7"))
    assert event is not None
    assert event.client == client_source("203.0.113.7")
