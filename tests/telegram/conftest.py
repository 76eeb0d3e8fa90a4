"""The fixtures of the Telegram suite: the fake Bot API and a bot that talks to it (see
:mod:`tests.telegram.kit`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Literal

import aiohttp
import pytest

from bot.turn.handler import TurnHandler
from connectors.telegram.connector import TelegramConnector
from connectors.telegram.settings import TelegramSettings
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.helpers import make_memory
from tests.in_process import served
from tests.redis_server import free_port
from tests.server_process import wipe
from tests.telegram.kit import (
    PUBLIC_URL,
    SECRET,
    Bot,
    StartBot,
    example_policy,
    example_runtime,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; a test fails if the bot made any call the real API would refuse."""
    async with FakeTelegram() as api:
        yield api
    assert api.refused == [], "calls the real Bot API would refuse"


@pytest.fixture
async def start_bot(
    fake: FakeTelegram, namespace: str, request: pytest.FixtureRequest
) -> AsyncIterator[StartBot]:
    """Start a bot (the example store, or ``handler`` in its place) on either memory backend."""
    stack = contextlib.AsyncExitStack()
    redis: list[str] = []

    async def start(
        *,
        handler: TurnHandler | None = None,
        backend: str = "embedded",
        mode: Literal["webhook", "polling"] = "webhook",
        public_url: str | None = PUBLIC_URL,
        dead_memory: bool = False,
    ) -> Bot:
        port = free_port()
        options = TelegramSettings(
            token=TOKEN,
            mode=mode,
            webhook_secret=SECRET,
            api_base=fake.url,
            public_url=public_url,
            links_base=f"http://127.0.0.1:{port}",
            poll_timeout=1,
        )
        connector = TelegramConnector(options)
        if dead_memory:  # a Redis that is not there: every read and write fails
            memory = make_memory(
                "redis", f"redis://127.0.0.1:{free_port()}/0", namespace, example_policy()
            )
        else:
            if backend == "redis":
                redis.append(request.getfixturevalue("redis_url"))
            memory = make_memory(backend, redis[-1] if redis else "", namespace, example_policy())
        runtime = example_runtime(connector, handler, memory)
        server = await stack.enter_async_context(served(runtime, port=port))
        session = await stack.enter_async_context(aiohttp.ClientSession())
        return Bot(runtime, server, session, fake, connector)

    async with stack:
        yield start
    for url in redis:
        await wipe(url, namespace)
