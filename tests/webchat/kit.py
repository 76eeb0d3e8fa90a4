"""Talking to the web chat as its clients do, for every suite that does: the widget in a browser
(a page of its own, :func:`open_page`; the widget on it, :class:`Chat`; the lines its log must
show, :func:`me`, :func:`bot`; and what the example store says there), the socket as the widget
speaks it (:class:`SocketChat`, :func:`serving`; one chat left open on a served bot,
:func:`open_chat`), and Direct Line as Microsoft's Web Chat speaks
it (:class:`DirectLine`, :func:`message`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Locator, Page, expect

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.app.runtime import Runtime
from connectors.webchat.connector import WebchatConnector
from connectors.webchat.settings import WebchatSettings
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from tests.helpers import anonymous_user
from tests.in_process import served

GREETING = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a return,"
    " or change a delivery address. What can I do for you?"
)
TOPICS = ("Order status", "Exchanges and returns", "Change delivery address", "Talk to a person")
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
SHIPPED = (
    "Order A-10002: running sneakers (size 42) and sports socks (3 pairs). It left our warehouse"
    " on Nov 16, 2026 with Correios and should arrive by Nov 24, 2026. The tracking code is"
    " QB123456789BR."
)
RECONNECTING = "Reconnecting\u2026"


@dataclass(frozen=True, slots=True)
class Line:
    """One bubble: who wrote it and its whole text (a message's buttons follow its text)."""

    who: str
    text: str


def me(text: str) -> Line:
    return Line("customer", text)


def bot(text: str, *buttons: str) -> Line:
    return Line("bot", text + "".join(buttons))


@dataclass
class Chat:
    """The widget on a page, used as a customer would, and the transcript it must show."""

    page: Page
    lines: list[Line] = field(default_factory=list)

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log")

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="Message", exact=True)

    @property
    def send_button(self) -> Locator:
        return self.page.get_by_role("button", name="Send", exact=True)

    async def connected(self) -> None:
        """Wait until the bot has welcomed the widget's socket: the widget shows no sign of it,
        but keeps the session it is given then."""
        await self.page.wait_for_function(
            "() => Object.keys(localStorage).some(key => key.startsWith('omnibot.session.'))"
        )

    async def say(self, text: str) -> None:
        await self.input.fill(text)
        await self.input.press("Enter")

    async def press(self, title: str) -> None:
        await self.page.get_by_role("button", name=title, exact=True).click()

    async def shows(self, *lines: Line) -> None:
        """The log holds exactly the transcript so far plus ``lines``: in order, none twice,
        each from the right side."""
        self.lines += lines
        bubbles = self.log.locator(".msg")
        await expect(bubbles).to_have_text([line.text for line in self.lines])
        mine = [line.text for line in self.lines if line.who == "customer"]
        await expect(self.log.locator(".msg.customer")).to_have_text(mine)


async def open_page(browser: Browser, url: str, **options: Any) -> Page:
    """A page of its own (fresh storage, so a new customer) at ``url``, in English."""
    context = await browser.new_context(locale="en-US", **options)
    page = await context.new_page()
    await page.goto(url)
    return page


@dataclass
class SocketChat:
    """A running web chat and a way to open sockets to it."""

    runtime: Runtime
    server: TestServer
    session: aiohttp.ClientSession

    async def connect(self, **headers: str) -> aiohttp.ClientWebSocketResponse:
        return await self.session.ws_connect(self.server.make_url("/chat/ws"), headers=headers)

    async def hello(self, **fields: Any) -> tuple[aiohttp.ClientWebSocketResponse, str]:
        ws = await self.connect()
        await ws.send_json({"type": "hello", "protocol": 1, **fields})
        welcome = await next_frame(ws)
        assert welcome["type"] == "welcome", welcome
        return ws, welcome["session"]

    async def customers(self) -> int:
        memory = self.runtime.memory
        assert isinstance(memory, EmbeddedMemory)
        return memory.holdings().identities


@dataclass
class OpenChat:
    """A web chat left open on a raw socket: the customer writes with :meth:`say`, and
    ``heard`` fills with what the bot shows there, as it comes."""

    ws: aiohttp.ClientWebSocketResponse
    user: str
    """The anonymous session's user id."""
    wait: float
    heard: list[str] = field(default_factory=list)

    async def say(self, text: str) -> None:
        await self.ws.send_json({"type": "message", "id": secrets.token_hex(8), "text": text})

    async def hears(self, count: int) -> list[str]:
        """What the chat showed, once it showed ``count`` messages of the bot."""
        return await self.shown(lambda: len(self.heard) >= count)

    async def shown(self, done: Callable[[], bool]) -> list[str]:
        """What the chat showed, once ``done``; fails the test after ``wait`` seconds."""
        deadline = time.monotonic() + self.wait
        while not done():
            assert time.monotonic() < deadline, f"the open chat showed only {self.heard}"
            await asyncio.sleep(0.05)
        return self.heard

    async def read(self) -> None:
        async for message in self.ws:
            frame = json.loads(message.data)
            if frame["type"] == "entries":
                for entry in frame["entries"]:
                    if entry["from"] != "customer":
                        self.heard.append(str(entry["message"].get("text", "")))


@contextlib.asynccontextmanager
async def open_chat(base: str, wait: float) -> AsyncIterator[OpenChat]:
    """An anonymous web chat, in English, on the bot served at ``base``; closed after."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base}/chat/ws")
        await ws.send_json({"type": "hello", "protocol": 1, "locale": "en-US"})
        hello = json.loads((await ws.receive(timeout=wait)).data)
        chat = OpenChat(ws, anonymous_user(hello["session"]), wait)
        reader = asyncio.get_running_loop().create_task(chat.read())
        try:
            yield chat
        finally:
            await ws.close()
            await reader


@contextlib.asynccontextmanager
async def serving(root: Path, flows: str, options: WebchatSettings) -> AsyncIterator[SocketChat]:
    """The bot of ``flows`` with only the web chat, on a test server."""
    (root / "flows").mkdir()
    (root / "bot.yaml").write_text("name: Shirts\nlanguages: [en]\n")
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(flows))
    config = load_bot_config(root)
    runtime = create_runtime(
        root,
        config,
        Settings(),
        handler=DialogEngine(load_flowset(root, config)),
        connectors=[WebchatConnector(options)],
    )
    async with served(runtime) as server, aiohttp.ClientSession() as session:
        yield SocketChat(runtime, server, session)


async def next_frame(ws: aiohttp.ClientWebSocketResponse, within: float = 5.0) -> dict[str, Any]:
    message = await ws.receive(timeout=within)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    frame: dict[str, Any] = json.loads(message.data)
    return frame


async def frames_until(
    ws: aiohttp.ClientWebSocketResponse, kind: str, within: float = 5.0
) -> list[dict[str, Any]]:
    """Frames up to and including the first of type ``kind``."""
    seen = []
    async with asyncio.timeout(within):
        while True:
            frame = await next_frame(ws)
            seen.append(frame)
            if frame["type"] == kind:
                return seen


DIRECTLINE_SECRET = "directline-secret-for-the-tests-0123456789"
WAIT = 15.0

Activity = dict[str, Any]


@dataclass
class DirectLine:
    """A Direct Line client of one server, with the helpers a test needs."""

    session: aiohttp.ClientSession
    url: str

    async def call(
        self,
        method: str,
        path: str,
        credential: str | None = None,
        body: object = None,
        data: bytes | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        async with self.session.request(
            method, f"{self.url}/v3/directline{path}", headers=headers, json=body, data=data
        ) as response:
            text = await response.text()
            return response.status, json.loads(text) if text else None

    async def start(self, credential: str = DIRECTLINE_SECRET) -> dict[str, Any]:
        status, answer = await self.call("POST", "/conversations", credential)
        assert status == 201, answer
        conversation: dict[str, Any] = answer
        return conversation

    async def post(self, conversation: dict[str, Any], activity: Activity) -> tuple[int, Any]:
        path = f"/conversations/{conversation['conversationId']}/activities"
        return await self.call("POST", path, conversation["token"], activity)

    async def say(self, conversation: dict[str, Any], text: str, client_id: str) -> None:
        status, answer = await self.post(conversation, message(text, client_id))
        assert status == 200, answer

    async def poll(self, conversation: dict[str, Any], watermark: str | None = None) -> Any:
        path = f"/conversations/{conversation['conversationId']}/activities"
        if watermark is not None:
            path += f"?watermark={watermark}"
        status, answer = await self.call("GET", path, conversation["token"])
        assert status == 200, answer
        return answer

    async def poll_until(
        self, conversation: dict[str, Any], text: str, watermark: str | None = None
    ) -> Any:
        """Poll until a bot message containing ``text`` is there; the last answer."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            answer = await self.poll(conversation, watermark)
            if any(text in (a.get("text") or "") for a in bot_messages(answer["activities"])):
                return answer
            await asyncio.sleep(0.1)
        raise AssertionError(f"no bot message with {text!r} in time")


def message(text: str, client_id: str | None = None, **extra: Any) -> Activity:
    """A message as Web Chat posts it."""
    activity: Activity = {
        "type": "message",
        "text": text,
        "textFormat": "plain",
        "from": {"id": "dl_someone", "name": "", "role": "user"},
        "locale": "en-US",
        "channelId": "webchat",
        "attachments": [],
        "entities": [{"type": "ClientCapabilities", "requiresBotState": True}],
        "localTimezone": "America/Sao_Paulo",
        **extra,
    }
    if client_id is not None:
        activity["channelData"] = {"clientActivityID": client_id, "clientTimestamp": "2026"}
    return activity


def bot_messages(activities: list[Activity]) -> list[Activity]:
    return [a for a in activities if a["from"]["role"] == "bot"]
