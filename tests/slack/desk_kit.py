"""A shop bot whose customers text by SMS (a loopback channel) and whose agents work in a Slack
channel: the Slack connector with ``agents.slack`` set, against the fake Slack."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.app.runtime import Runtime
from bot.format.outbound import Text
from bot.format.transcript import NoteEntry, OutboundEntry
from connectors.channels import CHANNELS
from connectors.loopback import LoopbackConnector
from connectors.slack.connector import SlackConnector
from dialogs.design.loader import load_flowset
from dialogs.design.summary import summarise
from dialogs.engine import DialogEngine
from tests.console.kit import FLOWS
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_events import envelope, message
from tests.in_process import served
from tests.slack.kit import Bot, options

DESK = "C0DESK01"
PHONE = "+12025550143"
JOINED = "Ana Souza from our team is here to help."
BACK = "Thanks for waiting! You're back with the assistant. How else can I help?"


SHOP_FLOWS = FLOWS.replace(
    "    type: text\n", "    type: text\n    label: {en: Order number}\n", 1
).replace("  order:\n", "  order:\n    title: {en: Orders & <deliveries>}\n", 1)
"""The console kit's flows with the words a summary reads: the order flow's title (with
characters Slack would take as markup) and the order number's label."""


def bot_folder(root: Path, bot_yaml: str) -> Path:
    """A bot folder with the shop's flows and ``bot_yaml`` after its name and languages."""
    (root / "flows").mkdir(parents=True, exist_ok=True)
    (root / "bot.yaml").write_text(f"name: Shop\nlanguages: [en]\n{textwrap.dedent(bot_yaml)}")
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(SHOP_FLOWS))
    return root


@dataclass
class Shop:
    """One worker of the running shop: Slack over HTTP, and the SMS customers."""

    bot: Bot
    sms: LoopbackConnector

    @property
    def runtime(self) -> Runtime:
        return self.bot.runtime

    @property
    def fake(self) -> FakeSlack:
        return self.bot.fake

    async def say(self, text: str, user: str = PHONE) -> list[str]:
        """The customer texts ``text``; what the bot texts back."""
        before = len(self.sms.sent[user])
        await self.sms.say(user, text)
        await self.settle()
        return self.texted(user)[before:]

    def texted(self, user: str = PHONE) -> list[str]:
        """Everything the customer was texted."""
        return [m.text for m in self.sms.sent[user] if isinstance(m, Text)]

    async def settle(self) -> None:
        await self.runtime.pipeline.join()

    async def customer(self, user: str = PHONE) -> str:
        found = await self.runtime.memory.lookup(self.sms.address(user).identity)
        assert found is not None
        return found

    async def hand_off(self, user: str = PHONE) -> dict[str, Any]:
        """The customer asks about an order and is handed to people; the summary posted."""
        await self.say("where is my order", user)
        assert (await self.say("A-12345", user))[0] == (
            "Let me get someone to look at order A-12345."
        )
        return self.summaries()[-1]

    def summaries(self) -> list[dict[str, Any]]:
        """What the desk posted in the desk channel itself (not in threads)."""
        return [post for post in self.fake.posts(DESK) if "thread_ts" not in post]

    def thread(self, ts: str) -> list[dict[str, Any]]:
        """What the desk posted in the thread ``ts``."""
        return [post for post in self.fake.posts(DESK) if post.get("thread_ts") == ts]

    async def answer(self, ts: str, text: str, user: str, **headers: str) -> dict[str, Any]:
        """``user`` replies ``text`` in the thread ``ts``; the event, once Slack has its 200."""
        event = message(text, user=user, channel=DESK, channel_type="channel", thread_ts=ts)
        await self.deliver(event, **headers)
        return event

    async def deliver(self, event: dict[str, Any], **headers: str) -> None:
        """Slack sends ``event`` (again, with the same envelope id, if ``headers`` say it is a
        retry); the turns it caused have run."""
        wrapped = envelope(event, event_id=f"Ev-{event['ts']}")
        response = await self.bot.event(wrapped, **headers)
        assert response.status == 200
        await self.settle()

    async def click(self, payload: dict[str, Any]) -> None:
        response = await self.bot.interact(payload)
        assert response.status == 200
        await self.settle()

    async def holder(self, user: str = PHONE) -> str | None:
        return await self.runtime.desk.desk.holder(await self.customer(user))

    async def notes(self, kind: str, user: str = PHONE) -> list[NoteEntry]:
        entries = await self.runtime.memory.transcript(await self.customer(user))
        return [e for e in entries if isinstance(e, NoteEntry) and e.kind == kind]

    async def replies_by(self, author: str, user: str = PHONE) -> list[OutboundEntry]:
        entries = await self.runtime.memory.transcript(await self.customer(user))
        return [e for e in entries if isinstance(e, OutboundEntry) and e.author == author]


@contextlib.asynccontextmanager
async def serving(
    root: Path,
    fake: FakeSlack,
    redis_url: str | None,
    namespace: str,
    bot_yaml: str = "",
    channel: str = "sms",
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[Shop]:
    """One worker of the shop (on Redis when ``redis_url`` is given, else embedded memory),
    its customers on the loopback ``channel`` (``Shop.sms`` whichever it is), at ``clock``'s
    time."""
    desk = f"memory: {{namespace: {namespace}}}\nagents:\n  slack: {{channel: {DESK}}}\n"
    folder = bot_folder(root, desk + textwrap.dedent(bot_yaml))
    config = load_bot_config(folder)
    sms = LoopbackConnector(channel, CHANNELS[channel])
    engine = DialogEngine(load_flowset(folder, config))
    runtime = create_runtime(
        folder,
        config,
        Settings(redis_url=redis_url),
        handler=engine,
        summarise=lambda summary, languages: summarise(engine.flowset, summary, languages),
        connectors=[SlackConnector(options(fake, desk_channel=DESK)), sms],
        clock=clock,
    )
    async with served(runtime) as server, aiohttp.ClientSession() as session:
        yield Shop(Bot(runtime, server, session, fake), sms)
