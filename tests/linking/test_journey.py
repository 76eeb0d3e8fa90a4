"""One customer, three channels, one conversation: through ``omnibot run --workers 2`` on Redis,
the real connectors and the fake vendor APIs.

The customer starts on the web chat in Chromium and gives an order number; continues by SMS
(signed Twilio webhooks) with a link code, says yes to joining the two, and is asked the next
question, not the order number again; then finishes on Telegram through a deep link (and a yes).
The web chat page stays open all along and shows the SMS and Telegram turns as they happen, from
either worker. Then they write on two channels at the same moment and nothing is lost.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry, OutboundEntry
from bot.turn.store import MemoryPolicy
from memory.redis.store import RedisMemory
from tests.browser import artifact
from tests.fakes.telegram import USERNAME, FakeTelegram
from tests.fakes.telegram_updates import JOHN, Person, Updates, deliver
from tests.fakes.twilio import BOT_NUMBER, FakeTwilio
from tests.helpers import anonymous_user
from tests.server_process import Server, clean_env, example_copy, serving, wipe
from tests.webchat.kit import Chat, bot, me, open_page

PUBLIC_URL = "https://bot.example.test"
TELEGRAM_SECRET = "journey-webhook-secret"
PHONE = "+5511987654321"
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
ASK_ADDRESS = (
    "What's the new delivery address? Please write the street, number, any apartment, and the city."
)
ORDER = (
    "Order A-10001: linen shirt (M). It is going to Rua Augusta 1200, apto 31, São Paulo - SP,"
    " CEP 01304-001."
)
LINKED = "Done: this chat is now part of your conversation."
ASKED = re.compile(
    r"This will join this chat to a (?P<channel>web chat|SMS) conversation started today at"
    r" \d\d:\d\d \(UTC\)\. Only say yes if you asked for this code yourself\. Join them\?"
)
NOTICE = "Your conversation now continues on {} too. If that wasn't you, tell us here."
RESUME = "Welcome back! Let's carry on where we left off."
ASK_CEP = "And the postcode (CEP)?"


@dataclass
class Journey:
    server: Server
    twilio: FakeTwilio
    telegram: FakeTelegram
    memory: RedisMemory
    updates: Updates

    async def telegram_update(self, update: dict[str, Any]) -> None:
        """Deliver an update as Telegram does, on a connection of its own (so it may reach
        either worker)."""
        await deliver(self.server.url, TELEGRAM_SECRET, update)

    async def telegram_choose(self, person: Person, title: str) -> None:
        """Press the button titled ``title`` under the bot's latest message that has buttons."""
        for call in reversed(self.telegram.sent(person.id)):
            keyboard = call.params.get("reply_markup", {}).get("inline_keyboard")
            if keyboard:
                [data] = [b["callback_data"] for row in keyboard for b in row if b["text"] == title]
                await self.telegram_update(self.updates.press(person, data, keyboard=keyboard))
                return
        raise AssertionError(f"no button {title!r} was offered")

    async def sms(self, body: str) -> None:
        reply = await self.twilio.text(PHONE, body)
        assert reply.status == 200

    async def sms_texts(self, count: int) -> list[str]:
        return [sent.body or "" for sent in await self.twilio.wait_sent(PHONE, count, 20.0)]

    async def customer(self, channel: str, user: str) -> str | None:
        return await self.memory.lookup(ChannelIdentity(channel=channel, user_id=user))

    async def webchat_customer(self, page: Page) -> str | None:
        """The customer of the anonymous web chat session ``page`` keeps."""
        session = await page.evaluate(
            "() => Object.entries(localStorage).find(([k]) => k.startsWith('omnibot.session.'))[1]"
        )
        user = anonymous_user(session)
        return await self.customer("webchat", user)


@pytest.fixture
async def journey(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Journey]:
    twilio, telegram = FakeTwilio(), FakeTelegram()
    await twilio.start()
    await telegram.start()
    env = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        **twilio.environment(),
        **telegram.environment(TELEGRAM_SECRET),
    )
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        async with serving(example_copy(tmp_path, namespace), "--workers", "2", env=env) as server:
            twilio.point_at(server.url, PUBLIC_URL)
            yield Journey(server, twilio, telegram, memory, Updates())
    finally:
        await memory.close()
        await twilio.stop()
        await telegram.stop()
        await wipe(redis_url, namespace)
    assert telegram.refused == [], "calls the real Bot API would refuse"


def code_in(text: str) -> str:
    """The code to text, in a "continue elsewhere" message."""
    code = re.search(r"by SMS: text (\d{4} \d{4}) to " + re.escape(BOT_NUMBER), text)
    assert code is not None, text
    return code.group(1)


def token_in(text: str) -> str:
    """The token of the Telegram deep link, in a "continue elsewhere" message."""
    link = re.search(rf"on Telegram: https://t\.me/{USERNAME}\?start=([A-Za-z0-9_-]{{22}})", text)
    assert link is not None, text
    return link.group(1)


async def test_web_chat_then_sms_then_telegram_is_one_conversation(
    journey: Journey, browser: Browser
) -> None:
    # The web chat, in a real browser: the order number is given here, once.
    page = await open_page(browser, f"{journey.server.url}/chat")
    chat = Chat(page)
    await chat.connected()
    await chat.say("change my delivery address")
    await chat.shows(me("change my delivery address"), bot(ASK_ORDER))
    await chat.say("A-10001")
    await chat.shows(me("A-10001"), bot(ORDER), bot(ASK_ADDRESS))
    await chat.say("continue on my phone")
    offer = chat.log.locator(".msg.bot").nth(-2)
    await expect(offer).to_contain_text("use this code once, within 10 minutes")
    code = code_in(await offer.inner_text())
    await expect(chat.log.locator(".msg.bot").last).to_have_text(ASK_ADDRESS)

    # By SMS: the code asks first, naming the web chat conversation and nothing else of it; the
    # yes links the phone, and the next question comes, not the order number.
    await journey.sms(code)
    [asked] = await journey.sms_texts(1)
    found = ASKED.fullmatch(asked.removesuffix("\n1. Yes\n2. No"))
    assert found is not None, asked
    assert found["channel"] == "web chat"
    assert asked.endswith("\n1. Yes\n2. No")
    assert await journey.customer("sms", PHONE) is not None
    assert await journey.customer("sms", PHONE) != await journey.webchat_customer(page)
    await journey.sms("1")
    assert await journey.sms_texts(4) == [asked, LINKED, RESUME, ASK_ADDRESS]
    await expect(chat.log.locator(".msg.bot").last).to_have_text(NOTICE.format("SMS"))
    await page.screenshot(path=artifact("journey-webchat.png"))

    # The web chat page stays open and shows the SMS turns as they happen.
    await journey.sms("Av. Paulista 2000, apto 12, São Paulo - SP")
    assert (await journey.sms_texts(5))[-1] == ASK_CEP
    await expect(chat.log.locator(".msg.customer").last).to_have_text(
        "Av. Paulista 2000, apto 12, São Paulo - SPvia sms"
    )
    await expect(chat.log.locator(".msg.bot").last).to_have_text(f"{ASK_CEP}via sms")
    await journey.sms("continue on telegram")
    texts = await journey.sms_texts(7)
    token = token_in(texts[-2])
    assert "by SMS" not in texts[-2]  # no need to offer the channel the customer is on
    assert texts[-1] == ASK_CEP

    # On Telegram, through the deep link: asked first, then the same step, then to the end,
    # every turn of it on the open web chat page too.
    await journey.telegram_update(journey.updates.text(JOHN, f"/start {token}"))
    [asked] = await journey.telegram.wait_for_texts(JOHN.id, 1)
    found = ASKED.fullmatch(asked)
    assert found is not None, asked
    assert found["channel"] == "SMS"
    await journey.telegram_choose(JOHN, "Yes")
    assert await journey.telegram.wait_for_texts(JOHN.id, 4) == [asked, LINKED, RESUME, ASK_CEP]
    await journey.telegram_update(journey.updates.text(JOHN, "01310-100"))
    said = await journey.telegram.wait_for_texts(JOHN.id, 5)
    confirm = (
        "So the new address is Av. Paulista 2000, apto 12, São Paulo - SP, CEP 01310-100."
        " Shall I change it?"
    )
    assert said[-1] == confirm
    await expect(chat.log.locator(".msg.customer").last).to_have_text("01310-100via telegram")
    await expect(chat.log.locator(".msg.bot").last).to_contain_text(confirm)
    await journey.telegram_update(journey.updates.text(JOHN, "Yes"))
    assert (await journey.telegram.wait_for_texts(JOHN.id, 6))[-1] == (
        "Which email address should I send the confirmation to?"
    )
    await journey.telegram_update(journey.updates.text(JOHN, "john@example.com"))
    assert (await journey.telegram.wait_for_texts(JOHN.id, 7))[-1].startswith(
        "Done! Order A-10001 will now go to Av. Paulista 2000"
    )
    await expect(chat.log.locator(".msg.bot").last).to_contain_text(
        "Done! Order A-10001 will now go to Av. Paulista 2000"
    )

    # What the open page showed live is what a reload of it shows.
    live = await chat.log.locator(".msg").all_inner_texts()
    again = await page.context.new_page()
    await again.goto(f"{journey.server.url}/chat")
    reloaded = Chat(again)
    await expect(reloaded.log.locator(".msg").last).to_contain_text("Done! Order A-10001")
    shown = await reloaded.log.locator(".msg").all_inner_texts()
    assert shown == live[-len(shown) :]

    # One customer behind all three, who was asked for the order number exactly once.
    customer = await journey.customer("sms", PHONE)
    assert customer is not None
    assert await journey.customer("telegram", str(JOHN.id)) == customer
    session = await page.evaluate("() => ({...localStorage})")
    assert session, "the web chat keeps its session"
    entries = await journey.memory.transcript(customer, 500)
    channels = {
        e.event.channel
        for e in entries
        if isinstance(e, InboundEntry) and isinstance(e.event, InboundEvent)
    }
    assert channels >= {"webchat", "sms", "telegram"}
    asked_for_the_order = [
        e
        for e in entries
        if isinstance(e, OutboundEntry) and getattr(e.message, "text", None) == ASK_ORDER
    ]
    assert len(asked_for_the_order) == 1


async def test_two_channels_writing_at_once_through_two_workers_lose_nothing(
    journey: Journey,
) -> None:
    await journey.sms("hi")
    await journey.sms_texts(1)
    await journey.sms("continue on telegram")
    token = token_in((await journey.sms_texts(2))[-1])
    await journey.telegram_update(journey.updates.text(JOHN, f"/start {token}"))
    await journey.telegram.wait_for_texts(JOHN.id, 1)
    await journey.telegram_choose(JOHN, "Yes")
    await journey.telegram.wait_for_texts(JOHN.id, 2)
    customer = await journey.customer("sms", PHONE)
    assert customer is not None
    assert await journey.customer("telegram", str(JOHN.id)) == customer
    before = len(await journey.memory.transcript(customer, 1000))

    count = 12

    async def by_sms() -> None:
        for n in range(count):
            await journey.sms(f"sms {n}")

    async def by_telegram() -> None:
        for n in range(count):
            await journey.telegram_update(journey.updates.text(JOHN, f"telegram {n}"))

    await asyncio.gather(by_sms(), by_telegram())
    inbound: list[str] = []
    async with asyncio.timeout(30):
        while len(inbound) < 2 * count:
            await asyncio.sleep(0.2)
            entries = (await journey.memory.transcript(customer, 1000))[before:]
            inbound = [
                e.event.text or ""
                for e in entries
                if isinstance(e, InboundEntry) and e.event.source == "customer"
            ]
    assert len(inbound) == 2 * count  # each once
    assert [text for text in inbound if text.startswith("sms")] == [
        f"sms {n}" for n in range(count)
    ]
    assert [text for text in inbound if text.startswith("telegram")] == [
        f"telegram {n}" for n in range(count)
    ]
