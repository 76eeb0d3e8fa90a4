"""One customer from the web chat to WhatsApp to SMS, through ``omnibot run --workers 2`` on
Redis with the real connectors and the fake vendor APIs.

The customer gives an order number on the web chat, asks to continue on WhatsApp and is given a
``wa.me`` link; the message it opens (``link <code>``), signed as Meta signs it, asks first, and
the yes carries on at the pending question, which WhatsApp answers; then an SMS from the same
number is the same customer (WhatsApp and Twilio both vouch for the number).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from bot.format.messages import ChannelIdentity
from bot.turn.store import MemoryPolicy
from memory.redis.store import RedisMemory
from tests.fakes import whatsapp_notifications as meta
from tests.fakes.twilio import FakeTwilio
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN, FakeGraph
from tests.server_process import Server, clean_env, example_copy, serving, wipe
from tests.webchat.kit import open_chat
from tests.whatsapp.kit import CUSTOMER, DISPLAY_NUMBER, PATH, WA_ID, body_text, choices

PUBLIC_URL = "https://bot.example.test"
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
ASK_ADDRESS = (
    "What's the new delivery address? Please write the street, number, any apartment, and the city."
)
ASK_CEP = "And the postcode (CEP)?"
LINKED = "Done: this chat is now part of your conversation."
RESUME = "Welcome back! Let's carry on where we left off."
ASKED = re.compile(r"This will join this chat to a web chat conversation started today at ")
OFFER = re.compile(r"on WhatsApp: (https://wa\.me/\S+)")
WAIT = 20.0


@dataclass
class Journey:
    server: Server
    graph: FakeGraph
    twilio: FakeTwilio
    memory: RedisMemory
    heard: list[str] = field(default_factory=list)

    async def whatsapp(self, notification: dict[str, Any]) -> None:
        """A notification as Meta posts it: signed, on a connection of its own (so it may
        reach either worker); its sender's window opens on the fake Graph API."""
        self.graph.heard(notification)
        body = meta.encode(notification)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta.sign(body)}
        connector = aiohttp.TCPConnector(force_close=True)
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.post(self.server.url + PATH, data=body, headers=headers) as response,
        ):
            assert response.status == 200, await response.text()

    async def whatsapp_replies(self, count: int) -> list[dict[str, Any]]:
        await self.graph.wait_for(lambda _: len(self.graph.to(WA_ID)) >= count, WAIT)
        return self.graph.to(WA_ID)

    async def customer(self, channel: str, user: str) -> str | None:
        return await self.memory.lookup(ChannelIdentity(channel=channel, user_id=user))


@pytest.fixture
async def journey(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Journey]:
    twilio, graph = FakeTwilio(), FakeGraph()
    await twilio.start()
    await graph.start()
    env = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        **twilio.environment(),
        WHATSAPP_ACCESS_TOKEN=TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_APP_SECRET=meta.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=meta.VERIFY_TOKEN,
        WHATSAPP_API_BASE=graph.url,
        WHATSAPP_DISPLAY_NUMBER="+1 555 000 1234",
    )
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        async with serving(example_copy(tmp_path, namespace), "--workers", "2", env=env) as server:
            twilio.point_at(server.url, PUBLIC_URL)
            yield Journey(server, graph, twilio, memory)
    finally:
        await memory.close()
        await twilio.stop()
        await graph.stop()
        await wipe(redis_url, namespace)
    assert graph.refused == [], "requests the real Graph API would refuse"


async def test_web_chat_then_whatsapp_then_sms_is_one_conversation(journey: Journey) -> None:
    async with open_chat(journey.server.url, WAIT) as chat:
        # The web chat: the order number is given here, once; then "continue on WhatsApp".
        await chat.say("change my delivery address")
        assert ASK_ORDER in await chat.hears(1)
        await chat.say("A-10001")
        assert (await chat.hears(3))[-1] == ASK_ADDRESS
        await chat.say("continue on whatsapp")
        offer, again = (await chat.hears(5))[-2:]
        assert again == ASK_ADDRESS
        link = OFFER.search(offer)
        assert link is not None, offer
        assert urlsplit(link.group(1)).path == f"/{DISPLAY_NUMBER}"
        typed = parse_qs(urlsplit(link.group(1)).query)["text"][0]

        # On WhatsApp, the message the link opens asks first; the yes carries on at the
        # pending question, and WhatsApp answers it.
        await journey.whatsapp(meta.text(WA_ID, typed))
        [asked] = await journey.whatsapp_replies(1)
        assert ASKED.match(body_text(asked)), body_text(asked)
        [(yes, title), _] = choices(asked)
        await journey.whatsapp(meta.button_reply(WA_ID, yes, title))
        replies = await journey.whatsapp_replies(4)
        assert [body_text(r) for r in replies[1:4]] == [LINKED, RESUME, ASK_ADDRESS]
        webchat = await journey.customer("webchat", chat.user)
        assert webchat is not None
        assert await journey.customer("whatsapp", CUSTOMER) == webchat
        await journey.whatsapp(meta.text(WA_ID, "Av. Paulista 2000, apto 12, São Paulo - SP"))
        assert body_text((await journey.whatsapp_replies(5))[-1]) == ASK_CEP

        # By SMS from the same number, unasked: the same customer, back at the same step (a
        # bare CEP as a first SMS would be taken for a link code: "text this code to ...").
        assert (await journey.twilio.text(CUSTOMER, "CEP 01310-100")).status == 200
        texted = await journey.twilio.wait_sent(CUSTOMER, 2, WAIT)
        assert [sent.body for sent in texted] == [RESUME, ASK_CEP]
        assert await journey.customer("sms", CUSTOMER) == webchat
