"""The fixture of the linking suite's process tests: the store bot under ``omnibot run --workers 2``
with every channel a customer may link, one for each test module (see :mod:`tests.linking.rig`)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from bot.turn.store import MemoryPolicy
from memory.redis.store import RedisMemory
from tests.browser import chromium
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.linking.rig import (
    DIRECTLINE_SECRET,
    PUBLIC_URL,
    TELEGRAM_SECRET,
    WEBCHAT_SECRET,
    Rig,
    shop_site,
)
from tests.redis_server import free_port
from tests.server_process import clean_env, example_copy, serving, wipe


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rig(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> AsyncIterator[Rig]:
    namespace = f"linking{secrets.token_hex(6)}"
    folder = example_copy(tmp_path_factory.mktemp("linking"), namespace)
    twilio, telegram = FakeTwilio(), FakeTelegram()
    await twilio.start()
    await telegram.start()
    shop_port = free_port()
    env = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        OMNIBOT_WEBCHAT_ORIGINS=f"http://127.0.0.1:{shop_port}",
        OMNIBOT_WEBCHAT_SECRET=WEBCHAT_SECRET,
        OMNIBOT_DIRECTLINE_SECRET=DIRECTLINE_SECRET,
        **twilio.environment(),
        **telegram.environment(TELEGRAM_SECRET),
    )
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        async with serving(folder, "--workers", "2", env=env) as server:
            twilio.point_at(server.url, PUBLIC_URL)
            async with (
                aiohttp.ClientSession() as session,
                chromium() as browser,
                shop_site(shop_port, server.url) as shop,
            ):
                yield Rig(server, twilio, telegram, memory, session, browser, shop)
    finally:
        await memory.close()
        await twilio.stop()
        await telegram.stop()
        await wipe(redis_url, namespace)
    assert telegram.refused == [], "calls the real Bot API would refuse"
