"""A shop bot on four channels (SMS, WhatsApp, e-mail and the web chat, each a loopback channel
with the real channel's capabilities), the real dialog engine, the schedule and a clock the
test moves: for where and whether a proactive message goes (:mod:`bot.outreach.reach`)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.app.runtime import Runtime
from bot.format.messages import ChannelIdentity, SystemEvent, VerifiedAttribute
from bot.format.outbound import OutboundMessage
from bot.format.transcript import NoteEntry, OutboundEntry, TranscriptEntry
from bot.outreach.events.business import BUSINESS_EVENT
from bot.turn.customer import CustomerRecord
from bot.turn.presence import Presence
from connectors.channels import EMAIL, SMS, WEBCHAT, WHATSAPP
from connectors.loopback import LoopbackConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from tests.helpers import Clock, make_memory, make_presence

PHONE = "+5511987654321"
NOON = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
"""Noon in São Paulo (UTC-3), the customer's time zone by their Brazilian number... which spans
several zones, so the tests name it in the profile."""

FLOWS = """
slots:
  offers:
    type: choice
    prompt: Can we send you offers?
    options:
      - {value: "yes", title: "Yes"}
      - {value: "no", title: "No"}

flows:
  shipped:
    triggers: {event: order.shipped}
    steps:
      - say: "Your order {{ event.data.order }} is on its way"
  sale:
    purpose: marketing
    triggers: {event: promo.sale}
    steps:
      - say: "Everything 20% off this week"
  ask_offers:
    triggers:
      en: [send me offers]
    steps:
      - ask: offers
      - branch:
          - when: slots.offers == 'no'
            end: true
      - call: opt_in
        args: {wording: "Can we send you offers?"}
      - say: "Noted."
  prefer_whatsapp:
    triggers:
      en: [message me on whatsapp]
    steps:
      - set: {profile.preferred_channel: whatsapp}
      - say: "We'll write on WhatsApp."
"""


def shop_folder(root: Path, namespace: str, outreach: str = "") -> Path:
    (root / "flows").mkdir(parents=True)
    config = f"name: Shop\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n{outreach}"
    (root / "bot.yaml").write_text(config)
    (root / "flows" / "main.yaml").write_text(FLOWS)
    return root


@dataclass
class Shop:
    """The running bot, its channels and its clock."""

    runtime: Runtime
    channels: dict[str, LoopbackConnector]
    clock: Clock
    presence: Presence
    events: int = 0

    async def write(self, channel: str, text: str, user: str = "u1") -> str:
        """The customer writes on ``channel`` with their phone vouched for (on every channel,
        so that they are one customer everywhere); returns the customer id."""
        verified = (VerifiedAttribute(kind="phone", value=PHONE, issuer=channel),)
        connector = self.channels[channel]
        await connector.say(user, text, verified=verified)
        await self.runtime.pipeline.join()
        customer = await self.runtime.pipeline.customer_of(
            ChannelIdentity(channel=channel, user_id=user)
        )
        assert customer is not None
        return customer

    async def event(self, customer: str, kind: str, **data: Any) -> None:
        """A business event for ``customer``, as ``POST /events`` queues it."""
        self.events += 1
        payload: dict[str, Any] = {"type": kind, "data": data, "webhook_id": f"e{self.events}"}
        event = SystemEvent(name=BUSINESS_EVENT, data=payload, event_id=f"event:e{self.events}")
        await self.runtime.pipeline.notify(customer, event)
        await self.runtime.pipeline.join()

    async def record(self, customer: str) -> CustomerRecord:
        record = await self.runtime.memory.load(customer)
        assert record is not None
        return record

    async def transcript(self, customer: str) -> list[TranscriptEntry]:
        return await self.runtime.memory.transcript(customer, 500)

    async def notes(self, customer: str) -> list[str]:
        entries = await self.transcript(customer)
        return [e.text for e in entries if isinstance(e, NoteEntry) and e.kind == "outreach"]

    async def sent_on(self, customer: str) -> list[tuple[str, str]]:
        """(channel, text) of every message sent to the customer, oldest first."""
        entries = await self.transcript(customer)
        return [
            (e.channel or "", _text(e.message)) for e in entries if isinstance(e, OutboundEntry)
        ]

    def metric(self, name: str, label: str) -> float:
        counter = getattr(self.runtime.metrics, name)
        value: float = counter.labels(label)._value.get()
        return value


def _text(message: OutboundMessage) -> str:
    return str(getattr(message, "text", "") or getattr(message, "name", ""))


def make_shop(
    root: Path,
    backend: str,
    url: str,
    namespace: str,
    outreach: str = "",
    presence: Presence | None = None,
    **settings: Any,
) -> Shop:
    """The shop bot (not started) on ``backend``; the open pages on it too, unless given."""
    bot_dir = shop_folder(root, namespace, outreach)
    config = load_bot_config(bot_dir)
    clock = Clock(NOON)
    memory = make_memory(backend, url, namespace, config.memory.policy(), time.time)
    channels = {
        "sms": LoopbackConnector("sms", SMS),
        "whatsapp": LoopbackConnector("whatsapp", WHATSAPP),
        "email": LoopbackConnector("email", EMAIL),
        "webchat": LoopbackConnector("webchat", WEBCHAT),
    }
    channels["webchat"].live = True
    presence = presence or make_presence(backend, url, namespace)
    runtime = create_runtime(
        bot_dir,
        config,
        Settings(**settings),
        handler=DialogEngine(load_flowset(bot_dir, config)),
        connectors=list(channels.values()),
        memory=memory,
        clock=clock,
        presence=presence,
    )
    return Shop(runtime, channels, clock, presence)


ShopFactory = Callable[..., Awaitable[Shop]]
"""Starts a shop bot, given the ``outreach`` lines of its ``bot.yaml`` (the ``shops`` fixture)."""
