"""Replies that respect the channel, in a real browser, through ``omnibot run --workers 2`` on
Redis with the SMS connector on the fake Twilio and the web chat: a customer signed in on the
shop's site (their name and phone vouched for) chats on the web, asks for a person by SMS and
comes back to the web chat; agent Ana picks SMS for her reply (the channel the customer did not
write on last), sees what it costs in segments as she types, and the fake Twilio's signed status
callback turns it "delivered" on her screen; a reply she sends on the web chat reaches the open
chat; a canned response goes in with the customer's name filled. The page's segment count is
checked against connectors/sms/segments.py on the same strings.

With ``OMNIBOT_DOCS_SCREENSHOTS=1`` it also saves ``docs/images/agent-reply.png``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from bot.format.outbound import Template, Text
from connectors.sms.segments import cost, gsm_friendly
from connectors.webchat.signed_identity import sign
from tests.browser import artifact
from tests.console.kit import TOKENS, serving
from tests.console.test_console_browser import PUBLIC_URL, Console, example_with_sms
from tests.console.test_window_api import TEMPLATES, WHATSAPP_USER, Clock, held_by_ana, with_phone
from tests.fakes.twilio import FakeTwilio
from tests.server_process import ROOT, Server

PHONE = "+5511987654321"
NAME = "Maria"
SECRET = "a-host-site-secret-for-the-replies-test"
ANA = "ana-replies-token-0123456789abcdef"
DOCS_IMAGE = ROOT / "docs" / "images" / "agent-reply.png"
ISSUE = "The courier left my package in the rain and it got wet."
BY_SMS = "Olá Maria! Your new shirt ships today; the tracking code follows by SMS. 😀"
ON_WEB = "I see you are on the web chat again: the size L is reserved for you."
GREETING = 'Hi {{ profile.name or "there" }}, {{ agent.name }} here: how can I help?'
SEGMENT_STRINGS = [
    "",
    "ok",
    "Olá, tudo bem?",
    "Ação, coração e pão: não é?",
    "Thanks 😀",
    "a" * 160,
    "a" * 161,
    "€" * 80,
    "€" * 81,
    "ç" * 70,
    "ç" * 71,
    "x" * 66 + "😀" + "y" * 10,
    "\u201cQuoted\u201d \u2013 with a dash\u2026 and a bullet \u2022",
    "São Paulo — “ótimo”",
    "   trimmed   ",
    "Linha 1\nLinha 2\tcom tab",
]


@dataclass
class Site:
    """The store bot and the fake Twilio."""

    server: Server
    twilio: FakeTwilio


@pytest.fixture
async def site(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Site]:
    async with example_with_sms(
        tmp_path,
        redis_url,
        namespace,
        OMNIBOT_AGENT_TOKENS=f"Ana:{ANA}",
        OMNIBOT_WEBCHAT_SECRET=SECRET,
    ) as (server, twilio):
        yield Site(server, twilio)


@dataclass
class WebChat:
    """The customer's web chat, signed in by the shop's site, as the widget speaks it."""

    ws: aiohttp.ClientWebSocketResponse
    heard: list[str] = field(default_factory=list)

    async def say(self, text: str) -> None:
        await self.ws.send_json({"type": "message", "id": secrets.token_hex(8), "text": text})

    async def read(self) -> None:
        async for message in self.ws:
            frame = json.loads(message.data)
            for entry in frame.get("entries", []) if frame["type"] == "entries" else []:
                shown = entry["text"] if entry["from"] == "customer" else entry["message"]
                self.heard.append(shown if isinstance(shown, str) else str(shown.get("text")))

    async def hears(self, text: str) -> None:
        deadline = time.monotonic() + 20
        while not any(text in said for said in self.heard):
            assert time.monotonic() < deadline, f"the chat never showed {text!r}: {self.heard}"
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def web_chat(site: Site) -> AsyncIterator[WebChat]:
    claims = {
        "sub": "maria-1",
        "name": NAME,
        "phone_number": PHONE,
        "phone_number_verified": True,
        "exp": int(time.time()) + 600,
    }
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{site.server.url}/chat/ws")
        identity = sign(claims, SECRET)
        hello = {"type": "hello", "protocol": 1, "locale": "en-US", "identity": identity}
        await ws.send_json(hello)
        await ws.receive(timeout=10)
        chat = WebChat(ws)
        reader = asyncio.get_running_loop().create_task(chat.read())
        try:
            yield chat
        finally:
            await ws.close()
            await reader


async def sms(site: Site, body: str) -> None:
    """The customer's SMS, signed as Twilio signs it, on a connection of its own."""
    form = site.twilio.incoming(PHONE, body)
    headers = {"X-Twilio-Signature": site.twilio.sign(f"{PUBLIC_URL}/sms/twilio", form)}
    connector = aiohttp.TCPConnector(force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.post(f"{site.server.url}/sms/twilio", data=form, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()


async def screenshot(page: Page) -> None:
    """Tall enough for the transcript above the reply box and its canned responses."""
    await page.set_viewport_size({"width": 1280, "height": 1300})
    await page.screenshot(path=artifact("agent-reply.png"))
    if os.environ.get("OMNIBOT_DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGE.parent.mkdir(exist_ok=True)
        await page.screenshot(path=DOCS_IMAGE)


async def test_an_agent_replies_on_the_channel_she_picks_and_sees_it_delivered(
    site: Site, browser: Browser
) -> None:
    ana = await Console.open(browser, site.server.url)
    await ana.sign_in(ANA, "Ana")
    page = ana.page

    # Maria, signed in on the shop's site, chats on the web, asks for a person by SMS (the
    # phone the site vouched for joins the two), and comes back to the web chat.
    async with web_chat(site) as chat:
        await chat.say("hello")
        await chat.hears("assistant")
        await sms(site, "I want to complain")
        await site.twilio.wait_sent(PHONE, 1, 20)
        await sms(site, ISSUE)
        await site.twilio.wait_sent(PHONE, 3, 20)
        await expect(ana.waiting).to_have_count(1)
        await chat.say("I'm back at my computer.")
        await ana.waiting.first.click()
        await expect(page.get_by_role("heading", name=NAME)).to_be_visible()
        await ana.claim()
        await expect(ana.reply_box).to_be_enabled()
        await chat.hears("Ana from our team is here to help.")

        # The reply goes to the web chat by default (she wrote there last); Ana sees SMS too.
        picker = page.get_by_role("combobox", name="Send on")
        await expect(picker).to_have_value("webchat")
        await expect(picker.locator("option")).to_have_text(["Web chat", f"SMS \u00b7 {PHONE}"])

        # What the page counts is what the SMS connector costs, string for string.
        counted = await page.evaluate(
            "(texts) => texts.map((t) => window.omnibotSegments.smsCost(t))", SEGMENT_STRINGS
        )
        for text, seen in zip(SEGMENT_STRINGS, counted, strict=True):
            expected = cost(gsm_friendly(text.strip()))
            assert (seen["encoding"], seen["units"], seen["segments"]) == (
                expected.encoding.value,
                expected.units,
                expected.segments,
            ), text

        # Ana picks SMS; as she types, the segments show (an emoji makes it UCS-2).
        await picker.select_option("sms")
        await expect(page.locator("#reply-address")).to_have_text(f"to {PHONE}")
        meter = page.locator("#reply-meter")
        await expect(meter).to_have_text(
            "SMS: 160 characters make one text message (70 with accents or emoji)"
        )  # before a word is written, not "0 text messages"
        await ana.reply_box.fill("Hello")
        await expect(meter).to_have_text("1 text message \u00b7 5 of 160 characters")  # no jargon
        await expect(meter).to_have_attribute("title", re.compile("Encoding GSM-7"))
        await ana.reply_box.fill(BY_SMS)
        sms_cost = cost(gsm_friendly(BY_SMS))
        await expect(meter).to_contain_text(
            f"{sms_cost.segments} text messages (67 characters each)"
        )
        await expect(meter).to_contain_text("accents or emoji in it make each text message hold 70")
        await expect(meter).not_to_contain_text("UCS-2")
        await ana.reply_box.press("Enter")
        await expect(ana.reply_box).to_have_value("")
        [sent] = [s for s in await site.twilio.wait_sent(PHONE, 4, 20) if s.body == BY_SMS]
        await expect(ana.said(BY_SMS).locator(".channel")).to_have_text("SMS")
        assert all(ON_WEB not in said for said in chat.heard)

        # Twilio's signed status callback: "delivered" shows on that reply, live.
        assert (await site.twilio.report(sent, "delivered")).status == 204
        await expect(ana.said(BY_SMS).locator(".delivery")).to_have_text("delivered")

        # Back to the web chat for the next reply; it reaches the open chat, not the phone.
        await picker.select_option("webchat")
        await expect(meter).to_be_hidden()
        await ana.write(ana.reply_box, ON_WEB)
        await chat.hears(ON_WEB)
        await expect(ana.said(ON_WEB).locator(".channel")).to_have_text("Web chat")
        assert all(s.body != ON_WEB for s in site.twilio.to(PHONE))

        # A canned response, written once for the team, goes in with Maria's name filled.
        await page.get_by_text("Manage canned responses").click()
        await page.get_by_role("textbox", name="Title").fill("Greeting")
        await page.get_by_role("combobox", name="Language").fill("en")
        await page.get_by_role("textbox", name="Text", exact=True).fill(GREETING)
        await ana.button("Add canned response").click()
        await expect(page.locator("#canned-status")).to_have_text("Saved \u201cGreeting\u201d.")
        await expect(page.locator("#canned-manage-list li")).to_have_count(1)
        await page.get_by_text("Manage canned responses").click()  # folded away again
        await ana.reply_box.fill("")
        box = ana.reply_box  # a combobox whose state follows the list's (WAI-ARIA APG)
        listbox = page.get_by_role("listbox", name="Canned responses", include_hidden=True)
        await expect(box).to_have_attribute("aria-expanded", "false")
        await expect(box).to_have_attribute("aria-controls", "canned-list")
        await expect(listbox).to_have_id("canned-list")
        await box.press_sequentially("/gre")
        await expect(box).to_have_attribute("aria-expanded", "true")
        option = page.get_by_role("listbox", name="Canned responses").get_by_role("option")
        await expect(option).to_have_count(1)
        await expect(option).to_contain_text("Hi Maria, Ana here: how can I help?")
        await expect(option).to_have_attribute("aria-selected", "true")
        option_id = await option.get_attribute("id")
        assert option_id
        await expect(box).to_have_attribute("aria-activedescendant", option_id)
        await screenshot(page)
        await box.press("Escape")  # closes the list only
        await expect(box).to_have_attribute("aria-expanded", "false")
        await expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
        await box.press_sequentially("e")  # "/gre" + "e": the list again
        await expect(box).to_have_attribute("aria-expanded", "true")
        await box.press("Enter")
        await expect(ana.reply_box).to_have_value("Hi Maria, Ana here: how can I help?")
        await expect(page.locator("#canned-picker")).to_be_hidden()
        await expect(box).to_have_attribute("aria-expanded", "false")
        await expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
        await ana.reply_box.press("Enter")
        await chat.hears("Hi Maria, Ana here: how can I help?")


async def test_the_agent_sees_whatsapps_window_and_its_template_once_closed(
    tmp_path: Path, browser: Browser
) -> None:
    clock, names = Clock(), ("whatsapp", "sms")
    async with serving(tmp_path, bot_yaml=TEMPLATES, names=names, clock=clock) as desk:
        await with_phone(desk, "sms", "hello")
        customer = await held_by_ana(desk)
        ana = await Console.open(browser, desk.base)
        await ana.sign_in(TOKENS["ana"], "ana")
        page = ana.page
        await ana.mine.first.click()
        picker = page.get_by_role("combobox", name="Send on")
        await expect(picker).to_have_value("whatsapp")
        window = page.locator("#reply-window")
        await expect(window).to_contain_text("WhatsApp's 24-hour window is open until")
        await expect(ana.button("Send")).to_be_visible()

        clock.now += timedelta(hours=25)
        await ana.page.reload()
        await ana.mine.first.click()
        await expect(window).to_contain_text("WhatsApp's 24-hour window is closed since")
        template = page.locator("#reply-template")
        await expect(template).to_contain_text("reopen_conversation (en_US)")
        await expect(template.locator("li")).to_have_text(["{{1}} (your reply)"])
        await expect(picker.locator("option[value=whatsapp]")).to_have_text(
            f"WhatsApp \u00b7 {WHATSAPP_USER} (template only)"
        )
        await ana.write(ana.reply_box, "It ships today.")
        await desk.settle()
        sent = desk.channels["whatsapp"].sent[WHATSAPP_USER][-1]
        assert isinstance(sent, Template)
        assert sent.parameters == ("It ships today.",)

        # On SMS there is no window to speak of, and the reply is plain text.
        await picker.select_option("sms")
        await expect(window).to_be_hidden()
        await expect(template).to_be_hidden()
        await expect(page.locator("#window")).to_be_hidden()
        await ana.write(ana.reply_box, "Also by SMS.")
        await desk.settle()
        last = desk.channels["sms"].sent[WHATSAPP_USER][-1]
        assert isinstance(last, Text)
        assert last.text == "Also by SMS."
        assert customer == await desk.customer("whatsapp", WHATSAPP_USER)
