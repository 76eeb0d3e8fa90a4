"""A shop bot served in process with its real WhatsApp (Cloud API, or through Twilio) and SMS
connectors, pointed at the fake Graph API and the fake Twilio, ``POST /events`` on, and a clock
the pipeline and the fake Graph API both read: for where a proactive message goes, proven by
what the vendors received (:mod:`bot.outreach.reach`)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.app.compose import create_runtime
from bot.app.config import BotConfig, Settings, load_bot_config
from bot.app.runtime import Runtime
from bot.connector import Connector
from bot.format.messages import ChannelIdentity, utcnow
from bot.format.transcript import NoteEntry
from connectors.sms import SmsSettings
from connectors.sms.connector import SmsConnector
from connectors.whatsapp.cloud.connector import WhatsappConnector
from connectors.whatsapp.twilio.connector import TwilioWhatsappConnector
from connectors.whatsapp.twilio.settings import TwilioContent, approved
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from tests.fakes.twilio import BOT_NUMBER, Content, FakeTwilio
from tests.fakes.whatsapp import FakeGraph
from tests.fakes.whatsapp_notifications import encode, sign, status, text
from tests.helpers import Clock
from tests.in_process import served
from tests.outreach.events_kit import SECRET, signed
from tests.outreach.reach_kit import FLOWS
from tests.whatsapp.kit import CUSTOMER, PATH, WA_ID, settings
from tests.whatsapp.twilio_kit import TO
from tests.whatsapp.twilio_kit import settings as twilio_settings

PUBLIC_URL = "https://bot.example.test"
TEMPLATES = """channels:
  whatsapp:
    templates:
      transactional:
        en: {name: order_news, language: en, parameters: ["{{ message }}"]}
"""
CONTENT_SID = "HX" + "5e" * 16
TWILIO_TEMPLATES = TEMPLATES.replace("]}", f"], content_sid: {CONTENT_SID}}}")
"""The same template, approved in Twilio's Content API under :data:`CONTENT_SID`."""


def shop_folder(root: Path, extra: str = "") -> Path:
    """The bot: English, the flows above, ``extra`` lines in its ``bot.yaml``."""
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text(f"name: Shop\nlanguages: [en]\n{extra}")
    (root / "flows" / "main.yaml").write_text(FLOWS)
    return root


@dataclass
class VendorShop:
    """The served bot, the fakes it talks to, and the clock both read."""

    runtime: Runtime
    url: str
    graph: FakeGraph
    twilio: FakeTwilio
    clock: Clock
    through_twilio: bool = False
    """WhatsApp goes through Twilio rather than the Cloud API."""

    async def settle(self) -> None:
        """Let every turn finish, and the turns they queued (a refusal routed again)."""
        for _ in range(3):
            await self.runtime.pipeline.join()

    async def on_whatsapp(self, words: str) -> None:
        """The customer writes on WhatsApp; Meta signs the notification (the fake Graph API
        opens their window from its timestamp), or Twilio posts it signed."""
        if self.through_twilio:
            assert (await self.twilio.whatsapp(CUSTOMER, words)).status == 200
            await self.settle()
            return
        notification = text(WA_ID, words, at=self.clock.seconds())
        self.graph.heard(notification)
        raw = encode(notification)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + PATH, data=raw, headers=headers) as answer,
        ):
            assert answer.status == 200, await answer.text()
        await self.settle()

    async def on_status(
        self, ours: str, errors: list[dict[str, Any]], signature: str | None = None
    ) -> int:
        """Meta posts that our message ``ours`` failed with ``errors``, signed with the app
        secret unless ``signature`` is given; the HTTP status it was answered with."""
        raw = encode(status(WA_ID, "wamid.late", "failed", ours, errors))
        headers = {"X-Hub-Signature-256": signature or sign(raw)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + PATH, data=raw, headers=headers) as answer,
        ):
            code = answer.status
        await self.settle()
        return code

    async def on_sms(self, words: str) -> None:
        """The customer texts the bot; Twilio signs the webhook (``RequestValidator``)."""
        assert (await self.twilio.text(CUSTOMER, words)).status == 200
        await self.settle()

    async def event(self, kind: str, **data: Any) -> None:
        """The store posts ``kind`` for the customer's phone, signed with ``standardwebhooks``."""
        event = {"type": kind, "customer": {"phone": CUSTOMER}, "data": data}
        raw = json.dumps(event).encode()
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/events", data=raw, headers=signed(raw)) as answer,
        ):
            # "queued", never "unknown_customer": the store's phone is the one who wrote
            assert (answer.status, await answer.json()) == (202, {"status": "queued"})
        await self.settle()

    async def customer(self) -> str:
        identity = ChannelIdentity(channel="whatsapp", user_id=CUSTOMER)
        found = await self.runtime.pipeline.customer_of(identity)
        assert found is not None
        return found

    async def notes(self, kind: str = "outreach") -> list[str]:
        entries = await self.runtime.memory.transcript(await self.customer(), 500)
        return [e.text for e in entries if isinstance(e, NoteEntry) and e.kind == kind]

    def sent(self) -> tuple[int, int]:
        """How many messages each vendor accepted for the customer: (WhatsApp, SMS)."""
        whatsapp = self.twilio.to(TO) if self.through_twilio else self.graph.to(WA_ID)
        return len(whatsapp), len(self.twilio.to(CUSTOMER))

    def metric(self, name: str, label: str) -> float:
        counter = getattr(self.runtime.metrics, name)
        value: float = counter.labels(label)._value.get()
        return value


async def serve_shop(
    stack: contextlib.AsyncExitStack,
    root: Path,
    graph: FakeGraph,
    twilio: FakeTwilio,
    extra: str = "",
    *,
    through_twilio: bool = False,
) -> VendorShop:
    """The shop served with WhatsApp (the Cloud API, or Twilio's with ``through_twilio``) and
    SMS on, until ``stack`` closes."""
    bot_dir = shop_folder(root, extra)
    config = load_bot_config(bot_dir)
    clock = Clock(utcnow())
    graph.clock = clock.seconds
    sms = SmsSettings(
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token,
        from_number=BOT_NUMBER,
        api_base=twilio.url,
        public_url=PUBLIC_URL,
    )
    engine = DialogEngine(load_flowset(bot_dir, config))
    stack.push_async_callback(engine.aclose)
    runtime = create_runtime(
        bot_dir,
        config,
        Settings(events_secret=SecretStr(SECRET)),
        handler=engine,
        connectors=[_whatsapp(config, graph, twilio, through_twilio), SmsConnector(sms)],
        memory=EmbeddedMemory(config.memory.policy()),
        clock=clock,
    )
    server = await stack.enter_async_context(served(runtime))
    local = str(server.make_url("")).rstrip("/")
    twilio.point_at(local, PUBLIC_URL)
    return VendorShop(runtime, local, graph, twilio, clock, through_twilio)


def _whatsapp(
    config: BotConfig, graph: FakeGraph, twilio: FakeTwilio, through_twilio: bool
) -> Connector:
    """The Cloud API connector, or Twilio's with the bot's templates approved in the account
    (one text variable each, as ``parameters`` has one)."""
    if not through_twilio:
        return WhatsappConnector(settings(graph))
    content = TwilioContent(approved=approved(config))
    for sid in content.approved.values():
        twilio.contents[sid] = Content("twilio/text", parameters=1)
    return TwilioWhatsappConnector(twilio_settings(twilio, content))
