"""The web chat tells the agent console the customer is typing: only for a customer the server
knows, never stored, and at most once per :data:`TYPING_EVERY` however many frames a page sends
(a flood of typing frames costs the bus one message); a message sent starts afresh."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.desk.handoff import TYPING, conversation_topic
from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry, OutboundEntry
from connectors.webchat.settings import WebchatSettings
from tests.helpers import anonymous_user
from tests.webchat.kit import SocketChat, frames_until, serving

FLOWS = """
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say: "Hello!"
"""


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[SocketChat]:
    async with serving(tmp_path, FLOWS, WebchatSettings(origins=("https://shop.example",))) as s:
        yield s


async def test_a_flood_of_typing_frames_is_passed_on_once(chat: SocketChat) -> None:
    ws, session = await chat.hello()
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    await frames_until(ws, "ack")
    await chat.runtime.pipeline.join()
    identity = ChannelIdentity(channel="webchat", user_id=anonymous_user(session))
    customer = await chat.runtime.pipeline.customer_of(identity)
    assert customer is not None
    heard: list[bytes] = []
    second = asyncio.Event()

    def hear(message: bytes) -> None:
        heard.append(message)
        if heard.count(TYPING) >= 2:
            second.set()

    subscription = await chat.runtime.bus.subscribe(conversation_topic(customer), hear)
    before = len(await chat.runtime.memory.transcript(customer))

    for _ in range(50):
        await ws.send_json({"type": "typing"})
    await ws.send_json({"type": "message", "id": "m2", "text": "one more thing"})
    await frames_until(ws, "ack")  # frames are handled in order: the flood came first
    await ws.send_json({"type": "typing"})  # after a message, typing is news again
    await ws.send_json({"type": "typing"})
    async with asyncio.timeout(5):
        await second.wait()
    await ws.send_json({"type": "message", "id": "m3", "text": "last"})
    await frames_until(ws, "ack")
    await chat.runtime.pipeline.join()
    assert heard.count(TYPING) == 2
    added = (await chat.runtime.memory.transcript(customer))[before:]
    assert [
        entry.event.text
        for entry in added
        if isinstance(entry, InboundEntry) and isinstance(entry.event, InboundEvent)
    ] == [
        "one more thing",
        "last",
    ]
    assert all(isinstance(entry, InboundEntry | OutboundEntry) for entry in added)
    await subscription.cancel()
    await ws.close()


async def test_typing_before_the_customer_exists_creates_nobody(chat: SocketChat) -> None:
    ws, _ = await chat.hello()
    for _ in range(20):
        await ws.send_json({"type": "typing"})
    await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
    frames = await frames_until(ws, "ack")
    assert [frame["type"] for frame in frames if frame["type"] == "error"] == []
    await chat.runtime.pipeline.join()
    assert await chat.customers() == 1  # the message's customer, not one per typing frame
    await ws.close()
