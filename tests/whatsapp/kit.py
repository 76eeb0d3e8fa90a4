"""A bot served in process on 127.0.0.1 with the WhatsApp channel on, talking to the fake Graph
API; notifications reach it signed as Meta signs them. The fixtures that serve it are in the
suite's conftest."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.app.compose import create_runtime
from bot.app.config import BotConfig, Settings, WhatsappPacing
from bot.app.runtime import Runtime
from bot.connector import Connector
from bot.format.messages import ChannelIdentity, InboundEvent, SystemEvent
from bot.format.outbound import Text
from bot.format.transcript import (
    InboundEntry,
    NoteEntry,
    OutboundEntry,
    StatusEntry,
    TranscriptEntry,
)
from bot.turn.handler import Turn, TurnHandler, TurnOutcome
from bot.turn.store import Memory
from connectors.whatsapp.cloud.connector import WhatsappConnector
from connectors.whatsapp.cloud.settings import WhatsappSettings
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from tests.fakes.twilio import FakeTwilio
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph
from tests.fakes.whatsapp_notifications import APP_SECRET, VERIFY_TOKEN, encode, sign
from tests.helpers import Clock
from tests.in_process import served

WA_ID = "5511987654321"
DISPLAY_NUMBER = "15550001234"
"""The business number the notifications name (``display_phone_number``)."""
CUSTOMER = "+" + WA_ID
BSUID = "BR.1502576394655843"
PATH = "/whatsapp/webhook"
LINKS_BASE = "https://bot.example"
REOPEN_YAML = """
channels:
  whatsapp:
    templates:
      reopen:
        en: {name: reopen_conversation, language: en_US, parameters: ["{{ message }}"]}
"""
"""``bot.yaml`` lines that give WhatsApp an approved template to send a reply as once the
customer's 24-hour window is closed."""
"""Where the bot says it is, in the media links it makes (tests follow them to the bot)."""
FAST = WhatsappPacing(customer_burst=3, customer_gap=0.01, backoff=0.01, backoff_cap=0.05)
"""A pace that keeps the suite quick (the defaults would wait half a second a message)."""


def settings(graph: FakeGraph, **options: Any) -> WhatsappSettings:
    """The channel's settings, pointed at the fake Graph API."""
    given: dict[str, Any] = {
        "access_token": TOKEN,
        "phone_number_id": PHONE_NUMBER_ID,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "api_base": graph.url,
        "api_version": VERSION,
        "links_base": LINKS_BASE,
        "pacing": FAST,
        "display_number": DISPLAY_NUMBER,
    }
    return WhatsappSettings(**(given | options))


@dataclass(frozen=True, slots=True)
class Answer:
    """What the webhook answered."""

    status: int
    text: str


@dataclass(frozen=True, slots=True)
class Fetched:
    """What following a link gave."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class ServedWhatsapp:
    """A bot served in process, where it listens, and what its memory keeps of a WhatsApp
    customer: what either way of running WhatsApp (the Cloud API, Twilio) is tested by."""

    runtime: Runtime
    url: str

    async def settle(self) -> None:
        """Let every turn started so far finish (their sends included)."""
        await self.runtime.pipeline.join()

    async def customer(self, number: str = CUSTOMER, channel: str = "whatsapp") -> str | None:
        identity = ChannelIdentity(channel=channel, user_id=number)
        return await self.runtime.pipeline.customer_of(identity)

    async def transcript(self, number: str = CUSTOMER) -> list[TranscriptEntry]:
        customer = await self.customer(number)
        assert customer is not None, "the customer is unknown"
        return await self.runtime.memory.transcript(customer, limit=500)

    async def inputs(self, number: str = CUSTOMER) -> list[InboundEvent]:
        """What the customer sent, as the core recorded it."""
        return [
            e.event
            for e in await self.transcript(number)
            if isinstance(e, InboundEntry) and isinstance(e.event, InboundEvent)
        ]

    async def outputs(self, number: str = CUSTOMER) -> list[OutboundEntry]:
        return [e for e in await self.transcript(number) if isinstance(e, OutboundEntry)]

    async def statuses(self, number: str = CUSTOMER) -> list[StatusEntry]:
        return [e for e in await self.transcript(number) if isinstance(e, StatusEntry)]

    def known(self) -> int:
        """How many identities the memory knows: nothing stored means zero."""
        memory = self.runtime.memory
        assert isinstance(memory, EmbeddedMemory)
        return memory.holdings().identities


@dataclass
class WhatsappBot(ServedWhatsapp):
    """A running bot, its WhatsApp connector, where it listens, and the fake Graph API."""

    graph: FakeGraph
    connector: WhatsappConnector
    twilio: FakeTwilio | None = None
    """The fake Twilio, when the SMS channel is on too."""

    async def post(
        self, body: bytes, signature: str | None = None, *, signed: bool = True
    ) -> Answer:
        """Post ``body`` to the webhook, signed with the app secret unless told otherwise."""
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Hub-Signature-256"] = signature or sign(body)
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + PATH, data=body, headers=headers) as response,
        ):
            return Answer(response.status, await response.text())

    async def notify(self, notification: dict[str, Any]) -> Answer:
        """Meta posts a notification, signed (WhatsApp has seen its messages: their senders'
        windows are open on the fake Graph API from their timestamps)."""
        self.graph.heard(notification)
        return await self.post(encode(notification))

    async def follow(self, link: str) -> Fetched:
        """Follow a media link the bot made, as a customer or an agent would."""
        assert link.startswith(LINKS_BASE), link
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.url + link.removeprefix(LINKS_BASE)) as response,
        ):
            body = await response.read()
            return Fetched(response.status, dict(response.headers), body)

    async def subscribe(self, query: dict[str, str]) -> Answer:
        """Meta's subscription check."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.url + PATH, params=query) as response,
        ):
            return Answer(response.status, await response.text())

    async def replies(self, count: int, wa_id: str = WA_ID) -> list[dict[str, Any]]:
        """The first ``count`` bodies sent to ``wa_id`` (waits for them)."""
        await self.graph.wait_for(lambda _: len(self.graph.to(wa_id)) >= count)
        return self.graph.to(wa_id)[:count]


BotFactory = Callable[..., Awaitable[WhatsappBot]]


def body_text(body: dict[str, Any]) -> str:
    """The words of a sent body, text or interactive."""
    if body["type"] == "text":
        return str(body["text"]["body"])
    return str(body["interactive"]["body"]["text"])


def choices(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The (id, title) of an interactive body's buttons or rows."""
    content = body["interactive"]
    if content["type"] == "button":
        return [(b["reply"]["id"], b["reply"]["title"]) for b in content["action"]["buttons"]]
    rows = [row for section in content["action"]["sections"] for row in section["rows"]]
    return [(row["id"], row["title"]) for row in rows]


SHIPPED = "shipped"
NEWS = "Your order shipped.\nIt arrives on Friday."


async def news(turn: Turn) -> TurnOutcome:
    """A bot that answers a customer's text with its words, and a ``shipped`` event (a turn
    nobody's message started, as an agent's reply or outreach) with :data:`NEWS`."""
    if isinstance(turn.input, SystemEvent):
        said = NEWS if turn.input.name == SHIPPED else ""
    else:
        said = f"You said: {turn.input.text}"
    replies = (Text(text=said),) if said else ()
    return TurnOutcome(customer=turn.customer, replies=replies)


async def shipped(bot: WhatsappBot, number: str = CUSTOMER) -> None:
    """Tell the bot the customer's order shipped, and let the turns settle."""
    customer = await bot.customer(number)
    assert customer is not None
    await bot.runtime.pipeline.notify(customer, SystemEvent(name=SHIPPED))
    await bot.settle()
    await bot.settle()  # a turn the first one queued (a refusal routed again)


def notes(entries: list[TranscriptEntry], kind: str) -> list[str]:
    """The texts of the transcript's notes of ``kind``."""
    return [e.text for e in entries if isinstance(e, NoteEntry) and e.kind == kind]


def with_templates(config: BotConfig, templates: dict[str, Any] | None) -> BotConfig:
    """``config`` with ``channels.whatsapp.templates`` set to ``templates`` (when given)."""
    if templates is None:
        return config
    section = {"channels": {"whatsapp": {"templates": templates}}}
    return BotConfig.model_validate(config.model_dump() | section)


async def serve(
    stack: contextlib.AsyncExitStack,
    bot_dir: Path,
    config: BotConfig,
    connectors: list[Connector],
    memory: Memory,
    handler: TurnHandler | None,
    clock: Clock | None,
) -> tuple[Runtime, str]:
    """The bot of ``bot_dir`` (its dialogs unless ``handler``) served in this process on
    ``connectors``, until ``stack`` closes; its runtime and local URL."""
    if handler is None:
        engine = DialogEngine(load_flowset(bot_dir, config))
        stack.push_async_callback(engine.aclose)
        handler = engine
    runtime = create_runtime(
        bot_dir,
        config,
        Settings(),
        handler=handler,
        connectors=connectors,
        memory=memory,
        clock=clock,
    )
    server = await stack.enter_async_context(served(runtime))
    return runtime, str(server.make_url("")).rstrip("/")
