"""Fixtures of the e-mail suite."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app.runtime import ConnectorCore
from bot.desk.handoff import DeskKeeper
from bot.identity.link_codes import LinkCodes
from bot.turn.store import Memory
from connectors.email.buttons import ButtonLinks
from connectors.email.press import PressRoutes
from memory.embedded_bus import EmbeddedBus
from memory.embedded_desk import EmbeddedDesk
from tests.email.kit import PUBLIC_URL, SECRET, ButtonBot, Clock, email_channel
from tests.helpers import start_worker


@pytest.fixture
async def buttons(memory: Memory) -> AsyncIterator[ButtonBot]:
    """The press routes in front of a real pipeline, on each memory backend."""
    worker = await start_worker(memory, extra=[email_channel()])
    bus = EmbeddedBus()
    core = ConnectorCore(
        worker.pipeline, bus, DeskKeeper(EmbeddedDesk(), bus), memory, LinkCodes(memory)
    )
    clock = Clock(time.time())
    links = ButtonLinks(SECRET, PUBLIC_URL, clock=clock)
    routes = PressRoutes(links, PUBLIC_URL)
    routes.start(core)
    app = web.Application()
    app.add_routes(routes.routes())
    async with TestClient(TestServer(app)) as client:
        yield ButtonBot(client, links, worker, clock)
    await worker.pipeline.close()
