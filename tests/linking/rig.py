"""The example store bot under ``omnibot run --workers 2`` on Redis, with every channel a
customer may link (web chat with signed identities, Direct Line, SMS, Telegram), the fake vendor
APIs, a shop's own site for signed-in visitors and Chromium; and a web chat spoken as the widget
speaks it, open all along. The suite's conftest starts one (``rig``) for each test module."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import json
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from playwright.async_api import Browser

from bot.format.messages import ChannelIdentity
from bot.turn.customer import CustomerRecord
from memory.redis.store import RedisMemory
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_updates import Updates, deliver
from tests.fakes.twilio import FakeTwilio
from tests.helpers import anonymous_user
from tests.host_site import host_site
from tests.server_process import Server

PUBLIC_URL = "https://bot.example.test"
TELEGRAM_SECRET = "linking-webhook-secret"
WEBCHAT_SECRET = "a-host-site-secret-for-the-linking-tests"
DIRECTLINE_SECRET = "directline-secret-for-the-linking-tests-0123"
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
ORDER = (
    "Order A-10001: linen shirt (M). It is going to Rua Augusta 1200, apto 31, São Paulo - SP,"
    " CEP 01304-001."
)
ASK_ADDRESS = (
    "What's the new delivery address? Please write the street, number, any apartment, and the city."
)
ASKED = re.compile(
    r"This will join this chat to a web chat conversation started today at \d\d:\d\d \(UTC\)\."
    r" Only say yes if you asked for this code yourself\. Join them\?"
)
LINKED = "Done: this chat is now part of your conversation."
RESUME = "Welcome back! Let's carry on where we left off."
DECLINED = "OK, nothing was joined: this chat goes on as before."
REFUSED = (
    "The code you asked for was used on {}, but not accepted there: nothing was joined. Ask for"
    " a new code if you still want to continue elsewhere."
)
NOTICE = "Your conversation now continues on {} too. If that wasn't you, tell us here."
WAIT = 15.0


@dataclass
class Rig:
    """The store bot under ``omnibot run --workers 2``, its fakes, and a look at its memory."""

    server: Server
    twilio: FakeTwilio
    telegram: FakeTelegram
    memory: RedisMemory
    session: aiohttp.ClientSession
    browser: Browser
    shop: str
    updates: Updates = field(default_factory=Updates)

    async def customer(self, channel: str, user: str) -> str | None:
        return await self.memory.lookup(ChannelIdentity(channel=channel, user_id=user))

    async def record(self, customer_id: str | None) -> CustomerRecord:
        assert customer_id is not None
        record = await self.memory.load(customer_id)
        assert record is not None
        return record

    async def telegram_update(self, update: dict[str, Any]) -> None:
        """An update as Telegram delivers it, on a connection of its own (either worker)."""
        await deliver(self.server.url, TELEGRAM_SECRET, update)

    async def sms(self, phone: str, body: str) -> None:
        assert (await self.twilio.text(phone, body)).status == 200

    async def sms_texts(self, phone: str, count: int) -> list[str]:
        return [sent.body or "" for sent in await self.twilio.wait_sent(phone, count, WAIT)]

    async def directline(self, method: str, path: str, credential: str, body: object = None) -> Any:
        headers = {"Authorization": f"Bearer {credential}"}
        url = f"{self.server.url}/v3/directline{path}"
        async with self.session.request(method, url, headers=headers, json=body) as response:
            assert response.status in (200, 201), await response.text()
            return await response.json()


@contextlib.asynccontextmanager
async def shop_site(port: int, bot: str) -> AsyncIterator[str]:
    """The shop's own site (another origin than the bot's, allowed to open the chat):
    ``/account?identity=<signed identity>`` is a page with the chat of that customer, open."""

    def account(request: web.Request) -> str:
        identity = html.escape(request.query["identity"])
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
            f'</head><body><h1>My account</h1><script src="{html.escape(bot)}/chat/widget.js"'
            f' data-title="Store" data-open="true" data-identity="{identity}"></script>'
            "</body></html>"
        )

    async with host_site(port, "/account", account) as url:
        yield url


def shown(entry: dict[str, Any]) -> str:
    """What a web chat entry frame shows: the customer's text or the bot's."""
    if entry["from"] == "customer":
        return str(entry["text"])
    return str(entry["message"].get("text", ""))


@dataclass
class WebChat:
    """A web chat open all along (a websocket, as the widget speaks it), and what it showed;
    for the attacker, the code they asked for there."""

    rig: Rig
    session: str
    ws: aiohttp.ClientWebSocketResponse
    user: str
    heard: list[str] = field(default_factory=list)
    code: str = ""
    token: str = ""
    reader: asyncio.Task[None] | None = None

    async def customer(self) -> str | None:
        return await self.rig.customer("webchat", self.user)

    async def say(self, text: str) -> None:
        await self.ws.send_json({"type": "message", "id": secrets.token_hex(8), "text": text})

    async def read(self) -> None:
        async for message in self.ws:
            frame = json.loads(message.data)
            if frame["type"] == "entries":
                self.heard.extend(shown(entry) for entry in frame["entries"])

    async def hears(self, text: str) -> None:
        """Wait until the open chat shows ``text``."""
        deadline = time.monotonic() + WAIT
        while text not in self.heard:
            assert time.monotonic() < deadline, f"the open chat never showed {text!r}"
            await asyncio.sleep(0.05)

    async def history(self) -> list[str]:
        """Everything a reconnect from the very start (``after: "0-0"``) shows."""
        ws = await self.rig.session.ws_connect(f"{self.rig.server.url}/chat/ws")
        hello = {"type": "hello", "protocol": 1, "session": self.session, "after": "0-0"}
        await ws.send_json(hello)
        found: list[str] = []
        with contextlib.suppress(TimeoutError):
            while True:
                frame = json.loads((await ws.receive(timeout=1.5)).data)
                if frame["type"] == "entries":
                    found.extend(shown(entry) for entry in frame["entries"])
        await ws.close()
        return found


@contextlib.asynccontextmanager
async def web_chat(rig: Rig, identity: str | None = None) -> AsyncIterator[WebChat]:
    """An anonymous web chat, or a signed-in one with ``identity``, open until the end."""
    ws = await rig.session.ws_connect(f"{rig.server.url}/chat/ws")
    hello: dict[str, Any] = {"type": "hello", "protocol": 1, "locale": "en-US"}
    if identity is not None:
        hello["identity"] = identity
    await ws.send_json(hello)
    session = json.loads((await ws.receive(timeout=WAIT)).data)["session"]
    user = f"u:{_claims(identity)['sub']}" if identity else anonymous_user(session)
    chat = WebChat(rig, session, ws, user)
    chat.reader = asyncio.get_running_loop().create_task(chat.read())
    try:
        yield chat
    finally:
        await ws.close()
        await chat.reader


def _claims(identity: str) -> dict[str, Any]:
    payload = identity.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims
