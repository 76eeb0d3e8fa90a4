"""The web chat carries outreach while the customer has a page open, end to end: ``omnibot run
--workers 2`` on Redis, the widget in Chromium on a shop's own site with the customer signed in,
and ``order.shipped`` events signed by the ``standardwebhooks`` package, each posted to a worker
the test picks, so that the page's mark (made by the worker holding its socket) counts for turns
on both workers; once the page is closed and its mark gone, the next event, on either worker, is
suppressed as ``unreachable`` with a note saying why."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Browser, expect

from bot.format.messages import VerifiedAttribute
from bot.format.transcript import NoteEntry, OutboundEntry
from bot.turn.store import MemoryPolicy
from connectors.webchat.signed_identity import sign
from memory.keys import KeyLayout
from memory.redis.connection import connect
from memory.redis.presence import RedisPresence
from memory.redis.store import RedisMemory
from tests.host_site import host_site
from tests.outreach.events_kit import SECRET, post_queued
from tests.redis_server import free_port
from tests.server_process import Server, clean_env, serving, wait_for_workers, wipe, worker_serving
from tests.webchat.kit import Chat, open_page

WEBCHAT_SECRET = "host-site-signing-key-for-the-presence-test"
TTL = 3
FLOWS = """
flows:
  shipped:
    triggers: {event: order.shipped}
    steps:
      - say: "Your order {{ event.data.order }} is on its way"
  hello:
    triggers:
      en: [hello there]
    steps:
      - say: Hello!
"""
NO_PAGE = "transactional message not sent: webchat skipped: the customer has no page open there"


def bot_folder(root: Path, namespace: str) -> Path:
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text(
        f"name: Shop\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n"
        f"channels:\n  webchat:\n    presence_ttl: {TTL}\n    presence_refresh: 1\n"
    )
    (root / "flows" / "main.yaml").write_text(FLOWS)
    return root


@contextlib.asynccontextmanager
async def shop_site(port: int, bot_url: str, identity: str) -> AsyncIterator[str]:
    """The shop's own site: one page with the bot's chat open, its customer signed in."""
    widget = html.escape(f"{bot_url}/chat/widget.js")
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>'
        f'<body><script src="{widget}" data-title="Shop" data-open="true" '
        f'data-identity="{html.escape(identity)}"></script></body></html>'
    )
    async with host_site(port, "/", lambda request: body) as url:
        yield url


async def post_on(server: Server, worker: int, pids: list[int], raw: bytes) -> None:
    """Post a signed event over a connection that ``worker`` accepted (connecting again until
    it does): the turn runs there."""
    async with asyncio.timeout(30):
        while True:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            client_port = writer.get_extra_info("sockname")[1]
            serving_it = None
            while serving_it is None:  # the accepted socket shows in /proc a moment later
                serving_it = worker_serving(server.port, client_port, pids)
                await asyncio.sleep(0.01)
            if serving_it == worker:
                break
            writer.close()
            await writer.wait_closed()
    await post_queued(reader, writer, raw)


def shipped(user: str, order: str) -> bytes:
    event = {"type": "order.shipped", "customer": {"external_id": user}, "data": {"order": order}}
    return json.dumps(event).encode()


async def notes_until(memory: RedisMemory, customer: str, count: int) -> list[str]:
    """The customer's outreach notes, once there are ``count`` (or after some seconds)."""
    for _ in range(200):
        entries = await memory.transcript(customer, 500)
        notes = [e.text for e in entries if isinstance(e, NoteEntry) and e.kind == "outreach"]
        if len(notes) >= count:
            return notes
        await asyncio.sleep(0.05)
    return notes


async def test_an_open_page_on_either_worker_carries_the_message_and_a_closed_one_does_not(
    tmp_path: Path, redis_url: str, browser: Browser
) -> None:
    namespace = f"t{secrets.token_hex(6)}"
    shop_port = free_port()
    user = f"user-{secrets.token_hex(4)}"
    identity = sign({"sub": user, "exp": int(time.time()) + 600}, WEBCHAT_SECRET)
    env = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_EVENTS_SECRET=SECRET,
        OMNIBOT_WEBCHAT_SECRET=WEBCHAT_SECRET,
        OMNIBOT_WEBCHAT_ORIGINS=f"http://127.0.0.1:{shop_port}",
    )
    memory = RedisMemory(connect(redis_url), MemoryPolicy(), KeyLayout(namespace))
    presence = RedisPresence(connect(redis_url), namespace)
    try:
        async with (
            serving(bot_folder(tmp_path / "bot", namespace), "--workers", "2", env=env) as server,
            shop_site(shop_port, server.url, identity) as shop,
        ):
            pids = await wait_for_workers(server.process.pid, 2)
            page = await open_page(browser, shop)
            chat = Chat(page)
            await chat.connected()
            await chat.say("hello there")
            await expect(chat.log.get_by_text("Hello!", exact=True)).to_be_visible()
            attribute = VerifiedAttribute(kind="external_id", value=user, issuer="webchat")
            customer = await memory.owner(attribute)
            assert customer is not None

            for n, worker in enumerate(pids):  # each worker's turn sees the page open
                await post_on(server, worker, pids, shipped(user, f"A-{n}"))
                shown = chat.log.get_by_text(f"Your order A-{n} is on its way", exact=True)
                await expect(shown).to_be_visible(timeout=10_000)
            assert (
                await notes_until(memory, customer, 2)
                == ["transactional message sent on webchat"] * 2
            )

            await page.context.close()
            for _ in range(int(TTL / 0.05) * 3):  # unmarked on close, or run out after TTL
                if not await presence.channels(customer):
                    break
                await asyncio.sleep(0.05)
            assert await presence.channels(customer) == frozenset()
            for n, worker in enumerate(pids):
                await post_on(server, worker, pids, shipped(user, f"B-{n}"))
                assert (await notes_until(memory, customer, 3 + n))[2 + n] == NO_PAGE
            sent = [
                e.message
                for e in await memory.transcript(customer, 500)
                if isinstance(e, OutboundEntry)
            ]
            assert not [m for m in sent if "B-" in str(m)]
    finally:
        await presence.close()
        await memory.close()
        await wipe(redis_url, namespace)
