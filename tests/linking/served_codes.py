"""``omnibot run`` of a bot with the phone check ``docs/omnichannel.md`` teaches, on Redis, with
the SMS channel on a fake Twilio (and Twilio Verify on its fake when asked), and web chat
visitors who may connect from any loopback address, as clients on different hosts would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.format.messages import ChannelIdentity
from bot.turn.store import MemoryPolicy
from memory.redis.store import RedisMemory
from tests.dialogs.kit import bot_folder
from tests.fakes.twilio import FakeTwilio
from tests.fakes.verify import VERIFY_SERVICE_SID, FakeVerify
from tests.helpers import anonymous_user
from tests.linking.kit import FLOWS
from tests.server_process import Server, clean_env, serving, wipe

HOME = "+14155550100"
"""The bot's own number: a US one, so codes go to US numbers unless ``bot.yaml`` says."""
PUBLIC_URL = "https://bot.example.test"
ASK_PHONE = "What's your phone number?"
ASK_CODE = "What's the code we texted you?"
VERIFIED = "Your phone is verified."


def us_numbers(count: int) -> list[str]:
    """``count`` different valid US mobile numbers."""
    return [f"+1202555{n:04d}" for n in range(100, 100 + count)]


def not_sent(reason: str) -> str:
    return f"I couldn't send a code ({reason})."


@dataclass
class Visitor:
    """One web chat session, from one client address."""

    http: aiohttp.ClientSession
    ws: aiohttp.ClientWebSocketResponse
    session: str
    sequence: int = 0

    @property
    def user_id(self) -> str:
        """The session's identity on the web chat (a digest of its token)."""
        return anonymous_user(self.session)

    async def say(self, text: str) -> list[str]:
        """Send ``text``; the bot's texts in answer."""
        self.sequence += 1
        await self.ws.send_json({"type": "message", "id": f"m{self.sequence}", "text": text})
        async with asyncio.timeout(15):
            while True:
                message = await self.ws.receive()
                assert message.type == aiohttp.WSMsgType.TEXT, message
                frame: dict[str, Any] = json.loads(message.data)
                if frame["type"] == "error":
                    raise AssertionError(frame)
                if frame["type"] != "entries":
                    continue
                said = [e["message"]["text"] for e in frame["entries"] if e["from"] == "bot"]
                if said:
                    return said

    async def ask_code(self, phone: str) -> list[str]:
        """ "verify my phone", then ``phone``: what the bot answered to the number."""
        assert await self.say("verify my phone") == [ASK_PHONE]
        return await self.say(phone)

    async def close(self) -> None:
        await self.ws.close()
        await self.http.close()


@dataclass
class Served:
    """The running bot, the fakes it talks to, and a view of its memory."""

    server: Server
    twilio: FakeTwilio
    verify: FakeVerify
    memory: RedisMemory
    visitors: list[Visitor] = field(default_factory=list)

    async def visitor(self, address: str = "127.0.0.1") -> Visitor:
        """A new anonymous web chat session, connecting from ``address``."""
        connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
        http = aiohttp.ClientSession(connector=connector)
        ws = await http.ws_connect(f"{self.server.url}/chat/ws")
        await ws.send_json({"type": "hello", "protocol": 1})
        welcome = await ws.receive_json(timeout=10)
        assert welcome["type"] == "welcome", welcome
        visitor = Visitor(http, ws, welcome["session"])
        self.visitors.append(visitor)
        return visitor

    def texted(self, number: str) -> list[str]:
        """The SMS bodies the bot sent to ``number`` through the Messages API."""
        return [sent.body or "" for sent in self.twilio.to(number)]

    async def customer(self, channel: str, user: str) -> str | None:
        return await self.memory.lookup(ChannelIdentity(channel=channel, user_id=user))

    async def metric(self, name: str, **labels: str) -> float:
        """The value of one sample of ``/metrics`` (0 when absent)."""
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{self.server.url}/metrics") as response,
        ):
            text = await response.text()
        wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
        for line in text.splitlines():
            if line.startswith(f"{name}{{") and _labels(line) == wanted:
                return float(line.rsplit(" ", 1)[1])
        return 0.0


def _labels(line: str) -> str:
    inside = line[line.index("{") + 1 : line.index("}")]
    return ",".join(sorted(part for part in inside.split(",") if part))


@contextlib.asynccontextmanager
async def served(
    root: Path,
    redis_url: str,
    namespace: str,
    *,
    linking: str = "",
    workers: int = 1,
    verify: bool = False,
) -> AsyncIterator[Served]:
    """Serve the phone-check bot; ``linking`` is YAML for ``bot.yaml``'s ``linking:``,
    ``verify`` sets ``TWILIO_VERIFY_SERVICE_SID``."""
    folder = bot_folder(root / "bot", FLOWS)
    with (folder / "bot.yaml").open("a") as config:
        config.write(f"memory: {{namespace: {namespace}}}\n")
        # Each pumping session is a new anonymous customer, of which one address may start
        # only so many (tests/hostile/test_anonymous.py): lifted, so that the code budgets
        # are what these tests meet.
        config.write("channels: {webchat: {new_per_source: {burst: 1000, per_minute: 1000}}}\n")
        if linking:
            config.write(f"linking: {linking}\n")
    twilio = FakeTwilio(numbers=frozenset({HOME}))
    fake_verify = FakeVerify()
    await twilio.start()
    await fake_verify.start()
    env = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        **twilio.environment(HOME),
    )
    if verify:
        env |= {
            "TWILIO_VERIFY_SERVICE_SID": VERIFY_SERVICE_SID,
            "TWILIO_VERIFY_API_BASE": fake_verify.url,
        }
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        async with serving(folder, "--workers", str(workers), env=env) as server:
            bot = Served(server, twilio, fake_verify, memory)
            try:
                twilio.point_at(server.url, PUBLIC_URL)
                yield bot
            finally:
                for visitor in bot.visitors:
                    await visitor.close()
    finally:
        await memory.close()
        await twilio.stop()
        await fake_verify.stop()
        await wipe(redis_url, namespace)


async def text(bot: Served, phone: str, word: str, *, opted_out: bool) -> None:
    """``phone`` texts a compliance keyword; wait until its turn has recorded it."""
    reply = await bot.twilio.text(phone, word, to=HOME)
    assert reply.status == 200, reply
    async with asyncio.timeout(20):
        while True:
            customer = await bot.customer("sms", phone)
            record = await bot.memory.load(customer) if customer else None
            if record is not None and ("sms" in record.opted_out) == opted_out:
                return
            await asyncio.sleep(0.05)
