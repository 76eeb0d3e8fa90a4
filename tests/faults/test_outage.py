"""A Redis outage seen from the web chat: the customer is told the bot is reconnecting, what
they type meanwhile is kept and sent again, and the conversation goes on when Redis is back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import Browser, expect

from tests.redis_server import DurableRedis
from tests.server_process import clean_env, example_copy, ready, serving
from tests.webchat.kit import (
    ASK_ORDER,
    GREETING,
    RECONNECTING,
    TOPICS,
    Chat,
    bot,
    me,
    open_page,
)


async def test_the_web_chat_rides_out_a_redis_outage(tmp_path: Path, browser: Browser) -> None:
    redis = DurableRedis(tmp_path / "redis")
    redis.start()
    env = clean_env(OMNIBOT_REDIS_URL=redis.url)
    try:
        async with serving(example_copy(tmp_path, "outage"), env=env) as server:
            page = await open_page(browser, f"{server.url}/chat")
            chat = Chat(page)
            await chat.connected()
            await chat.say("hi")
            await chat.shows(me("hi"), bot(GREETING, *TOPICS))

            await asyncio.to_thread(redis.stop)
            assert await ready(server) == 503
            await chat.say("Order status")
            await expect(page.get_by_text(RECONNECTING)).to_be_visible()
            await expect(chat.log.locator(".msg.customer.pending")).to_have_text(["Order status"])

            await asyncio.to_thread(redis.start)
            await chat.shows(me("Order status"), bot(ASK_ORDER))
            await expect(chat.log.locator(".msg.failed")).to_have_count(0)
            await expect(page.get_by_text(RECONNECTING)).to_have_count(0)
            assert await ready(server) == 200
    finally:
        redis.stop()
