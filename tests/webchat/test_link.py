"""A chat opened with ``?link=<token>`` continues the conversation the token came from."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from connectors.webchat.settings import WebchatSettings
from tests.webchat.kit import SocketChat, frames_until, serving

FLOWS = """
slots:
  size:
    type: choice
    prompt: Which size?
    options:
      - {value: small, title: Small}
      - {value: large, title: Large}
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say: "Hello!"
  shirt:
    triggers: {en: [buy a shirt]}
    resume: "Welcome back! We were choosing your shirt."
    steps:
      - ask: size
      - say: "A {{ slots.size }} shirt, then."
  elsewhere:
    triggers: {en: [continue elsewhere]}
    steps:
      - call: link_code
        into: link
      - say: "Open {{ slots.link.webchat }}"
"""


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[SocketChat]:
    options = WebchatSettings(title="Shirts", base_url="https://bot.example")
    async with serving(tmp_path, FLOWS, options) as served:
        yield served


async def said(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    """The next ``count`` entries the socket shows."""
    entries: list[dict[str, Any]] = []
    while len(entries) < count:
        frames = await frames_until(ws, "entries")
        entries += frames[-1]["entries"]
    return entries


async def test_a_link_from_one_chat_continues_it_in_another(chat: SocketChat) -> None:
    first, _ = await chat.hello()
    await first.send_json({"type": "message", "id": "m1", "text": "buy a shirt"})
    await said(first, 2)
    await first.send_json({"type": "message", "id": "m2", "text": "continue elsewhere"})
    offered = [e["message"]["text"] for e in await said(first, 3) if e["from"] == "bot"]
    link = re.search(r"https://bot\.example/chat\?link=([A-Za-z0-9_-]{22})", offered[0])
    assert link is not None, offered

    second, _ = await chat.hello(link=link.group(1))

    asked = (await said(second, 1))[0]["message"]
    assert asked["text"].startswith("This will join this chat to a web chat conversation")
    assert [b["title"] for b in asked["buttons"]] == ["Yes", "No"]
    yes = asked["buttons"][0]["payload"]
    await second.send_json({"type": "button", "id": "y1", "payload": yes})
    shown = await said(second, 4)
    notice = "Your conversation now continues on web chat too. If that wasn't you, tell us here."
    assert [e["message"]["text"] for e in shown] == [
        "Done: this chat is now part of your conversation.",
        "Welcome back! We were choosing your shirt.",
        "Which size?",
        notice,  # sent to the first chat: from the join on, both chats see the whole conversation
    ]
    assert (await said(first, 1))[-1]["message"]["text"] == notice
    await second.send_json({"type": "button", "id": "m3", "payload": "large"})
    replies = [e for e in await said(second, 2) if e["from"] == "bot"]
    assert replies[0]["message"]["text"] == "A large shirt, then."
    await first.close()
    await second.close()


async def test_a_bad_link_says_so_and_greets_a_new_customer(chat: SocketChat) -> None:
    ws, _ = await chat.hello(link="A" * 22)
    shown = await said(ws, 2)
    assert [e["message"]["text"] for e in shown] == [
        "That code isn't valid or has expired. Ask for a new one where you started.",
        "Hello!",
    ]
    await ws.close()


async def test_a_malformed_link_is_a_bad_hello(chat: SocketChat) -> None:
    ws = await chat.connect()
    await ws.send_json({"type": "hello", "protocol": 1, "link": "not a token!"})
    closed = await ws.receive()
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert closed.data == 4400
