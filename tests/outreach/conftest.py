"""The fixtures of the outreach suite: the schedule's contract in process, on one Redis and on a
Redis Cluster; the business events bot (:mod:`tests.outreach.events_kit`) on each memory
backend, with ``POST /events`` on; the shop bot (:mod:`tests.outreach.reach_kit`) started on
the test's backend."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.outreach.schedule import Schedule
from connectors.sms import SmsSettings
from connectors.sms.compliance import ComplianceTexts
from connectors.sms.connector import SmsConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from tests.fakes.twilio import BOT_NUMBER, FakeTwilio
from tests.helpers import WITH_CLUSTER, make_memory
from tests.in_process import served
from tests.outreach.events_kit import SECRET, EventsBot, bot_folder
from tests.outreach.kit import make_schedule
from tests.outreach.reach_kit import Shop, ShopFactory, make_shop
from tests.sms.kit import PUBLIC_URL, SmsBot

EventsBotFactory = Callable[..., Awaitable[EventsBot]]


@pytest.fixture(params=WITH_CLUSTER)
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test in process, on one Redis and on a Redis Cluster."""
    kind: str = request.param
    return kind


@pytest.fixture
async def schedule(backend: str, backend_url: str, namespace: str) -> AsyncIterator[Schedule]:
    """The schedule on the test's backend (its namespace wiped after)."""
    made = make_schedule(backend, backend_url, namespace)
    yield made
    await made.close()


@pytest.fixture
async def make_bot(
    twilio: FakeTwilio, backend: str, backend_url: str, namespace: str, tmp_path: Path
) -> AsyncIterator[EventsBotFactory]:
    """Serve the bot with ``outreach`` lines in its ``bot.yaml``."""
    stack = contextlib.AsyncExitStack()

    async def make(outreach: str = "outreach:\n  create_customers: [phone]\n") -> EventsBot:
        bot_dir = bot_folder(tmp_path / "bot", namespace, outreach)
        config = load_bot_config(bot_dir)
        memory = make_memory(backend, backend_url, namespace, config.memory.policy())
        sms = SmsSettings(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token,
            from_number=BOT_NUMBER,
            api_base=twilio.url,
            public_url=PUBLIC_URL,
            texts=ComplianceTexts(bot_name=config.name, default_language=config.language),
        )
        connector = SmsConnector(sms)
        engine = DialogEngine(load_flowset(bot_dir, config))
        stack.push_async_callback(engine.aclose)
        settings = Settings(events_secret=SecretStr(SECRET))
        runtime = create_runtime(
            bot_dir, config, settings, handler=engine, connectors=[connector], memory=memory
        )
        server = await stack.enter_async_context(served(runtime))
        local = str(server.make_url("")).rstrip("/")
        twilio.point_at(local, PUBLIC_URL)
        return EventsBot(SmsBot(runtime, twilio, connector), local, backend, backend_url, namespace)

    async with stack:
        yield make


@pytest.fixture
async def shops(
    backend: str, backend_url: str, namespace: str, tmp_path: Path
) -> AsyncIterator[ShopFactory]:
    """Start shop bots, each with ``outreach`` lines in its ``bot.yaml``, on one memory; stopped
    after the test."""
    started: list[Shop] = []

    async def factory(outreach: str = "") -> Shop:
        shop = make_shop(tmp_path / f"bot{len(started)}", backend, backend_url, namespace, outreach)
        await shop.runtime.start()
        started.append(shop)
        return shop

    yield factory
    for shop in started:
        await shop.runtime.stop()


@pytest.fixture
async def shop(make_bot: EventsBotFactory) -> EventsBot:
    """The bot, making customers by phone only."""
    return await make_bot()
