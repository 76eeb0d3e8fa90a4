"""Guessing link codes from anonymous sessions, against ``omnibot run`` (issue 17, finding 6):
the review used up the bot-wide budget with 125 bare 8-digit first messages from new anonymous
web chat sessions, after which an honest customer's code and link got "Too many tries". Here a
guesser with 130 addresses does that and more, and the honest customer is not refused."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from dialogs.design.defaults import MESSAGES
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, FakeTwilio
from tests.hostile.kit import serving
from tests.server_process import Server

LIMITED = MESSAGES["link_limited"]["en"]
INVALID = MESSAGES["link_invalid"]["en"]
HONEST_PHONE = "+12025550188"
PUBLIC_URL = "https://bot.example.test"


@pytest.fixture
async def bot(tmp_path: Path, twilio: FakeTwilio) -> AsyncIterator[Server]:
    with contextlib.ExitStack() as stack:
        # starting and stopping a process blocks; the fake Twilio shares this loop
        server, _ = await asyncio.to_thread(
            stack.enter_context,
            serving(
                tmp_path,
                OMNIBOT_TRUSTED_PROXIES="127.0.0.1",
                TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                TWILIO_FROM_NUMBER=BOT_NUMBER,
                TWILIO_API_BASE=twilio.url,
            ),
        )
        twilio.point_at(server.url, PUBLIC_URL)
        yield server
        await asyncio.to_thread(stack.close)


async def bot_texts(ws: aiohttp.ClientWebSocketResponse) -> list[str]:
    """The bot's texts of the next entries that have any."""
    async with asyncio.timeout(15):
        while True:
            frame: dict[str, Any] = await ws.receive_json()
            if frame["type"] == "error":
                return [frame["message"]]
            if frame["type"] != "entries":
                continue
            said = [e["message"]["text"] for e in frame["entries"] if e["from"] == "bot"]
            if said:
                return said


async def session(
    http: aiohttp.ClientSession, url: str, source: str, *texts: str, **hello: str
) -> list[str]:
    """A new anonymous web chat session from ``source`` that says ``texts``: what the bot
    answered the last."""
    async with http.ws_connect(f"{url}/chat/ws", headers={"X-Forwarded-For": source}) as ws:
        await ws.send_str(json.dumps({"type": "hello", **hello}))
        assert (await ws.receive_json(timeout=10))["type"] == "welcome"
        answer = await bot_texts(ws) if "link" in hello else []
        for text in texts:
            frame = {"type": "message", "id": secrets.token_hex(6), "text": text}
            await ws.send_str(json.dumps(frame))
            answer = await bot_texts(ws)
        return answer


async def offer(ws: aiohttp.ClientWebSocketResponse) -> tuple[str, str]:
    """Ask for a link code: the code, and the token of the browser link."""
    await ws.send_str(
        json.dumps({"type": "message", "id": secrets.token_hex(6), "text": "continue on my phone"})
    )
    while True:
        said = "\n".join(await bot_texts(ws))
        code = re.search(r"text (\d{4} \d{4}) to", said)
        token = re.search(r"/chat\?link=([A-Za-z0-9_-]{22})", said)
        if code and token:
            return code.group(1).replace(" ", ""), token.group(1)


@pytest.mark.slow
async def test_guessers_with_free_sessions_do_not_lock_out_an_honest_code_or_link(
    bot: Server, twilio: FakeTwilio
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(
            f"{bot.url}/chat/ws", headers={"X-Forwarded-For": "192.0.2.1"}
        ) as honest:
            await honest.send_str(json.dumps({"type": "hello"}))
            assert (await honest.receive_json(timeout=10))["type"] == "welcome"
            code, _ = await offer(honest)
            _, token = await offer(honest)
        guesses = [f"{n:08d}" for n in range(130)]
        bare = [
            session(http, bot.url, f"10.0.{n // 250}.{n % 250}", guess)
            for n, guess in enumerate(guesses)
        ]
        typed = [
            session(http, bot.url, f"10.1.{n // 250}.{n % 250}", f"link {guess}", f"link {guess}")
            for n, guess in enumerate(guesses[:40])
        ]
        for batch in range(0, len(bare) + len(typed), 20):
            await asyncio.gather(*[*bare, *typed][batch : batch + 20])
        assert (await twilio.text(HONEST_PHONE, code)).status == 200
        [answer] = await twilio.wait_sent(HONEST_PHONE, 1)
        linked = await session(http, bot.url, "192.0.2.2", link=token)
    assert answer.body is not None
    assert LIMITED not in answer.body
    assert INVALID not in answer.body
    assert LIMITED not in linked
    assert INVALID not in linked
