"""The agent console in a real browser (Debian's Chromium).

The main scenario runs through ``omnibot run --workers 2`` on Redis with the real web chat and
SMS connectors: a customer starts on the web chat, carries on by SMS, asks for a person there,
and agent Ana answers from the console; every SMS webhook comes on a connection of its own, so
that what the customer says reaches Ana's console from either worker (through the bus). The
other tests (the claim race, transfer and release, a forged session, a CSRF attempt,
contact-later, reconnecting, the keyboard alone) use the in-process server of
``tests/console/kit.py``. The main test saves a screenshot of the console mid-conversation in
``test-artifacts/agent-console.png``, and with ``OMNIBOT_DOCS_SCREENSHOTS=1`` also the one of
``docs/agents.md``.

Elements are found by their accessible role and name where they have one, so the tests also
hold the console to its accessibility contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Route,
    ViewportSize,
    WebSocketRoute,
    expect,
)

from bot.format.outbound import Text
from tests.browser import artifact
from tests.console.kit import TOKENS, Desk, serving
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, FakeTwilio, Sent
from tests.server_process import ROOT, Server, clean_env, example_copy, wipe
from tests.server_process import serving as serving_bot
from tests.webchat.kit import SHIPPED, Chat, bot, me, open_page

PUBLIC_URL = "https://bot.example.test"
PHONE = "+5511987654321"
OTHER_PHONE = "+5521998765432"
AGENTS = {
    "Ana": "ana-console-token-0123456789abcdef",
    "Bruno": "bruno-console-token-0123456789abcdef",
}
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
DOCS_IMAGE = ROOT / "docs" / "images" / "agent-console.png"

ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
LINKED = "Done: this chat is now part of your conversation."
ASK_ISSUE = (
    "I'm sorry to hear that. In a few words, what is it about? I'll pass it on to a person from"
    " our team, so that they can help you straight away."
)
ISSUE = "The courier left my package in the rain and it got wet."
HANDED_OFF = (
    "Thank you for telling me. I'm passing you to a person from our customer service team, who"
    " will answer you here shortly."
)
REASON = "complaint or request for a person, with the customer's own words"
REPLY = "Hi, I'm Ana. I'm sorry about the package: I'll send a new shirt today, at no cost."
FROM_WEB = "I'm at my computer now. Could the new one be a size L?"
TO_WEB = "Of course: a size L goes out today."
BY_SMS = "Perfect, it's a present for Saturday. Thanks!"
NOTE = "Courier confirmed the parcel was left outside. Replacement approved."
BACK = "Thanks for waiting! You're back with the assistant. How else can I help?"


@dataclass
class Console:
    """The console on a page, used as an agent would."""

    page: Page

    @classmethod
    async def open(cls, browser: Browser, base: str) -> Console:
        context = await browser.new_context(locale="en-US", viewport=VIEWPORT)
        page = await context.new_page()
        await page.goto(f"{base}/agent")
        return cls(page)

    @property
    def context(self) -> BrowserContext:
        return self.page.context

    @property
    def transcript(self) -> Locator:
        return self.page.get_by_role("list", name="Transcript")

    @property
    def waiting(self) -> Locator:
        return self.page.locator("#waiting .pick")

    @property
    def mine(self) -> Locator:
        return self.page.locator("#mine .pick")

    @property
    def online(self) -> Locator:
        return self.page.locator("#online li")

    @property
    def reply_box(self) -> Locator:
        # A combobox: "/" opens the canned responses' listbox from it (the APG's pattern).
        return self.page.get_by_role("combobox", name="Reply to the customer")

    @property
    def note_box(self) -> Locator:
        return self.page.get_by_role("textbox", name="Internal note")

    @property
    def error(self) -> Locator:
        return self.page.locator("#action-error")

    def fact(self, name: str) -> Locator:
        """A fact of the conversation's header: Status, Agent, Contact on, ..."""
        return (
            self.page.locator(".fact")
            .filter(has=self.page.get_by_role("term").get_by_text(name, exact=True))
            .get_by_role("definition")
        )

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def said(self, text: str) -> Locator:
        """The transcript entry whose text is exactly ``text``."""
        return self.transcript.locator(".entry").filter(
            has=self.page.locator(".text").get_by_text(text, exact=True)
        )

    async def sign_in(self, token: str, name: str) -> None:
        await self.page.get_by_role("textbox", name="Agent token").fill(token)
        await self.button("Sign in").click()
        await expect(self.page.get_by_text(f"Signed in as {name}")).to_be_visible()
        await expect(self.online.filter(has_text=name)).to_be_visible()  # its socket is open

    @property
    def dialog(self) -> Locator:
        return self.page.get_by_role("dialog")

    async def claim(self, confirm: str = "Claim and greet") -> None:
        """Claim the open conversation: the dialog says what the customer is told first."""
        await self.button("Claim").click()
        await self.dialog.get_by_role("button", name=confirm, exact=True).click()
        await expect(self.dialog).to_be_hidden()

    async def resolve(self, into: str | None = None) -> None:
        """Resolve, after the confirmation; ``into``: a flow's title."""
        await self.button("Resolve").click()
        if into is not None:
            await self.dialog.get_by_label("Then start").select_option(label=into)
        confirm = f"Resolve into \u201c{into}\u201d" if into else "Resolve"
        await self.dialog.get_by_role("button", name=confirm, exact=True).click()
        await expect(self.dialog).to_be_hidden()

    async def write(self, box: Locator, text: str) -> None:
        await box.fill(text)
        await box.press("Enter")
        await expect(box).to_have_value("")


@dataclass
class Store:
    """The example store bot under ``omnibot run --workers 2``, and the fake Twilio."""

    server: Server
    twilio: FakeTwilio
    read: dict[str, int] = field(default_factory=dict)

    async def sms(self, body: str, phone: str = PHONE) -> None:
        """A customer's SMS, as Twilio posts it: signed, on a connection of its own (so it may
        reach either worker)."""
        form = self.twilio.incoming(phone, body)
        headers = {"X-Twilio-Signature": self.twilio.sign(f"{PUBLIC_URL}/sms/twilio", form)}
        connector = aiohttp.TCPConnector(force_close=True)
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.post(f"{self.server.url}/sms/twilio", data=form, headers=headers) as response,
        ):
            assert response.status == 200, await response.text()

    async def replies(self, count: int, phone: str = PHONE) -> list[str]:
        """The next ``count`` texts sent to ``phone``, after those already read."""
        read = self.read.get(phone, 0)
        sent = await self.twilio.wait_sent(phone, read + count, 20.0)
        self.read[phone] = read + count
        return [text.body or "" for text in sent[read : read + count]]

    def sent(self, text: str) -> Sent:
        [found] = [sent for sent in self.twilio.to(PHONE) if sent.body == text]
        return found


@contextlib.asynccontextmanager
async def example_with_sms(
    tmp_path: Path, redis_url: str, namespace: str, **env: str
) -> AsyncIterator[tuple[Server, FakeTwilio]]:
    """The example store under ``omnibot run --workers 2`` on Redis, SMS behind the fake
    Twilio, with ``env`` besides (the agents' tokens, a web chat secret)."""
    twilio = FakeTwilio()
    await twilio.start()
    settings = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER=BOT_NUMBER,
        TWILIO_API_BASE=twilio.url,
        **env,
    )
    try:
        async with serving_bot(
            example_copy(tmp_path, namespace), "--workers", "2", env=settings
        ) as server:
            twilio.point_at(server.url, PUBLIC_URL)
            yield server, twilio
    finally:
        await twilio.stop()
        await wipe(redis_url, namespace)


@pytest.fixture
async def store(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Store]:
    tokens = ",".join(f"{name}:{token}" for name, token in AGENTS.items())
    async with example_with_sms(tmp_path, redis_url, namespace, OMNIBOT_AGENT_TOKENS=tokens) as (
        server,
        twilio,
    ):
        yield Store(server, twilio)


def code_in(text: str) -> str:
    code = re.search(r"by SMS: text (\d{4} \d{4}) to " + re.escape(BOT_NUMBER), text)
    assert code is not None, text
    return code.group(1)


async def screenshot(page: Page) -> None:
    """The console for people to look at, and for the docs when asked
    (``OMNIBOT_DOCS_SCREENSHOTS=1``), so that a normal run leaves the checkout as it was."""
    await page.screenshot(path=artifact("agent-console.png"))
    if os.environ.get("OMNIBOT_DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGE.parent.mkdir(exist_ok=True)
        await page.screenshot(path=DOCS_IMAGE)


async def test_an_agent_takes_over_a_conversation_that_began_on_the_web_chat(
    store: Store, browser: Browser
) -> None:
    # Ana signs in; with her console open, she is online, so customers are queued for her.
    ana = await Console.open(browser, store.server.url)
    await expect(ana.page.get_by_role("heading", name="Sign in")).to_be_visible()
    # Only tokens are set up here: no password form to try in vain.
    await expect(ana.page.get_by_role("textbox", name="Agent token")).to_be_visible()
    await expect(ana.page.get_by_role("textbox", name="Password")).to_be_hidden()
    await expect(ana.page.get_by_text("or with a name and password")).to_be_hidden()
    await ana.sign_in(AGENTS["Ana"], "Ana")
    await expect(ana.page.get_by_text("Nobody is waiting.")).to_be_visible()

    # The customer starts on the web chat and carries on by SMS with a link code (and a yes).
    page = await open_page(browser, f"{store.server.url}/chat")
    chat = Chat(page)
    await chat.connected()
    await chat.say("where is my order")
    await chat.shows(me("where is my order"), bot(ASK_ORDER))
    await chat.say("A-10002")
    await chat.shows(me("A-10002"), bot(SHIPPED, "Track the package"))
    await chat.say("continue on my phone")
    offer = chat.log.locator(".msg.bot").last
    await expect(offer).to_contain_text("use this code once")
    await store.sms(code_in(await offer.inner_text()))
    [asked] = await store.replies(1)
    assert asked.startswith("This will join this chat to a web chat conversation started today")
    assert asked.endswith(
        "Only say yes if you asked for this code yourself. Join them?\n1. Yes\n2. No"
    )
    await store.sms("1")
    assert await store.replies(1) == [LINKED]

    # By SMS, a complaint: the customer waits for a person.
    await store.sms("I want to complain")
    assert await store.replies(1) == [ASK_ISSUE]
    await store.sms(ISSUE)
    assert await store.replies(2) == [HANDED_OFF, "You're number 1 in line."]

    # Ana sees them waiting, on SMS, with what it is about; the page's title counts them.
    waiting = ana.waiting.first
    await expect(ana.waiting).to_have_count(1)
    await expect(waiting.locator(".channels")).to_have_text("Web chat \u2192 SMS")
    await expect(waiting).to_contain_text(REASON)
    await expect(waiting).to_contain_text(f"In their words: {ISSUE}")
    await expect(ana.page).to_have_title("(1) Agent console")

    # The whole history, from the web chat on, scrolled to its newest entry (not left under
    # the SMS reply's channel and meter, drawn after the transcript).
    await waiting.click()
    await expect(ana.transcript.locator("li").last).to_be_in_viewport()
    await expect(ana.page.get_by_role("heading", name=PHONE)).to_be_visible()
    for text, channel in [
        ("where is my order", "Web chat"),
        ("A-10002", "Web chat"),
        (ASK_ORDER, "Web chat"),
        ("I want to complain", "SMS"),
        (ISSUE, "SMS"),
        (HANDED_OFF, "SMS"),
    ]:
        await expect(ana.said(text).locator(".channel")).to_have_text(channel)
    await expect(ana.said("A-10002").locator(".author")).to_have_text(PHONE)
    await expect(ana.said(ASK_ORDER).locator(".author")).to_have_text("Bot")
    await expect(ana.reply_box).to_be_disabled()

    # Another customer comes to wait meanwhile.
    await store.sms("agent", OTHER_PHONE)
    await expect(ana.waiting).to_have_count(2)

    # Ana claims; the customer hears who is there, and her reply reaches their phone.
    await ana.claim()
    await expect(ana.reply_box).to_be_enabled()
    await expect(ana.reply_box).to_be_focused()
    await expect(ana.mine).to_have_count(1)
    assert await store.replies(1) == ["Ana from our team is here to help."]
    await ana.write(ana.reply_box, REPLY)
    assert await store.replies(1) == [REPLY]
    await expect(ana.said(REPLY).locator(".author")).to_have_text("Ana (agent)")

    # What the customer says now appears in the console as it comes, whichever worker it
    # reaches and on whichever channel, and so does the delivery report of Ana's reply.
    await store.sms("Oh, thank you!")
    await expect(ana.said("Oh, thank you!").locator(".channel")).to_have_text("SMS")
    assert (await store.twilio.report(store.sent(REPLY), "delivered")).status == 204
    await expect(ana.said(REPLY).locator(".delivery")).to_have_text("delivered")
    await chat.say(FROM_WEB)
    await expect(ana.said(FROM_WEB).locator(".channel")).to_have_text("Web chat")
    await ana.write(ana.reply_box, TO_WEB)  # to where the customer wrote last
    await expect(chat.log.locator(".msg.agent").last).to_contain_text(TO_WEB)
    await expect(ana.said(TO_WEB).locator(".channel")).to_have_text("Web chat")
    await store.sms(BY_SMS)
    await expect(ana.said(BY_SMS).locator(".channel")).to_have_text("SMS")

    # A note is for the team only.
    await ana.write(ana.note_box, NOTE)
    note = ana.transcript.locator(".entry.internal")
    await expect(note).to_contain_text("Internal note \u2014 the customer doesn't see this")
    await expect(note.locator(".text")).to_have_text(NOTE)
    await screenshot(ana.page)

    # Resolved: back to the bot, which answers the customer's next message again.
    await ana.resolve()
    assert await store.replies(1) == [BACK]
    await expect(ana.mine).to_have_count(0)
    await expect(ana.fact("Status")).to_have_text(re.compile(r"^Resolved by Ana, today \d"))
    await store.sms("hi")
    [greeting] = await store.replies(1)
    assert greeting.startswith("Hi! I'm the Store's assistant.")
    assert all(NOTE not in (sent.body or "") for sent in store.twilio.sent)
    await expect(chat.log).not_to_contain_text(NOTE)


GOAL = "I'd like to exchange my shoes for another size"
NOT_FOUND = (
    "I couldn't find an order numbered A-12345. Please check the number in your confirmation"
    " email. What would you like to do?"
)
PROFILE_IMAGE = ROOT / "docs" / "images" / "agent-profile.png"


async def test_the_agent_sees_who_the_customer_is_and_what_they_came_for(
    store: Store, browser: Browser
) -> None:
    ana = await Console.open(browser, store.server.url)
    await ana.sign_in(AGENTS["Ana"], "Ana")

    # On the web chat the customer wants to exchange shoes; their order number is not found.
    page = await open_page(browser, f"{store.server.url}/chat")
    chat = Chat(page)
    await chat.connected()
    await chat.say(GOAL)
    await chat.shows(me(GOAL), bot(ASK_ORDER))
    await chat.say("a-12345")
    await expect(chat.log.locator(".msg.bot").last).to_contain_text(NOT_FOUND)

    # They carry on by SMS with a link code, and there ask for a person.
    await chat.say("continue on my phone")
    offer = chat.log.locator(".msg.bot").filter(has_text="use this code once")
    await expect(offer).to_have_count(1)
    code = code_in(await offer.inner_text())
    await store.sms(code)
    await store.replies(1)
    await store.sms("1")
    assert (await store.replies(1))[0] == LINKED
    await store.sms("Talk to a person")
    await expect(ana.waiting).to_have_count(1)

    # The queue card: every channel used, in order, and the goal in the flows' words.
    card = ana.waiting.first
    await expect(card.locator(".channels")).to_have_text("Web chat \u2192 SMS")
    await expect(card.locator(".goal")).to_have_text("Exchanges and returns")
    await expect(card).to_contain_text("Order number: A-12345")
    # Found by the order number, the search's card says what they came for, as the queue's does.
    await ana.page.get_by_role("searchbox").fill("A-12345")
    await ana.button("Search").click()
    await expect(ana.page.locator("#found .pick .goal")).to_have_text("Exchanges and returns")
    await ana.button("Clear").click()
    customer = await card.get_attribute("data-customer")
    await card.click()
    await expect(ana.fact("Status")).to_have_text("Waiting in the queue (number 1)")

    # The summary: what they came for (not the last thing tried), what they said, what failed.
    summary = ana.page.get_by_role("region", name="Summary")
    await expect(summary.locator(".goal")).to_have_text("Came for: Exchanges and returns")
    await expect(summary).to_contain_text("Order number")
    await expect(summary.locator(".told")).to_contain_text("A-12345")
    await expect(summary.locator(".failed")).to_have_text("Order A-12345 not found")
    await expect(summary).not_to_contain_text("{")

    # The profile: both channels with their first and last contact, the verified phone.
    panel = ana.page.get_by_role("complementary", name="The customer")
    channels = panel.get_by_role("list", name="Channels used").get_by_role("listitem")
    await expect(channels).to_have_count(2)
    await expect(channels.nth(0).locator(".channel")).to_have_text("Web chat")
    await expect(channels.nth(1).locator(".channel")).to_have_text("SMS")
    await expect(channels.nth(0)).to_contain_text(re.compile(r"first today \d"))
    stamp = channels.nth(1).locator("time").first
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", await stamp.get_attribute("title") or "")
    await expect(panel).to_contain_text(f"Phone{PHONE} verified by SMS")
    await expect(panel).to_contain_text("Marketing: never asked")
    await expect(panel).to_contain_text("No earlier conversation with the team.")
    await profile_screenshot(ana.page)

    # Nothing secret is in the profile or the summary: not the link code, not the web chat's
    # session (the transcript shows what was said, the code the customer texted included).
    answer = await ana.page.request.get(f"{store.server.url}/agent/api/conversations/{customer}")
    assert answer.status == 200
    view = await answer.json()
    glance = json.dumps([view["profile"], view["customer"]])
    assert PHONE in glance
    assert code.replace(" ", "") not in glance.replace(" ", "")
    for cookie in await page.context.cookies():
        assert cookie["value"] not in glance

    # Claimed, it is with her; resolved, it is a past conversation.
    await ana.claim()
    await expect(ana.fact("Status")).to_have_text("With you")
    await ana.resolve()
    past = panel.get_by_role("list", name="Past conversations").get_by_role("listitem")
    await expect(past).to_have_count(1)
    await expect(past).to_contain_text("the order number was not found")
    await expect(past).to_contain_text("resolved by Ana")


async def profile_screenshot(page: Page) -> None:
    await page.screenshot(path=artifact("agent-profile.png"))
    if os.environ.get("OMNIBOT_DOCS_SCREENSHOTS") == "1":
        await page.screenshot(path=PROFILE_IMAGE)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with serving(tmp_path) as running_desk:
        yield running_desk


async def waiting_customer(desk: Desk, user: str = "+12025550143") -> str:
    await desk.say("sms", user, "where is my order")
    await desk.say("sms", user, "A-12345")
    return await desk.customer("sms", user)


async def signed_in(browser: Browser, desk: Desk, name: str) -> Console:
    console = await Console.open(browser, desk.base)
    await console.sign_in(TOKENS[name], name)
    return console


async def test_of_two_agents_claiming_at_once_one_wins_and_the_other_sees_who(
    desk: Desk, browser: Browser
) -> None:
    ana, bruno = await signed_in(browser, desk, "ana"), await signed_in(browser, desk, "bruno")
    customer = await waiting_customer(desk)
    for console in (ana, bruno):
        await console.waiting.first.click()
        await expect(console.button("Claim")).to_be_enabled()

    # Both claims leave the browsers before either reaches the server.
    held: list[Route] = []
    both = asyncio.Event()

    async def hold(route: Route) -> None:
        held.append(route)
        if len(held) == 2:
            both.set()
        await both.wait()
        await route.continue_()

    for console in (ana, bruno):
        await console.page.route("**/claim", hold)
    async with (
        ana.page.expect_response("**/claim") as ana_claimed,
        bruno.page.expect_response("**/claim") as bruno_claimed,
    ):
        for console in (ana, bruno):
            await console.button("Claim").click()
        confirm = [c.dialog.get_by_role("button", name="Claim and greet") for c in (ana, bruno)]
        await asyncio.gather(*(button.click() for button in confirm))
    answers = [(await ana_claimed.value).status, (await bruno_claimed.value).status]
    assert sorted(answers) == [200, 409]
    winner, loser = ("ana", "bruno") if answers[0] == 200 else ("bruno", "ana")
    assert await desk.runtime.desk.desk.holder(customer) == winner
    first, second = (ana, bruno) if winner == "ana" else (bruno, ana)
    await expect(first.reply_box).to_be_enabled()
    await expect(first.error).to_be_hidden()
    await expect(second.error).to_have_text(f"{winner} took it first.")
    await expect(second.reply_box).to_be_disabled()
    await expect(second.button(f"Held by {winner}")).to_be_disabled()
    await desk.settle()
    texts = [m.text for m in desk.channels["sms"].sent["+12025550143"] if isinstance(m, Text)]
    assert texts.count(f"{winner} from our team is here to help.") == 1

    # The winner hands it to the other, whose console follows; who then puts it back.
    await first.button("Transfer").click()
    await first.dialog.get_by_role("radio", name=re.compile(f"^{loser} ")).check()
    await first.dialog.get_by_role("button", name="Transfer", exact=True).click()
    await expect(second.reply_box).to_be_enabled()
    await expect(second.mine).to_have_count(1)
    await expect(first.reply_box).to_be_disabled()
    await expect(first.button(f"Held by {loser}")).to_be_disabled()
    await second.button("Release").click()
    await expect(second.dialog).to_contain_text("The customer is not told.")
    await second.dialog.get_by_role("button", name="Release", exact=True).click()
    await expect(second.fact("Status")).to_have_text("Waiting in the queue (number 1)")
    await expect(first.button("Claim")).to_be_enabled()
    await expect(first.waiting).to_have_count(1)


async def test_a_forged_session_cookie_gets_the_sign_in_form(desk: Desk, browser: Browser) -> None:
    context = await browser.new_context(locale="en-US")
    await context.add_cookies(
        [
            {
                "name": "omnibot_agent",
                "value": "forged-session-value",
                "domain": "127.0.0.1",
                "path": "/agent",
            }
        ]
    )
    page = await context.new_page()
    console = Console(page)
    await page.goto(f"{desk.base}/agent")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await expect(page.locator("#desk")).to_be_hidden()
    assert (await page.request.get(f"{desk.base}/agent/api/queue")).status == 401

    await page.get_by_role("textbox", name="Agent token").fill("not-the-token-of-anyone")
    await console.button("Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Not signed in: wrong name, password or token."
    )
    await console.sign_in(TOKENS["bruno"], "bruno")
    await console.button("Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert (await page.request.get(f"{desk.base}/agent/api/queue")).status == 401


async def test_a_change_without_the_csrf_token_or_from_another_site_changes_nothing(
    desk: Desk, browser: Browser
) -> None:
    ana = await signed_in(browser, desk, "ana")
    customer = await waiting_customer(desk)
    claim = f"{desk.base}/agent/api/conversations/{customer}/claim"
    csrf = (await (await ana.page.request.get(f"{desk.base}/agent/api/session")).json())["csrf"]

    # From the console's own page, with the session cookie but not the token.
    status = await ana.page.evaluate(
        "url => fetch(url, {method: 'POST', body: '{}'}).then(r => r.status)", claim
    )
    assert status == 403
    # With the token, but from another origin.
    refused = await ana.page.request.post(
        claim, data={}, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert refused.status == 403
    # A page of another site submitting a form to the console: the browser does not even send
    # the session cookie (SameSite=Strict).
    evil = await ana.context.new_page()
    form = f'<form method="post" action="{claim}" enctype="text/plain"><input name="a"></form>'
    await evil.route(
        "http://evil.example/", lambda route: route.fulfill(content_type="text/html", body=form)
    )
    await evil.goto("http://evil.example/")
    async with evil.expect_response(claim) as answered:
        await evil.evaluate("document.forms[0].submit()")
    assert (await answered.value).status == 401

    assert await desk.runtime.desk.desk.holder(customer) is None
    await ana.waiting.first.click()
    await expect(ana.button("Claim")).to_be_enabled()
    await expect(ana.fact("Status")).to_have_text("Waiting in the queue (number 1)")


async def test_with_nobody_online_the_customer_asks_to_be_contacted_later(
    desk: Desk, browser: Browser
) -> None:
    await desk.say("webchat", "w1", "hi")
    await desk.say("webchat", "w1", "where is my order")
    assert await desk.say("webchat", "w1", "A-12345") == [
        "Nobody from our team can answer right now.",
        "Would you like us to contact you later? Choose where:",
    ]
    await desk.channels["webchat"].press("w1", "contact:webchat")
    await desk.settle()

    ana = await signed_in(browser, desk, "ana")
    await expect(ana.waiting).to_have_count(1)
    await expect(ana.waiting.locator(".contact")).to_have_text("Contact later on Web chat")
    await ana.waiting.first.click()
    await expect(ana.fact("Contact on")).to_have_text("Web chat")
    await ana.claim()
    await ana.write(ana.reply_box, "Hello! You asked us to get back to you.")
    await ana.resolve(into="Survey")
    await expect(ana.fact("Status")).to_have_text(re.compile(r"^Resolved by ana, today \d"))
    await desk.settle()
    texts = [m.text for m in desk.channels["webchat"].sent["w1"] if isinstance(m, Text)]
    assert texts[-4:] == [
        "ana from our team is here to help.",
        "Hello! You asked us to get back to you.",
        "Thanks for waiting! You're back with the assistant. How else can I help?",
        "How did we do?",
    ]


async def test_the_console_reconnects_and_catches_up(desk: Desk, browser: Browser) -> None:
    ana = await Console.open(browser, desk.base)
    up = True
    sockets: list[WebSocketRoute] = []

    async def socket(ws: WebSocketRoute) -> None:
        if not up:
            await ws.close()
            return
        sockets.append(ws)
        ws.connect_to_server()

    await ana.page.route_web_socket(re.compile(r".*/agent/ws$"), socket)
    await ana.sign_in(TOKENS["ana"], "ana")
    banner = ana.page.get_by_role("status").filter(has_text="Reconnecting\u2026")

    up = False
    await sockets[-1].close()
    await expect(banner).to_be_visible()
    await expect(ana.page.get_by_text("Live", exact=True)).to_be_hidden()
    await desk.online()  # the customer is queued while the console is away
    await waiting_customer(desk)
    up = True
    await expect(banner).to_be_hidden(timeout=10_000)
    await expect(ana.waiting).to_have_count(1)
    await expect(ana.page).to_have_title("(1) Agent console")


async def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until ``target`` has the focus, and check that the focus can be seen."""
    for _ in range(40):
        if await target.evaluate("element => element === document.activeElement"):
            assert await target.evaluate("element => getComputedStyle(element).outlineStyle") != (
                "none"
            )
            return
        await page.keyboard.press("Tab")
    pytest.fail(f"Tab never reaches {target}")


async def test_the_console_works_with_the_keyboard_alone(desk: Desk, browser: Browser) -> None:
    await desk.online("bruno")
    await waiting_customer(desk)
    ana = await Console.open(browser, desk.base)
    await expect(ana.page.get_by_role("textbox", name="Agent token")).to_be_focused()
    await ana.page.keyboard.type(TOKENS["ana"])
    await ana.page.keyboard.press("Enter")
    await expect(ana.waiting).to_have_count(1)

    await tab_to(ana.page, ana.waiting.first)
    await ana.page.keyboard.press("Enter")
    await expect(ana.page.get_by_role("heading", name=re.compile("^Customer c"))).to_be_focused()
    await tab_to(ana.page, ana.button("Claim"))
    await ana.page.keyboard.press("Enter")
    await expect(ana.dialog.get_by_role("button", name="Claim and greet")).to_be_focused()
    await ana.page.keyboard.press("Enter")
    await expect(ana.reply_box).to_be_focused()
    await ana.page.keyboard.type("On it.")
    await ana.page.keyboard.press("Shift+Enter")
    await ana.page.keyboard.type("Checking with the courier now.")
    await ana.page.keyboard.press("Enter")
    await expect(ana.said("On it.\nChecking with the courier now.")).to_have_count(1)
    await desk.settle()
    sent = desk.channels["sms"].sent["+12025550143"][-1]
    assert isinstance(sent, Text)
    assert sent.text == "On it.\nChecking with the courier now."


async def test_an_agent_schedules_a_follow_up_sees_it_and_cancels_it(
    desk: Desk, browser: Browser
) -> None:
    ana = await signed_in(browser, desk, "ana")
    customer = await waiting_customer(desk)
    await ana.waiting.first.click()
    page = ana.page
    await expect(page.locator("#follow-up-zone")).to_have_text("the customer's time (UTC)")
    await expect(page.get_by_text("Nothing is scheduled for this customer.")).to_be_visible()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    await page.get_by_label("Contact at").fill(tomorrow)
    await page.get_by_label("Message", exact=True).fill("Hi! Checking in about your order.")
    await page.get_by_label("Why").fill("promised to check the order")
    flows = page.get_by_label("or start").locator("option")
    await expect(flows).to_have_text(["no flow", "Order", "Survey", "Welcome"])  # by title
    await ana.button("Schedule follow-up").click()

    row = page.get_by_role("list", name="Scheduled for this customer").get_by_role("listitem")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text(tomorrow.replace("T", " "))
    await expect(row).to_contain_text("promised to check the order (message: Hi! Checking in")
    await expect(ana.transcript).to_contain_text("follow-up scheduled by ana")
    scheduler = desk.runtime.scheduler
    assert scheduler is not None
    [item] = await scheduler.pending(customer)
    assert item.due_at == datetime.fromisoformat(tomorrow).replace(tzinfo=UTC)
    assert item.data["agent"] == "ana"

    await page.get_by_label("Message", exact=True).fill("too soon")
    await page.get_by_label("Contact at").fill("2020-01-01T10:00")
    await ana.button("Schedule follow-up").click()
    refused = "Could not schedule the follow-up: at: a time in the future."
    await expect(ana.error).to_have_text(refused)

    await ana.button(f"Cancel the follow-up at {tomorrow.replace('T', ' ')}").click()
    await expect(page.get_by_text("Nothing is scheduled for this customer.")).to_be_visible()
    assert await scheduler.pending(customer) == []
