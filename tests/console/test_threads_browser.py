"""Finding a conversation again, in a real browser through ``omnibot run --workers 2`` on
Redis: a customer who began on the web chat and asked for a person by SMS is found by their
phone as the agent types it, tagged, resolved, found again under Resolved and reopened, and the
customer hears nothing until the agent writes. Saves ``test-artifacts/agent-search.png`` (and
``docs/images/agent-search.png`` with ``OMNIBOT_DOCS_SCREENSHOTS=1``)."""

from __future__ import annotations

import os
import re

from playwright.async_api import Browser, Page, expect

from tests.browser import artifact
from tests.console.test_console_browser import (
    AGENTS,
    ASK_ORDER,
    LINKED,
    PHONE,
    Console,
    Store,
    code_in,
)
from tests.console.test_console_browser import store as store_fixture
from tests.server_process import ROOT
from tests.webchat.kit import SHIPPED, Chat, bot, me, open_page

store = store_fixture  # the example store under omnibot run --workers 2, and the fake Twilio
SEARCH_IMAGE = ROOT / "docs" / "images" / "agent-search.png"
BACK = "Thanks for waiting! You're back with the assistant. How else can I help?"
REPLY = "Hi, it's Ana again: I looked at your order once more."


async def cross_channel_customer(store: Store, browser: Browser) -> None:
    """Web chat first (an order looked up), then SMS by a link code, and a person asked for."""
    page = await open_page(browser, f"{store.server.url}/chat")
    chat = Chat(page)
    await chat.connected()
    await chat.say("where is my order")
    await chat.shows(me("where is my order"), bot(ASK_ORDER))
    await chat.say("A-10002")
    await chat.shows(me("A-10002"), bot(SHIPPED, "Track the package"))
    await chat.say("continue on my phone")
    offer = chat.log.locator(".msg.bot").filter(has_text="use this code once")
    await expect(offer).to_have_count(1)
    await store.sms(code_in(await offer.inner_text()))
    await store.replies(1)
    await store.sms("1")
    assert await store.replies(1) == [LINKED]
    await store.sms("Talk to a person")
    await store.replies(2)


async def search(ana: Console, text: str, status: str = "Any status") -> None:
    await ana.page.get_by_role("searchbox").fill(text)
    await ana.page.get_by_role("combobox", name="Status").select_option(label=status)
    await ana.button("Search").click()


async def test_a_customer_is_found_by_phone_resolved_and_reopened_from_search(
    store: Store, browser: Browser
) -> None:
    ana = await Console.open(browser, store.server.url)
    await ana.sign_in(AGENTS["Ana"], "Ana")
    await cross_channel_customer(store, browser)
    await expect(ana.waiting).to_have_count(1)

    # Found by the phone as Ana types it, with both channels and the status.
    await search(ana, "(11) 98765-4321")
    found = ana.page.locator("#found .pick")
    await expect(found).to_have_count(1)
    await expect(found.locator(".status")).to_have_text("Waiting")
    await expect(found.locator(".channels")).to_have_text("Web chat \u2192 SMS")
    await expect(found).to_contain_text("matched on phone")
    customer = await found.get_attribute("data-customer")
    assert customer is not None
    await found.click()
    await expect(ana.page.get_by_role("heading", name=PHONE)).to_be_visible()
    # What happened along the way names the channels as the badges do, never by their ids.
    joined = "joined the conversation on SMS (link code, accepted on SMS)"
    await expect(ana.page.locator("#transcript .event").filter(has_text=joined)).to_have_count(1)

    # Claimed and tagged.
    await ana.claim()
    await expect(ana.fact("Status")).to_have_text("With you")
    assert await store.replies(1) == ["Ana from our team is here to help."]
    # A tag that is not one is refused beside the box, in words, and the box says why.
    tag_box = ana.page.get_by_role("textbox", name="Add a tag")
    await tag_box.fill("wrong size!")
    await ana.button("Add tag").click()
    rule = "A tag is 1 to 24 letters, digits, - or _ (no spaces), starting with a letter or digit."
    await expect(ana.page.locator("#tag-form").get_by_role("alert")).to_have_text(rule)
    await expect(tag_box).to_have_accessible_description(re.compile("^" + re.escape(rule)))
    await expect(ana.page.locator("#action-error")).to_be_empty()
    await tag_box.fill("Late-Delivery")
    await ana.button("Add tag").click()
    await expect(ana.page.locator("#tag-error")).to_be_empty()
    tags = ana.page.get_by_role("list", name="Tags").get_by_role("listitem")
    await expect(tags).to_have_text(["late-delivery\u00d7"])

    # Resolved, after the confirmation: it stays readable.
    await ana.resolve()
    assert await store.replies(1) == [BACK]
    await expect(ana.fact("Status")).to_have_text(re.compile(r"^Resolved by Ana, today \d"))
    await expect(ana.said("Talk to a person")).to_be_visible()

    # Under Resolved, found again by the phone typed another way, and reopened.
    await search(ana, "11987654321", "Resolved")
    await expect(found).to_have_count(1)
    await expect(found.locator(".status")).to_have_text("Resolved")
    await expect(found.locator(".tag")).to_have_text("late-delivery")
    await expect(found).to_contain_text("resolved by Ana")
    await screenshot(ana.page)
    await found.click()
    await ana.button("Reopen").click()
    await expect(ana.fact("Status")).to_have_text("With you")
    await expect(ana.reply_box).to_be_enabled()
    await expect(ana.mine).to_have_count(1)
    await expect(found).to_have_count(0)  # the list refreshed: it is not resolved any more
    await ana.page.get_by_role("combobox", name="Status").select_option(label="With an agent")
    await expect(found.locator(".status")).to_have_text("With an agent")
    await expect(found).to_contain_text("with Ana")

    # The customer hears nothing of the reopening: the next thing they get is Ana's words.
    await ana.write(ana.reply_box, REPLY)
    assert await store.replies(1) == [REPLY]


async def screenshot(page: Page) -> None:
    await page.screenshot(path=artifact("agent-search.png"))
    if os.environ.get("OMNIBOT_DOCS_SCREENSHOTS") == "1":
        SEARCH_IMAGE.parent.mkdir(exist_ok=True)
        await page.screenshot(path=SEARCH_IMAGE)
