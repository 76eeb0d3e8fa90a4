"""The console's actions and what keeps an agent from missing anything, in a real browser
(Debian's Chromium) through ``omnibot run --workers 2`` on Redis, with the example store bot, the
real web chat and SMS through the fake Twilio: every action says first what the customer will see
(the claim's greeting, editable; release; transfer, with who cannot be chosen and why; resolve
naming the flow by its title), the keyboard shortcuts and a claim → reply → resolve run with the
keyboard alone; unread markers, the "new messages" button, the tab title's count and "customer
is typing…". The opt-in desktop alerts and sound run on the in-process server of
``tests/console/kit.py``, the browser's Notification and Web Audio recorded by an init script.
With ``OMNIBOT_DOCS_SCREENSHOTS=1`` the screenshots of ``docs/agents.md`` are saved.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests.browser import artifact
from tests.console.kit import TOKENS, serving
from tests.console.test_console_browser import (
    AGENTS,
    ASK_ORDER,
    BACK,
    PHONE,
    VIEWPORT,
    Console,
    Store,
)
from tests.console.test_console_browser import store as store  # the fixture
from tests.server_process import ROOT
from tests.webchat.kit import Chat, open_page

GREETING = "Ana from our team is here to help."


async def docs_screenshot(page: Page, name: str) -> None:
    await page.screenshot(path=artifact(name))
    if os.environ.get("OMNIBOT_DOCS_SCREENSHOTS") == "1":
        await page.screenshot(path=ROOT / "docs" / "images" / name)


async def sms_customer_waiting(store: Store, ana: Console) -> None:
    await store.sms("agent")
    await store.replies(2)
    await expect(ana.waiting).to_have_count(1)


async def test_claim_and_resolve_say_first_what_the_customer_will_see(
    store: Store, browser: Browser
) -> None:
    ana = await Console.open(browser, store.server.url)
    await ana.sign_in(AGENTS["Ana"], "Ana")
    await sms_customer_waiting(store, ana)
    await ana.waiting.first.click()

    # The claim says the customer will be greeted, and how; Ana writes her own greeting.
    await ana.button("Claim").click()
    dialog = ana.dialog
    await expect(dialog.get_by_role("heading")).to_have_text("Claim this conversation?")
    await expect(dialog).to_contain_text("The customer is told, by SMS:")
    await expect(dialog.locator("blockquote")).to_have_text(GREETING)
    greeting = dialog.get_by_label("The greeting (edit it to use your own words)")
    await expect(greeting).to_have_value(GREETING)
    await greeting.fill("Hi, Ana here from the shop. Let me look at this for you.")
    # What the customer is told follows her words, and the tick.
    await expect(dialog.locator("blockquote")).to_have_text(
        "Hi, Ana here from the shop. Let me look at this for you."
    )
    await dialog.get_by_role("checkbox", name="Greet the customer").uncheck()
    await expect(dialog).to_contain_text("The customer is told nothing")
    await expect(dialog.locator("blockquote")).to_be_hidden()
    await dialog.get_by_role("checkbox", name="Greet the customer").check()
    await dialog.get_by_role("button", name="Claim and greet").click()
    assert await store.replies(1) == ["Hi, Ana here from the shop. Let me look at this for you."]
    await expect(ana.reply_box).to_be_focused()

    # Resolve asks first: what the customer is told, and the flows by their titles.
    await ana.button("Resolve").click()
    await expect(dialog.get_by_role("heading")).to_have_text("Resolve and hand back to the bot?")
    await expect(dialog.locator("blockquote")).to_have_text(BACK)
    flows = dialog.get_by_label("Then start")
    titles = await flows.locator("option").all_inner_texts()
    assert "Order status" in titles
    assert not any("_" in title for title in titles)  # no internal names
    await flows.select_option(label="Order status")
    await expect(dialog).to_contain_text("Then the bot starts \u201cOrder status\u201d with them")
    await docs_screenshot(ana.page, "agent-resolve.png")

    # Escape changes nothing; confirmed, the customer hears it and the flow starts.
    await ana.page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(ana.button("Resolve")).to_be_focused()
    await expect(ana.fact("Status")).to_have_text("With you")
    await ana.resolve(into="Order status")
    assert await store.replies(2) == [BACK, ASK_ORDER]
    await expect(ana.fact("Status")).to_have_text(re.compile(r"^Resolved by Ana, today \d"))
    await expect(ana.fact("Agent")).to_have_text("Ana (resolved it)")
    # The language by its name, not "EN", in the header and the profile panel.
    await expect(ana.fact("Language")).to_have_text(["English", "English"])


async def test_release_and_transfer_explain_themselves(store: Store, browser: Browser) -> None:
    ana = await Console.open(browser, store.server.url)
    await ana.sign_in(AGENTS["Ana"], "Ana")
    await sms_customer_waiting(store, ana)
    await ana.waiting.first.click()
    await ana.claim()
    assert await store.replies(1) == [GREETING]

    # Bruno is offline: he cannot be chosen, nor can Ana herself, and the dialog says why.
    await ana.button("Transfer").click()
    dialog = ana.dialog
    bruno = dialog.get_by_role("radio", name="Bruno \u2014 offline")
    await expect(bruno).to_be_disabled()
    await expect(bruno).to_have_accessible_description(
        "Cannot be chosen: offline: they would not see it until they sign in."
    )
    await expect(dialog.get_by_role("radio", name="Ana (you) \u2014 online")).to_be_disabled()
    await expect(dialog).to_contain_text("Nobody else is online now")
    await expect(dialog.get_by_role("button", name="Transfer", exact=True)).to_be_disabled()
    await dialog.get_by_role("button", name="Cancel").click()

    # Once Bruno is online he can be chosen.
    bruno_console = await Console.open(browser, store.server.url)
    await bruno_console.sign_in(AGENTS["Bruno"], "Bruno")
    await expect(ana.online.filter(has_text="Bruno")).to_be_visible()
    await ana.button("Transfer").click()
    await expect(dialog.get_by_role("radio", name="Bruno \u2014 online")).to_be_checked()
    await expect(dialog).to_contain_text("The customer is not told.")
    await dialog.get_by_role("button", name="Cancel").click()

    # Release: back to the queue at its place, the customer not told; a second claim does not
    # greet them again, and the dialog says so.
    await ana.button("Release").click()
    await expect(dialog).to_contain_text("goes back to the queue at the place it had")
    await expect(dialog).to_contain_text("The customer is not told.")
    await dialog.get_by_role("button", name="Release", exact=True).click()
    await expect(ana.fact("Status")).to_have_text("Waiting in the queue (number 1)")
    await ana.button("Claim").click()
    await expect(dialog).to_contain_text("greeted earlier in this conversation")
    await expect(dialog.get_by_role("checkbox", name="Greet them again anyway")).not_to_be_checked()
    await dialog.get_by_role("button", name="Claim without greeting").click()
    await expect(ana.fact("Status")).to_have_text("With you")
    await ana.write(ana.reply_box, "Still here.")
    # In the transcript first (the dialog took the reply: had it refused it, its note would
    # be there instead), then at the fake Twilio.
    # As long as the fake Twilio waits (20 s): the reply crosses from the worker that took it
    # to the console's socket on either worker, which on a loaded machine took over 5 s once.
    try:
        await expect(ana.said("Still here.")).to_have_count(1, timeout=20_000)
    except AssertionError as missing:
        sent = [text.body for text in store.twilio.to(PHONE)]
        raise AssertionError(f"not in the transcript; the fake Twilio has {sent}") from missing
    assert await store.replies(1) == ["Still here."]  # and no second greeting before it


async def test_a_message_while_scrolled_up_is_not_missed(store: Store, browser: Browser) -> None:
    ana = await Console.open(browser, store.server.url)
    await ana.sign_in(AGENTS["Ana"], "Ana")
    page = await open_page(browser, f"{store.server.url}/chat")
    chat = Chat(page)
    await chat.connected()
    await chat.say("I want to talk to a person")
    await expect(ana.waiting).to_have_count(1)
    await expect(ana.page).to_have_title("(1) Agent console")
    await ana.waiting.first.click()
    await ana.claim()
    await expect(ana.page).to_have_title("Agent console")
    # Claimed, the newest entry is in view (not hidden under the actions and the reply's
    # channel, drawn after the transcript), so nothing is unread in what Ana is looking at.
    await expect(ana.transcript.locator("li").last).to_have_text(re.compile("^Ana took"))
    await expect(ana.transcript.locator("li").last).to_be_in_viewport()
    await expect(ana.mine.first.locator(".unread")).to_have_count(0)
    details = " ".join(["The box was open and a shoe was missing when it came."] * 4)
    for n in range(1, 7):  # within the web chat's limits on a burst of messages
        await chat.say(f"{n}. {details}")
        await expect(ana.said(f"{n}. {details}")).to_have_count(1)
    await expect(ana.page.locator("#new-messages")).to_be_hidden()  # at the bottom

    # Scrolled up, Ana sees the customer typing, then a button and a marker for what came.
    await ana.transcript.focus()
    await ana.page.keyboard.press("Home")
    assert await ana.transcript.evaluate("list => list.scrollHeight > 2 * list.clientHeight")
    await ana.page.wait_for_function("() => document.getElementById('transcript').scrollTop === 0")
    await chat.input.press_sequentially("Are you still")
    await expect(
        ana.page.get_by_role("status").filter(has_text="Customer is typing")
    ).to_be_visible()
    await chat.input.press_sequentially(" there?")
    await chat.input.press("Enter")
    pill = ana.button("1 new message \u2193")
    await expect(pill).to_be_visible()
    card = ana.mine.first
    await expect(card.locator(".unread")).to_have_text("1 new")
    await expect(ana.page).to_have_title("(1) Agent console")
    await expect(ana.page.get_by_text("Customer is typing")).to_be_hidden()
    await docs_screenshot(ana.page, "agent-new-messages.png")

    # The button goes to the newest message; then nothing is unread.
    await pill.click()
    await expect(ana.said("Are you still there?")).to_be_in_viewport()
    await expect(pill).to_be_hidden()
    await expect(card.locator(".unread")).to_have_count(0)
    await expect(ana.page).to_have_title("Agent console")

    # Scrolled up again, what Ana writes herself comes into view, and nothing is new to her.
    await ana.transcript.focus()
    await ana.page.keyboard.press("Home")
    await ana.page.wait_for_function("() => document.getElementById('transcript').scrollTop === 0")
    await ana.write(ana.reply_box, "Let me check with the warehouse.")
    await expect(ana.said("Let me check with the warehouse.")).to_be_in_viewport()
    await expect(pill).to_be_hidden()
    await expect(card.locator(".unread")).to_have_count(0)

    # In a narrow window (one column) the transcript still scrolls on its own, not the page
    # alone, so a message while scrolled up still shows the button.
    await ana.page.set_viewport_size({"width": 780, "height": 900})
    assert await ana.transcript.evaluate("list => list.scrollHeight > list.clientHeight")
    await ana.transcript.focus()
    await ana.page.keyboard.press("Home")
    await ana.page.wait_for_function("() => document.getElementById('transcript').scrollTop === 0")
    await chat.say("It was the left shoe.")
    await expect(pill).to_be_visible()
    await pill.click()
    await expect(ana.said("It was the left shoe.")).to_be_in_viewport()


async def test_the_keyboard_alone_claims_replies_and_resolves(
    store: Store, browser: Browser
) -> None:
    ana = await Console.open(browser, store.server.url)
    keys = ana.page.keyboard
    await expect(ana.page.get_by_role("textbox", name="Agent token")).to_be_focused()
    await keys.type(AGENTS["Ana"])
    await keys.press("Enter")
    await expect(ana.page.get_by_text("Signed in as Ana")).to_be_visible()
    await sms_customer_waiting(store, ana)

    # ? lists the shortcuts; Escape closes the list.
    await keys.press("?")
    help_list = ana.page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(help_list).to_be_visible()
    await expect(help_list.get_by_role("row", name=re.compile("^c Claim"))).to_be_visible()
    await keys.press("Escape")
    await expect(help_list).to_be_hidden()

    # j opens the next conversation, c claims (Enter confirms the greeting shown).
    await keys.press("j")
    await expect(ana.page.get_by_role("heading", name=PHONE)).to_be_focused()
    await keys.press("c")
    await expect(ana.dialog.get_by_role("button", name="Claim and greet")).to_be_focused()
    await keys.press("Enter")
    assert await store.replies(1) == [GREETING]
    await expect(ana.reply_box).to_be_focused()

    # Letters typed in the reply are words, not shortcuts; Enter sends; Escape leaves the box.
    await keys.type("Checking your order now.")
    await expect(ana.dialog).to_be_hidden()
    await keys.press("Enter")
    assert await store.replies(1) == ["Checking your order now."]
    await keys.press("Escape")
    await expect(ana.transcript).to_be_focused()
    await keys.press("n")
    await expect(ana.note_box).to_be_focused()
    await keys.type("Asked the warehouse.")
    await keys.press("Enter")
    await expect(ana.transcript.locator(".entry.internal")).to_contain_text("Asked the warehouse.")
    await keys.press("Escape")
    await keys.press("r")
    await expect(ana.reply_box).to_be_focused()
    await keys.press("Escape")

    # e resolves, after the confirmation; the flow is chosen with the arrow keys.
    await keys.press("e")
    confirm = ana.dialog.get_by_role("button", name="Resolve", exact=True)
    await expect(confirm).to_be_focused()
    await keys.press("Shift+Tab")
    await keys.press("Shift+Tab")
    await expect(ana.dialog.get_by_label("Then start")).to_be_focused()
    while not await ana.dialog.get_by_text("Then the bot starts \u201cOrder status\u201d").count():
        await keys.press("ArrowDown")
    await keys.press("Tab")
    await keys.press("Tab")
    await expect(
        ana.dialog.get_by_role("button", name="Resolve into \u201cOrder status\u201d")
    ).to_be_focused()
    await keys.press("Enter")
    assert await store.replies(2) == [BACK, ASK_ORDER]
    await expect(ana.fact("Status")).to_have_text(re.compile(r"^Resolved by Ana, today \d"))
    await expect(ana.fact("Agent")).to_have_text("Ana (resolved it)")


RECORD_ALERTS = """
(() => {
  window.alerts = { asked: 0, shown: [], beeps: 0 };
  const Real = window.Notification;
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.alerts.shown.push([title, options && options.body]);
    }
    static get permission() { return Real.permission; }
    static requestPermission() { window.alerts.asked += 1; return Real.requestPermission(); }
  }
  window.Notification = Recorded;
  const oscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    window.alerts.beeps += 1;
    return oscillator.call(this);
  };
})();
"""


async def test_desktop_alerts_and_sound_are_asked_for_only_on_the_agents_click(
    tmp_path: Path, browser: Browser
) -> None:
    async with serving(tmp_path) as desk:
        context = await browser.new_context(locale="en-US", viewport=VIEWPORT)
        await context.grant_permissions(["notifications"], origin=desk.base)
        await context.add_init_script(RECORD_ALERTS)
        page = await context.new_page()
        await page.goto(f"{desk.base}/agent")
        ana = Console(page)
        await ana.sign_in(TOKENS["ana"], "ana")
        await desk.say("sms", "+12025550143", "where is my order")
        await desk.say("sms", "+12025550143", "A-12345")
        await expect(ana.waiting).to_have_count(1)
        # Off by default: nothing asked, shown or played.
        assert await page.evaluate("window.alerts") == {"asked": 0, "shown": [], "beeps": 0}

        desktop, sound = ana.button("Desktop alerts"), ana.button("Sound")
        await desktop.click()
        await expect(desktop).to_have_attribute("aria-pressed", "true")
        await sound.click()
        await expect(sound).to_have_attribute("aria-pressed", "true")
        beeps = await page.evaluate("window.alerts.beeps")  # the sound plays once when turned on
        assert beeps == 2

        await desk.say("sms", "+12025550177", "where is my order")
        await desk.say("sms", "+12025550177", "A-777")
        await expect(ana.waiting).to_have_count(2)
        await page.wait_for_function("() => window.alerts.shown.length === 1")
        alerts = await page.evaluate("window.alerts")
        assert alerts["shown"][0][0] == "A customer is waiting"
        assert alerts["beeps"] == beeps + 2
        # Bruno takes the newest one and transfers it to Ana: she is alerted as for a waiting
        # customer, and the tab counts it (one waiting, one hers not looked at yet).
        bruno_api = await desk.signed_in("bruno")
        newest = await desk.customer("sms", "+12025550177")
        assert (await bruno_api.act(newest, "claim", greet=False)).status == 200
        assert (await bruno_api.act(newest, "transfer", to="ana")).status == 200
        await page.wait_for_function("() => window.alerts.shown.length === 2")
        alerts = await page.evaluate("window.alerts")
        assert alerts["shown"][1][0] == "A conversation was transferred to you"
        assert alerts["beeps"] == beeps + 4
        await expect(ana.mine.first.locator(".unread")).to_be_visible()
        await expect(page).to_have_title("(2) Agent console")
        # Turned off, they stay off after a reload too.
        await desktop.click()
        await expect(desktop).to_have_attribute("aria-pressed", "false")
        await page.reload()
        await expect(ana.button("Desktop alerts")).to_have_attribute("aria-pressed", "false")
        await expect(ana.button("Sound")).to_have_attribute("aria-pressed", "true")
        await context.close()

        # Where the browser has not been asked yet, it is asked on the click, and only then.
        context = await browser.new_context(locale="en-US", viewport=VIEWPORT)
        await context.add_init_script(RECORD_ALERTS)
        bruno = Console(await context.new_page())
        await bruno.page.goto(f"{desk.base}/agent")
        await bruno.sign_in(TOKENS["bruno"], "bruno")
        assert await bruno.page.evaluate("window.alerts.asked") == 0
        await bruno.button("Desktop alerts").click()
        await bruno.page.wait_for_function("() => window.alerts.asked === 1")
        await context.close()
