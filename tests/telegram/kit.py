"""A bot with the Telegram connector, served in process, talking to the fake Bot API.

The test plays Telegram's part: it posts updates to the webhook (with the secret header, as
Telegram does) or feeds them to the fake for polling, and reads what the bot sent from the fake.
Every part is the real one (connector, pipeline, dialog engine, memory); only the clock is fixed
where a flow depends on the date. The fixtures that start it are in the suite's conftest.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app.compose import open_bus
from bot.app.config import Settings, load_bot_config
from bot.app.metrics import Metrics
from bot.app.runtime import Runtime
from bot.connector import Connector
from bot.desk.handoff import DeskKeeper
from bot.format.messages import ChannelIdentity
from bot.turn.customer import CustomerRecord
from bot.turn.delivery import Outlets, RetryPolicy
from bot.turn.handler import TurnHandler
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory, MemoryPolicy
from connectors.telegram.connector import SECRET_HEADER, TelegramConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedDesk
from tests.fakes.base import Call
from tests.fakes.telegram import FakeTelegram, check_call
from tests.fakes.telegram_updates import Person, Updates
from tests.server_process import EXAMPLE

SECRET = "webhook-secret_for-tests-0123456789"
PUBLIC_URL = "https://bot.example"
TODAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""The day the example's conversation tests are written for (orders' return windows)."""
FAST_RETRIES = RetryPolicy(attempts=4, first=0.05, cap=0.2, budget=10.0)


@dataclass
class Bot:
    """A running bot and the ways to reach it."""

    runtime: Runtime
    server: TestServer
    session: aiohttp.ClientSession
    fake: FakeTelegram
    connector: TelegramConnector
    updates: Updates = field(default_factory=Updates)

    @property
    def memory(self) -> Memory:
        return self.runtime.memory

    async def post(
        self, update: dict[str, Any] | bytes, secret: str | None = SECRET
    ) -> tuple[int, Any]:
        """Deliver an update as Telegram does; the status and the JSON answer (if any)."""
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        url = self.server.make_url("/telegram/webhook")
        data = io.BytesIO(body)  # aiohttp warns about large raw bodies
        async with self.session.post(url, data=data, headers=headers) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text() or None

    async def deliver(self, update: dict[str, Any]) -> Any:
        """Post an update that must be accepted; the webhook's answer."""
        status, answer = await self.post(update)
        assert status == 200, answer
        return answer

    async def say(self, person: Person, text: str, **extra: Any) -> None:
        await self.deliver(self.updates.text(person, text, **extra))

    async def idle(self) -> None:
        """Wait until every turn started so far has run and been delivered."""
        await self.runtime.pipeline.join()

    async def turn(self, update: dict[str, Any], chat: int) -> list[Call]:
        """Deliver ``update`` and wait for its turn: the accepted calls it made to ``chat``."""
        before = len(self.fake.sent(chat))
        answer = await self.deliver(update)
        await self.idle()
        if answer is not None:
            check_call(answer["method"], answer)
        return self.fake.sent(chat)[before:]

    async def choose(self, person: Person, title: str) -> list[Call]:
        """Press the button titled ``title`` on the latest message that has buttons."""
        for call in reversed(self.fake.sent(person.id)):
            keyboard = call.params.get("reply_markup", {}).get("inline_keyboard")
            if keyboard:
                [data] = [b["callback_data"] for row in keyboard for b in row if b["text"] == title]
                return await self.turn(
                    self.updates.press(person, data, keyboard=keyboard), person.id
                )
        raise AssertionError(f"no button {title!r} was offered")

    async def customer(self, person: Person) -> str | None:
        return await self.memory.lookup(ChannelIdentity(channel="telegram", user_id=str(person.id)))

    async def record(self, person: Person) -> CustomerRecord | None:
        customer = await self.memory.lookup(
            ChannelIdentity(channel="telegram", user_id=str(person.id))
        )
        return await self.memory.load(customer) if customer else None


StartBot = Callable[..., Awaitable[Bot]]


def example_policy() -> MemoryPolicy:
    return load_bot_config(EXAMPLE).memory.policy()


def example_runtime(connector: Connector, handler: TurnHandler | None, memory: Memory) -> Runtime:
    config = load_bot_config(EXAMPLE)
    if handler is None:
        handler = DialogEngine(load_flowset(EXAMPLE, config))
    metrics = Metrics()
    pipeline = TurnPipeline(
        memory=memory,
        handler=handler,
        outlets=Outlets([connector], FAST_RETRIES),
        metrics=metrics,
        clock=lambda: TODAY,
    )
    bus = open_bus(None)
    return Runtime(
        bot_dir=Path(EXAMPLE),
        config=config,
        settings=Settings(),
        memory=memory,
        metrics=metrics,
        pipeline=pipeline,
        bus=bus,
        connectors=(connector,),
        desk=DeskKeeper(EmbeddedDesk(), bus),
    )


GREETING = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a return, "
    "or change a delivery address. What can I do for you?"
)
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
