"""The fixtures of the SMS suite: a bot folder served with the SMS channel on, behind the fake
Twilio (see :mod:`tests.sms.kit`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.app.runtime import ConnectorCore
from bot.turn.store import Memory
from connectors.sms import SmsSettings
from connectors.sms.compliance import ComplianceTexts
from connectors.sms.connector import SmsConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from tests.fakes.twilio import BOT_NUMBER, FakeTwilio
from tests.in_process import served
from tests.server_process import EXAMPLE
from tests.sms.kit import PUBLIC_URL, BotFactory, MemoryStatuses, SmsBot


@pytest.fixture
async def make_bot(twilio: FakeTwilio) -> AsyncIterator[BotFactory]:
    """Serve a bot folder (the example store by default) with the SMS channel on, on
    ``memory`` (by default an embedded one)."""
    stack = contextlib.AsyncExitStack()

    async def make(
        bot_dir: Path = EXAMPLE,
        public_url: str | None = PUBLIC_URL,
        memory: Memory | None = None,
        **options: Any,
    ) -> SmsBot:
        config = load_bot_config(bot_dir)
        memory = memory or EmbeddedMemory(config.memory.policy())
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
