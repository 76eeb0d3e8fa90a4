"""A page marks its customer present while it is open (:mod:`connectors.webchat.presence`): the
widget's socket and a Direct Line stream or poll, and only ever for the customer the page's own
verified identity belongs to."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app.config import load_bot_config
from bot.app.runtime import Runtime
from bot.errors import ConfigError
from bot.format.messages import ChannelIdentity
from connectors.webchat.protocol import BAD_IDENTITY
from connectors.webchat.settings import Heartbeat, WebchatSettings
from connectors.webchat.signed_identity import sign
from tests.webchat.kit import (
    DIRECTLINE_SECRET,
    DirectLine,
    SocketChat,
    frames_until,
    message,
    next_frame,
    serving,
)

SECRET = "host-site-signing-key-for-tests"
LONG = Heartbeat(ttl=60.0, refresh=0.2)
"""Marks that outlive the test: a page that closes must unmark."""
SHORT = Heartbeat(ttl=1.0, refresh=0.2)
"""Marks that run out within the test unless renewed."""
FLOWS = """
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say: "Hello!"
"""
OPEN = frozenset({"webchat"})


def options(heartbeat: Heartbeat) -> WebchatSettings:
    return WebchatSettings(
        secret=SECRET, title="Shirts", directline_secret=DIRECTLINE_SECRET, heartbeat=heartbeat
    )


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[SocketChat]:
    async with serving(tmp_path, FLOWS, options(LONG)) as served:
        yield served


def identity(user: str) -> str:
    return sign({"sub": user, "exp": int(time.time()) + 600}, SECRET)


async def signed_in(chat: SocketChat, user: str) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    """A page of ``user`` (signed by the host site) that has said hello and been answered."""
    ws, _ = await chat.hello(identity=identity(user))
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    await frames_until(ws, "entries")
    customer = await chat.runtime.pipeline.customer_of(
        ChannelIdentity(channel="webchat", user_id=f"u:{user}")
    )
    assert customer is not None
    return ws, customer


async def pages(runtime: Runtime, customer: str, expected: frozenset[str]) -> frozenset[str]:
    """The customer's open pages, once they are ``expected`` (or after a few seconds)."""
    assert runtime.presence is not None
    for _ in range(100):
        found = await runtime.presence.channels(customer)
        if found == expected:
            return found
        await asyncio.sleep(0.05)
    return found


async def test_an_open_page_counts_until_it_closes_and_other_pages_still_count(
    chat: SocketChat,
) -> None:
    laptop, customer = await signed_in(chat, "user-1")
    assert await pages(chat.runtime, customer, OPEN) == OPEN
    phone, again = await signed_in(chat, "user-1")
    assert again == customer
    await laptop.close()
    await asyncio.sleep(0.5)  # time for the laptop's page to unmark
    assert await pages(chat.runtime, customer, OPEN) == OPEN
    await phone.close()
    assert await pages(chat.runtime, customer, frozenset()) == frozenset()


async def test_an_open_pages_heartbeat_keeps_its_mark_past_the_marks_life(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, FLOWS, options(SHORT)) as chat:
        ws, customer = await signed_in(chat, "user-1")
        assert await pages(chat.runtime, customer, OPEN) == OPEN
        await asyncio.sleep(SHORT.ttl * 2)  # the first mark has run out; the later ones count
        assert await chat.runtime.presence.channels(customer) == OPEN  # type: ignore[union-attr]
        await ws.close()


async def test_no_page_marks_a_customer_other_than_its_own_verified_one(
    chat: SocketChat,
) -> None:
    victim_page, victim = await signed_in(chat, "victim")
    await victim_page.close()
    assert await pages(chat.runtime, victim, frozenset()) == frozenset()

    forged = await chat.connect()
    claims = {"sub": "victim", "exp": int(time.time()) + 600}
    await forged.send_json({"type": "hello", "protocol": 1, "identity": sign(claims, "guess")})
    closing = await forged.receive(timeout=5)
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, BAD_IDENTITY)

    attacker, _ = await chat.hello()
    await attacker.send_json(
        {"type": "message", "id": "m1", "text": "hi", "customer": victim, "page": "x"}
    )
    assert (await next_frame(attacker))["type"] == "error"
    await attacker.send_json({"type": "message", "id": "m2", "text": "hi"})
    await frames_until(attacker, "entries")
    assert await pages(chat.runtime, victim, OPEN) == frozenset()
    await attacker.close()


async def test_a_direct_line_stream_marks_the_conversations_customer_while_open(
    chat: SocketChat,
) -> None:
    client = DirectLine(chat.session, str(chat.server.make_url("")).rstrip("/"))
    streamed = await client.start()
    await client.say(streamed, "hi", "c1")
    await chat.runtime.pipeline.join()
    dl = ChannelIdentity(channel="webchat", user_id=f"dl:{streamed['conversationId']}")
    customer = await chat.runtime.pipeline.customer_of(dl)
    assert customer is not None
    assert await pages(chat.runtime, customer, frozenset()) == frozenset()
    stream = await chat.session.ws_connect(streamed["streamUrl"])
    assert await pages(chat.runtime, customer, OPEN) == OPEN
    await stream.close()
    assert await pages(chat.runtime, customer, frozenset()) == frozenset()


async def test_a_polling_direct_line_client_counts_for_a_ttl_after_its_last_poll(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, FLOWS, options(SHORT)) as chat:
        await polls(chat)


async def polls(chat: SocketChat) -> None:
    client = DirectLine(chat.session, str(chat.server.make_url("")).rstrip("/"))
    polled = await client.start()
    await client.post(polled, message("hi", "c2"))
    answer = await client.poll_until(polled, "Hello!")
    assert answer["activities"]
    dl = ChannelIdentity(channel="webchat", user_id=f"dl:{polled['conversationId']}")
    poller = await chat.runtime.pipeline.customer_of(dl)
    assert poller is not None
    assert await pages(chat.runtime, poller, OPEN) == OPEN  # for a ttl after the last poll
    assert await pages(chat.runtime, poller, frozenset()) == frozenset()


def test_a_refresh_that_does_not_fit_twice_in_the_ttl_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bot.yaml").write_text(
        "name: Shop\nlanguages: [en]\nchannels:\n  webchat:\n"
        "    presence_ttl: 10\n    presence_refresh: 6\n"
    )
    with pytest.raises(ConfigError, match="presence_refresh must be at most half"):
        load_bot_config(tmp_path)
    (tmp_path / "bot.yaml").write_text(
        "name: Shop\nlanguages: [en]\nchannels:\n  webchat:\n"
        "    presence_ttl: 10\n    presence_refresh: 5\n"
    )
    section = load_bot_config(tmp_path).channels.webchat
    assert (section.presence_ttl, section.presence_refresh) == (10, 5)
