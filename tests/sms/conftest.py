"""A bot served in process on 127.0.0.1 with the SMS channel on, and a fake Twilio around it.

The bot is known to Twilio by a public URL (``https://bot.example.test``) that is not where it
listens, as behind a proxy: the fake signs every webhook for the public URL and posts it to the
local server, so every test also proves the signature check works behind a proxy.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.app.runtime import ConnectorCore, Runtime
from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry, OutboundEntry, StatusEntry, TranscriptEntry
from bot.turn.store import Memory
from connectors.sms import SmsSettings
from connectors.sms.compliance import ComplianceTexts
from connectors.sms.connector import SmsConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from tests.fakes.twilio import BOT_NUMBER, FakeTwilio, Reply, Sent
from tests.in_process import served
from tests.server_process import EXAMPLE

PUBLIC_URL = "https://bot.example.test"
CUSTOMER = "+5511987654321"


class MemoryStatuses:
    """Statuses straight into the memory, for a core that cannot record them yet (the
    runtime's ``record`` is used as soon as it has one)."""

    def __init__(self, memory: Memory) -> None:
        self._memory = memory

    async def record(self, customer_id: str, statuses: Any) -> None:
        await self._memory.append(customer_id, statuses)


@dataclass
class SmsBot:
    """A running bot, its SMS connector and the fake Twilio it talks to."""

    runtime: Runtime
    twilio: FakeTwilio
    connector: SmsConnector

    async def text(self, body: str, sender: str = CUSTOMER, **options: Any) -> Reply:
        """The customer texts the bot; returns what the webhook answered."""
        return await self.twilio.text(sender, body, **options)

    async def replies(self, count: int, to: str = CUSTOMER) -> list[str | None]:
        """The bodies of the first ``count`` messages sent to ``to`` (waits for them)."""
        return [sent.body for sent in await self.twilio.wait_sent(to, count)][:count]

    async def settle(self) -> None:
        """Let every turn started so far finish (their sends included)."""
        await self.runtime.pipeline.join()

    async def customer(self, number: str = CUSTOMER) -> str | None:
        identity = ChannelIdentity(channel="sms", user_id=number)
        return await self.runtime.pipeline.customer_of(identity)

    async def transcript(self, number: str = CUSTOMER) -> list[TranscriptEntry]:
        customer = await self.customer(number)
        assert customer is not None, "the customer is unknown"
        return await self.runtime.memory.transcript(customer, limit=500)

    async def inputs(self, number: str = CUSTOMER) -> list[InboundEvent]:
        """What the customer sent, as the core recorded it (a typed "2" as a button press)."""
        entries = await self.transcript(number)
        return [
            e.event
            for e in entries
            if isinstance(e, InboundEntry) and isinstance(e.event, InboundEvent)
        ]

    async def outputs(self, number: str = CUSTOMER) -> list[OutboundEntry]:
        return [e for e in await self.transcript(number) if isinstance(e, OutboundEntry)]

    async def statuses(self, number: str = CUSTOMER) -> list[StatusEntry]:
        return [e for e in await self.transcript(number) if isinstance(e, StatusEntry)]

    def sent(self, to: str = CUSTOMER) -> list[Sent]:
        return self.twilio.to(to)

    def known(self) -> int:
        """How many identities the memory knows: nothing stored means zero."""
        memory = self.runtime.memory
        assert isinstance(memory, EmbeddedMemory)
        return memory.holdings().identities


BotFactory = Callable[..., Awaitable[SmsBot]]


@pytest.fixture
async def make_bot(twilio: FakeTwilio) -> AsyncIterator[BotFactory]:
    """Serve a bot folder (the example store by default) with the SMS channel on."""
    stack = contextlib.AsyncExitStack()

    async def make(
        bot_dir: Path = EXAMPLE, public_url: str | None = PUBLIC_URL, **options: Any
    ) -> SmsBot:
        config = load_bot_config(bot_dir)
        memory = EmbeddedMemory(config.memory.policy())
        recorder = None if hasattr(ConnectorCore, "record") else MemoryStatuses(memory)
        settings: dict[str, Any] = {
            "account_sid": twilio.account_sid,
            "auth_token": twilio.auth_token,
            "from_number": BOT_NUMBER,
            "api_base": twilio.url,
            "public_url": public_url,
            "texts": ComplianceTexts(bot_name=config.name, default_language=config.language),
        }
        sms_options = SmsSettings(**(settings | options))
        connector = SmsConnector(sms_options, recorder=recorder)
        engine = DialogEngine(load_flowset(bot_dir, config))
        stack.push_async_callback(engine.aclose)
        runtime = create_runtime(
            bot_dir, config, Settings(), handler=engine, connectors=[connector], memory=memory
        )
        server = await stack.enter_async_context(served(runtime))
        local = str(server.make_url("")).rstrip("/")
        twilio.point_at(local, public_url or local)
        return SmsBot(runtime, twilio, connector)

    async with stack:
        yield make


@pytest.fixture
async def store(make_bot: BotFactory) -> SmsBot:
    """The example store bot over SMS."""
    return await make_bot()
