"""The fixtures of the WhatsApp suite: the fake Graph API, and a bot folder served with the
WhatsApp channel on (and SMS too, when a test asks; see :mod:`tests.whatsapp.kit`), and the
same with WhatsApp through Twilio (:mod:`tests.whatsapp.twilio_kit`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.app.config import load_bot_config
from bot.connector import Connector
from bot.turn.handler import TurnHandler
from bot.turn.store import Memory
from connectors.sms import SmsSettings
from connectors.sms.connector import SmsConnector
from connectors.whatsapp.cloud.connector import WhatsappConnector
from connectors.whatsapp.providers import WhatsappProviders
from connectors.whatsapp.twilio.connector import TwilioWhatsappConnector
from connectors.whatsapp.twilio.settings import TwilioContent, approved
from memory import EmbeddedMemory
from tests.fakes.twilio import BOT_NUMBER, FakeTwilio
from tests.fakes.whatsapp import FakeGraph
from tests.helpers import Clock
from tests.server_process import EXAMPLE
from tests.whatsapp.kit import BotFactory, WhatsappBot, serve, settings, with_templates
from tests.whatsapp.twilio_kit import PUBLIC_URL, TwilioBotFactory, TwilioWhatsappBot, register
from tests.whatsapp.twilio_kit import settings as twilio_settings


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    """The fake Graph API; a test fails if the bot sent anything the real API would refuse."""
    async with FakeGraph() as api:
        yield api
    assert api.refused == [], "requests the real Graph API would refuse"


@pytest.fixture
async def make_bot(graph: FakeGraph, twilio: FakeTwilio) -> AsyncIterator[BotFactory]:
    """Serve a bot folder (the example store by default) with WhatsApp on, and SMS with
    ``sms=True``; ``templates`` for ``channels.whatsapp.templates``, a ``clock`` the pipeline and
    the fake Graph API both read, a ``handler`` other than the bot's dialogs and a shared
    ``memory`` (another worker's); other options are the channel's settings."""
    stack = contextlib.AsyncExitStack()

    async def make(
        bot_dir: Path = EXAMPLE,
        *,
        sms: bool = False,
        templates: dict[str, Any] | None = None,
        clock: Clock | None = None,
        handler: TurnHandler | None = None,
        memory: Memory | None = None,
        **options: Any,
    ) -> WhatsappBot:
        config = with_templates(load_bot_config(bot_dir), templates)
        if clock is not None:
            graph.clock = clock.seconds
        memory = memory or EmbeddedMemory(config.memory.policy())
        connector = WhatsappConnector(settings(graph, **options))
        connectors: list[Connector] = [connector]
        if sms:
            sms_settings = SmsSettings(
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                from_number=BOT_NUMBER,
                api_base=twilio.url,
            )
            connectors.append(SmsConnector(sms_settings))
        runtime, local = await serve(stack, bot_dir, config, connectors, memory, handler, clock)
        twilio.point_at(local)
        return WhatsappBot(runtime, local, graph, connector, twilio if sms else None)

    async with stack:
        yield make


@pytest.fixture
async def store(make_bot: BotFactory) -> WhatsappBot:
    """The example store bot on WhatsApp."""
    return await make_bot()


@pytest.fixture
async def make_twilio_bot(graph: FakeGraph, twilio: FakeTwilio) -> AsyncIterator[TwilioBotFactory]:
    """Serve a bot folder with WhatsApp through Twilio on (``content`` its templates), and
    beside it the Cloud API with ``cloud=True``, SMS with ``sms=True``; ``templates`` for
    ``channels.whatsapp.templates`` (their ``content_sid`` reach the connector as
    ``read_settings`` passes them), a ``clock`` and a ``handler`` as for :func:`make_bot`."""
    stack = contextlib.AsyncExitStack()

    async def make(
        bot_dir: Path = EXAMPLE,
        *,
        content: TwilioContent | None = None,
        cloud: bool = False,
        sms: bool = False,
        templates: dict[str, Any] | None = None,
        clock: Clock | None = None,
        handler: TurnHandler | None = None,
    ) -> TwilioWhatsappBot:
        config = with_templates(load_bot_config(bot_dir), templates)
        if templates is not None:
            content = replace(content or TwilioContent(), approved=approved(config))
        memory = EmbeddedMemory(config.memory.policy())
        register(twilio, content or TwilioContent())
        through = TwilioWhatsappConnector(twilio_settings(twilio, content))
        whatsapp: Connector = through
        if cloud:
            whatsapp = WhatsappProviders(WhatsappConnector(settings(graph)), through)
        connectors = [whatsapp]
        if sms:
            sms_settings = SmsSettings(
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                from_number=BOT_NUMBER,
                api_base=twilio.url,
                public_url=PUBLIC_URL,
            )
            connectors.append(SmsConnector(sms_settings))
        runtime, local = await serve(stack, bot_dir, config, connectors, memory, handler, clock)
        twilio.point_at(local, PUBLIC_URL)
        return TwilioWhatsappBot(runtime, local, twilio, graph)

    async with stack:
        yield make
