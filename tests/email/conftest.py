"""The fixtures of the e-mail suite: a real SMTP server and the example store bot served with the
e-mail channel on (:mod:`tests.email.kit`); the button links on a small app of their own
(:mod:`tests.email.buttons_kit`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.app.runtime import ConnectorCore
from bot.desk.handoff import DeskKeeper
from bot.format.messages import utcnow
from bot.identity.link_codes import LinkCodes
from bot.turn.store import Memory
from connectors.email.connector import EmailConnector
from connectors.email.links.buttons import ButtonLinks
from connectors.email.links.press import PressRoutes
from connectors.email.settings import EmailSettings
from connectors.email.settings import SmtpServer as SmtpSettings
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from memory.embedded.bus import EmbeddedBus
from memory.embedded.desk import EmbeddedDesk
from tests.email.buttons_kit import PUBLIC_URL, SECRET, ButtonBot, email_channel
from tests.email.kit import AUTHSERV, BOT_ADDRESS, TOKEN, EmailBot, SmtpServer
from tests.helpers import Clock, start_worker
from tests.in_process import served
from tests.server_process import EXAMPLE


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def email_settings(smtp: SmtpServer) -> EmailSettings:
    return EmailSettings(
        SmtpSettings("127.0.0.1", smtp.port, implicit_tls=False),
        BOT_ADDRESS,
        TOKEN,
        AUTHSERV,
        bot_name="Store",
    )


@pytest.fixture
async def store(smtp: SmtpServer, email_settings: EmailSettings) -> AsyncIterator[EmailBot]:
    """The example store bot over e-mail."""
    config = load_bot_config(EXAMPLE)
    memory = EmbeddedMemory(config.memory.policy())
    engine = DialogEngine(load_flowset(EXAMPLE, config))
    connector = EmailConnector(email_settings, tls=False)
    runtime = create_runtime(
        EXAMPLE, config, Settings(), handler=engine, connectors=[connector], memory=memory
    )
    try:
        async with served(runtime) as server:
            yield EmailBot(runtime, str(server.make_url("")).rstrip("/"), smtp)
    finally:
        await engine.aclose()


@pytest.fixture
async def buttons(memory: Memory) -> AsyncIterator[ButtonBot]:
    """The press routes in front of a real pipeline, on each memory backend."""
    worker = await start_worker(memory, extra=[email_channel()])
    bus = EmbeddedBus()
    core = ConnectorCore(
        worker.pipeline, bus, DeskKeeper(EmbeddedDesk(), bus), memory, LinkCodes(memory)
    )
    clock = Clock(utcnow())
    links = ButtonLinks(SECRET, PUBLIC_URL, clock=clock.seconds)
    routes = PressRoutes(links, PUBLIC_URL)
    routes.start(core)
    app = web.Application()
    app.add_routes(routes.routes())
    async with TestClient(TestServer(app)) as client:
        yield ButtonBot(client, links, worker, clock)
    await worker.pipeline.close()
