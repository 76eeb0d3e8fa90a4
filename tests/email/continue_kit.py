"""The example store bot served in process with the web chat and e-mail both on, on a memory
backend, a real SMTP server receiving its mail: for continuing a web chat by e-mail."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiohttp

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.format.messages import ChannelIdentity
from bot.format.outbound import Text
from bot.format.transcript import OutboundEntry
from bot.turn.customer import CustomerRecord
from bot.turn.store import Memory
from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from connectors.webchat.connector import WebchatConnector
from connectors.webchat.settings import WebchatSettings
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from tests.email.kit import EmailBot, Received
from tests.in_process import served
from tests.server_process import EXAMPLE

ASK_ADDRESS = (
    "What's the new delivery address? Please write the street, number, any apartment, and the city."
)
MAILTO = re.compile(r"by e-mail: (mailto:\S+)")


def text_of(received: Received) -> str:
    """The plain-text part of a mail the bot sent."""
    body = received.message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).strip()


def token_of(mailto: str) -> str:
    """The link token in the subject of a ``mailto:`` link."""
    subject = parse_qs(urlsplit(mailto).query)["subject"][0]
    found = re.search(r"\[link:([A-Za-z0-9_-]{22})\]", subject)
    assert found is not None, subject
    return found.group(1)


def subject_of(mailto: str) -> str:
    return unquote(parse_qs(urlsplit(mailto).query, keep_blank_values=True)["subject"][0])


WEBCHAT_SECRET = "the-shop-signs-its-customers-with-this-0123"
"""The secret the shop's site signs its signed-in customers' identities with."""


@dataclass
class WebChat:
    """One web chat visitor, by its socket."""

    both: Both
    ws: aiohttp.ClientWebSocketResponse
    session: str
    sent: int = 0

    @property
    def identity(self) -> ChannelIdentity:
        user = "s:" + hashlib.sha256(self.session.encode()).hexdigest()[:32]
        return ChannelIdentity(channel="webchat", user_id=user)

    async def say(self, text: str) -> None:
        """Type ``text``; returns once its turn is over."""
        self.sent += 1
        frame_id = f"m{self.sent}"
        await self.ws.send_json({"type": "message", "id": frame_id, "text": text})
        async with asyncio.timeout(10):
            while True:
                message = await self.ws.receive()
                assert message.type == aiohttp.WSMsgType.TEXT, message
                frame = json.loads(message.data)
                if frame.get("type") == "ack" and frame.get("id") == frame_id:
                    break
        await self.both.settle()

    async def customer(self) -> str:
        customer = await self.both.runtime.pipeline.customer_of(self.identity)
        assert customer is not None
        return customer

    async def texts(self) -> list[str]:
        """What the bot said to this chat, in order."""
        entries = await self.both.runtime.memory.transcript(await self.customer(), limit=500)
        return [
            e.message.text
            for e in entries
            if isinstance(e, OutboundEntry)
            and e.to == self.identity.key
            and isinstance(e.message, Text)
        ]


@dataclass
class Both(EmailBot):
    """The store bot with the web chat and e-mail on."""

    memory: Memory | None = None
    session: aiohttp.ClientSession | None = None
    chats: list[WebChat] = field(default_factory=list)

    async def chat(self, locale: str = "en", identity: str | None = None) -> WebChat:
        """A new web chat visitor whose browser speaks ``locale`` (signed in as the site's
        signed ``identity`` says, when given)."""
        assert self.session is not None
        ws = await self.session.ws_connect(f"{self.url}/chat/ws")
        hello: dict[str, object] = {"type": "hello", "protocol": 1, "locale": locale}
        if identity is not None:
            hello["identity"] = identity
        await ws.send_json(hello)
        welcome = json.loads((await ws.receive(timeout=5)).data)
        assert welcome["type"] == "welcome", welcome
        chat = WebChat(self, ws, welcome["session"])
        self.chats.append(chat)
        return chat

    async def record(self, customer_id: str | None) -> CustomerRecord:
        assert customer_id is not None
        record = await self.runtime.memory.load(customer_id)
        assert record is not None
        return record

    async def mails_to(self, address: str, count: int) -> list[Received]:
        """The first ``count`` mails sent to ``address`` (waits for them)."""
        for _ in range(400):
            found = [r for r in self.smtp.inbox.received if r.recipients == [address]]
            if len(found) >= count:
                return found[:count]
            await asyncio.sleep(0.05)
        raise AssertionError(f"fewer than {count} mails to {address}")

    async def send(self, message: EmailMessage) -> None:
        """Post a received mail (accepted) and let its turn run."""
        status, body = await self.post(message)
        assert status == 202, body
        await self.settle()


@asynccontextmanager
async def serving(memory: Memory, email_settings: EmailSettings, smtp: Any) -> AsyncIterator[Both]:
    """The example store bot with both channels, on ``memory``."""
    config = load_bot_config(EXAMPLE)
    engine = DialogEngine(load_flowset(EXAMPLE, config))
    connectors = [
        WebchatConnector(
            WebchatSettings(title="Store", base_url="https://bot.example", secret=WEBCHAT_SECRET)
        ),
        EmailConnector(email_settings, tls=False),
    ]
    runtime = create_runtime(
        EXAMPLE, config, Settings(), handler=engine, connectors=connectors, memory=memory
    )
    try:
        async with served(runtime) as server, aiohttp.ClientSession() as session:
            both = Both(runtime, str(server.make_url("")).rstrip("/"), smtp, memory, session)
            try:
                yield both
            finally:
                for chat in both.chats:
                    await chat.ws.close()
    finally:
        await engine.aclose()
