"""Nobody is joined into a stranger's conversation by opening a link or typing a code: through
``omnibot run --workers 2`` on Redis, with the real connectors, the fake vendor APIs and Chromium.

An attacker says "continue on my phone" in their own anonymous web chat and gets a code and its
links. A victim, half-way through changing a delivery address (an order number given, a question
pending), presents it: the web chat opened with ``?link=`` (anonymous, and signed in with a
verified e-mail), the code typed through Direct Line, a Telegram deep link, the code texted by
SMS. Each victim is asked on their own channel, naming only the channel the code came from and
when that conversation started; until they say yes nothing is joined, and the attacker, reading
their chat's whole history again (``after: "0-0"``), learns nothing of them. A no, or a forged
yes, joins nothing and tells the attacker so. After a yes the conversation is one, and each side
is shown its own past and everything from the join on, live.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Page, expect

from bot.format.messages import VerifiedAttribute
from connectors.webchat.signed_identity import sign
from tests.fakes.telegram import USERNAME
from tests.fakes.telegram_updates import Person
from tests.fakes.twilio import BOT_NUMBER
from tests.helpers import anonymous_user
from tests.linking.rig import (
    ASK_ADDRESS,
    ASK_ORDER,
    ASKED,
    DECLINED,
    DIRECTLINE_SECRET,
    LINKED,
    NOTICE,
    ORDER,
    PUBLIC_URL,
    REFUSED,
    RESUME,
    WAIT,
    WEBCHAT_SECRET,
    Rig,
    WebChat,
    web_chat,
)
from tests.webchat.kit import Chat, open_page

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@contextlib.asynccontextmanager
async def attacker(rig: Rig) -> AsyncIterator[WebChat]:
    """A stranger's anonymous web chat, where they said "continue on my phone"."""
    async with web_chat(rig) as chat:
        await chat.say("continue on my phone")
        deadline = time.monotonic() + WAIT
        while not any("use this code once" in text for text in chat.heard):
            assert time.monotonic() < deadline, chat.heard
            await asyncio.sleep(0.05)
        [offer] = [text for text in chat.heard if "use this code once" in text]
        code = re.search(rf"by SMS: text (\d{{4}} \d{{4}}) to {re.escape(BOT_NUMBER)}", offer)
        token = re.search(rf"{PUBLIC_URL}/chat\?link=([A-Za-z0-9_-]{{22}})", offer)
        assert code is not None, offer
        assert token is not None, offer
        assert f"https://t.me/{USERNAME}?start={token.group(1)}" in offer
        chat.code, chat.token = code.group(1), token.group(1)
        yield chat


async def apart(rig: Rig, stranger: WebChat, victim_id: str | None) -> None:
    """Nothing joined, and nothing of the victim reached the attacker: not their slots, not
    their verified attributes, not a word of their history, even read again from the start."""
    attacker_id = await stranger.customer()
    assert victim_id is not None
    assert attacker_id is not None
    assert attacker_id != victim_id
    attacker, victim = await rig.record(attacker_id), await rig.record(victim_id)
    assert victim.slots.get("order_id") == "A-10001"
    assert "order_id" not in attacker.slots
    assert attacker.verified == ()
    for seen in (stranger.heard, await stranger.history()):
        assert not any("A-10001" in text or "delivery address" in text for text in seen), seen


async def victims_order(page: Page) -> None:
    """The victim's own conversation in the widget: an order number given, a question pending."""
    log = page.get_by_role("log")
    box = page.get_by_role("textbox", name="Message", exact=True)
    await Chat(page).connected()
    for text, reply in (("change my delivery address", ASK_ORDER), ("A-10001", ASK_ADDRESS)):
        await box.fill(text)
        await box.press("Enter")
        await expect(log.locator(".msg.bot").last).to_have_text(reply)


async def asked_in(page: Page) -> None:
    """The page shows the join question, with its two answers as buttons."""
    question = page.get_by_role("log").locator(".msg.bot").last
    await expect(question).to_contain_text("This will join this chat to a web chat conversation")
    assert ASKED.search(await question.inner_text())
    await expect(question.get_by_role("button")).to_have_text(["Yes", "No"])


async def last_said(page: Page, *texts: str) -> None:
    """The bot's last bubbles on ``page`` are ``texts``."""
    bubbles = page.get_by_role("log").locator(".msg.bot")
    deadline = time.monotonic() + WAIT
    while (shown := await bubbles.all_inner_texts())[-len(texts) :] != list(texts):
        assert time.monotonic() < deadline, shown
        await asyncio.sleep(0.1)


async def test_a_link_opened_in_an_anonymous_web_chat_asks_and_no_joins_nothing(
    rig: Rig,
) -> None:
    async with attacker(rig) as stranger:
        page = await open_page(rig.browser, f"{rig.server.url}/chat")
        await victims_order(page)
        session = await page.evaluate("() => Object.values(localStorage)[0]")
        victim_id = await rig.customer("webchat", anonymous_user(session))

        await page.goto(f"{rig.server.url}/chat?link={stranger.token}")
        await asked_in(page)
        await apart(rig, stranger, victim_id)

        await page.get_by_role("button", name="No", exact=True).click()
        await last_said(page, DECLINED, ASK_ADDRESS)
        await stranger.hears(REFUSED.format("web chat"))
        await apart(rig, stranger, victim_id)
        assert await rig.customer("webchat", anonymous_user(session)) == victim_id


async def signed_in_page(rig: Rig, claims: dict[str, object]) -> Page:
    """The shop's own page for a signed-in customer, with the widget and their identity; a
    ``?link=`` on it reaches the widget as on any page."""
    identity = sign(claims, WEBCHAT_SECRET)
    return await open_page(rig.browser, f"{rig.shop}/account?identity={identity}")


async def test_a_link_opened_by_a_signed_in_customer_asks_and_a_yes_shows_each_side_its_own_past(
    rig: Rig,
) -> None:
    email = VerifiedAttribute(kind="email", value="vera@example.com", issuer="webchat")
    claims = {
        "sub": "vera-7",
        "email": email.value,
        "email_verified": True,
        "exp": int(time.time()) + 600,
    }
    async with attacker(rig) as stranger:
        page = await signed_in_page(rig, claims)
        await victims_order(page)
        victim_id = await rig.customer("webchat", "u:vera-7")
        assert email.value in [a.value for a in (await rig.record(victim_id)).verified]

        await page.goto(f"{page.url}&link={stranger.token}")
        await asked_in(page)
        await apart(rig, stranger, victim_id)

        await page.get_by_role("button", name="Yes", exact=True).click()
        # (the asker's notice follows: from the join on, both pages show the whole of it)
        await last_said(page, LINKED, RESUME, ASK_ADDRESS, NOTICE.format("web chat"))

        # One customer now: the one who asked for the code, with the conversation under way.
        joined = await stranger.customer()
        assert joined is not None
        assert await rig.customer("webchat", "u:vera-7") == joined
        assert (await rig.record(joined)).slots["order_id"] == "A-10001"
        await stranger.hears(NOTICE.format("web chat"))
        await stranger.hears(ASK_ADDRESS)  # from the join on, the attacker's page shows all
        # ... but neither side's past: the attacker's chat, read again from the start, has
        # its own messages and what came after the join; the victim's has its own.
        history = await stranger.history()
        assert "continue on my phone" in history
        assert ASK_ADDRESS in history
        assert not any("A-10001" in text or text == ASK_ORDER for text in history), history
        await page.reload()
        log = page.get_by_role("log")
        await last_said(page, LINKED, RESUME, ASK_ADDRESS, NOTICE.format("web chat"))
        await expect(log.locator(".msg.customer").first).to_have_text("change my delivery address")
        await expect(log.get_by_text(ORDER)).to_have_count(1)
        await expect(log.get_by_text("continue on my phone")).to_have_count(0)
        await expect(log.get_by_text("use this code once", exact=False)).to_have_count(0)
        # The console's agents see it all.
        everything = " ".join(str(e) for e in await rig.memory.transcript(joined, 500))
        assert "A-10001" in everything
        assert "continue on my phone" in everything


async def test_a_code_typed_through_direct_line_asks_and_a_forged_yes_joins_nothing(
    rig: Rig,
) -> None:
    async with attacker(rig) as stranger:
        conversation = await rig.directline("POST", "/conversations", DIRECTLINE_SECRET)
        token, conversation_id = conversation["token"], conversation["conversationId"]
        path = f"/conversations/{conversation_id}/activities"

        async def post(activity: dict[str, Any]) -> None:
            await rig.directline("POST", path, token, activity)

        async def until(text: str) -> list[dict[str, Any]]:
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline:
                activities = (await rig.directline("GET", path, token))["activities"]
                bots = [a for a in activities if a["from"]["role"] == "bot"]
                if bots and text in (bots[-1].get("text") or ""):
                    return bots
                await asyncio.sleep(0.1)
            raise AssertionError(f"Direct Line never showed {text!r}")

        said = {
            "change my delivery address": ASK_ORDER,
            "A-10001": ASK_ADDRESS,
            f"link {stranger.code}": "This will join this chat to a web chat conversation",
        }
        for n, (text, reply) in enumerate(said.items()):
            await post(
                {"type": "message", "text": text, "channelData": {"clientActivityID": f"v{n}"}}
            )
            bots = await until(reply)
        assert ASKED.fullmatch(bots[-1]["text"])
        actions = bots[-1]["suggestedActions"]["actions"]
        assert [a["title"] for a in actions] == ["Yes", "No"]
        victim_id = await rig.customer("webchat", f"dl:{conversation_id}")
        await apart(rig, stranger, victim_id)

        # A press the bot did not offer reads as the typed text of its title
        # (bot/format/offered.py): titled "Yes" it would be the person's own yes, as typing it is;
        # untitled, the forged payload stands alone, and a payload is not the question's yes.
        forged = {
            "type": "message",
            "value": "link:yes:" + "A" * 22,
            "channelData": {"clientActivityID": "v9"},
        }
        await post(forged)
        await until(ASK_ADDRESS)
        assert DECLINED in [a.get("text") for a in await until(ASK_ADDRESS)]
        await stranger.hears(REFUSED.format("web chat"))
        await apart(rig, stranger, victim_id)
        assert await rig.customer("webchat", f"dl:{conversation_id}") == victim_id


async def test_a_telegram_deep_link_asks_and_after_yes_the_attackers_page_hears_only_what_follows(
    rig: Rig,
) -> None:
    vera = Person(2_000_123, "Vera", "Lima", "en")
    async with attacker(rig) as stranger:
        for text, replies in (("change my delivery address", 1), ("A-10001", 3)):
            await rig.telegram_update(rig.updates.text(vera, text))
            await rig.telegram.wait_for_texts(vera.id, replies)
        victim_id = await rig.customer("telegram", str(vera.id))

        await rig.telegram_update(rig.updates.text(vera, f"/start {stranger.token}"))
        said = await rig.telegram.wait_for_texts(vera.id, 4)
        assert ASKED.fullmatch(said[-1]), said
        keyboard = rig.telegram.sent(vera.id)[-1].params["reply_markup"]["inline_keyboard"]
        titles = {b["text"]: b["callback_data"] for row in keyboard for b in row}
        assert set(titles) == {"Yes", "No"}
        await apart(rig, stranger, victim_id)

        press = rig.updates.press(vera, titles["Yes"], keyboard=keyboard)
        await rig.telegram_update(press)
        assert (await rig.telegram.wait_for_texts(vera.id, 7))[-3:] == [
            LINKED,
            RESUME,
            ASK_ADDRESS,
        ]
        joined = await stranger.customer()
        assert await rig.customer("telegram", str(vera.id)) == joined
        await stranger.hears(LINKED)  # what follows the join reaches the open page, live
        await rig.telegram_update(rig.updates.text(vera, "Rua Nova 10, São Paulo"))
        await stranger.hears("Rua Nova 10, São Paulo")
        assert not any("A-10001" in text for text in stranger.heard), stranger.heard
        assert not any("A-10001" in text for text in await stranger.history())


async def test_a_code_texted_by_sms_asks_with_numbered_answers_and_no_joins_nothing(
    rig: Rig,
) -> None:
    phone = "+5511912345678"
    async with attacker(rig) as stranger:
        await rig.sms(phone, "change my delivery address")
        await rig.sms_texts(phone, 1)
        await rig.sms(phone, "A-10001")
        await rig.sms_texts(phone, 3)
        victim_id = await rig.customer("sms", phone)

        await rig.sms(phone, f"link {stranger.code}")
        asked = (await rig.sms_texts(phone, 4))[-1]
        assert asked.endswith("\n1. Yes\n2. No")
        assert ASKED.fullmatch(asked.removesuffix("\n1. Yes\n2. No"))
        await apart(rig, stranger, victim_id)

        await rig.sms(phone, "2")
        assert (await rig.sms_texts(phone, 6))[-2:] == [DECLINED, ASK_ADDRESS]
        await stranger.hears(REFUSED.format("SMS"))
        await apart(rig, stranger, victim_id)
        assert await rig.customer("sms", phone) == victim_id
        assert (await rig.record(victim_id)).joining is None
