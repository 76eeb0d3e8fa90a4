"""The console with the keyboard alone, and an accessibility audit, in a real browser through
``omnibot run --workers 2`` on Redis.

The keyboard test runs the whole scenario of an agent's day without a mouse: Ana signs in,
finds a customer who began on the web chat and asked for a person by SMS by their phone, claims
(in the dialog), puts a canned response in with ``/``, picks SMS under *Send on*, sends, adds a
note, resolves (in the dialog), finds the conversation under Resolved and reopens it; what the
customer gets is read at the fake Twilio. Only ``page.keyboard`` touches the console (Tab,
Shift+Tab, Enter, Space, arrows, Escape and the console's shortcuts): no clicks, no ``fill``.

The audit runs axe-core (the pinned npm package, fetched by ``scripts/axe-core``) in the console
with a conversation open (the profile, the reply tools and a dialog showing) and in the
managers' insights, and fails on any ``serious`` or ``critical`` violation.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.console.insights_kit import DAY
from tests.console.test_console_browser import AGENTS, PHONE, Console, Store
from tests.console.test_console_browser import store as store_fixture
from tests.console.test_insights_browser import server as insights_server
from tests.console.test_insights_browser import signed_in
from tests.console.test_threads_browser import cross_channel_customer
from tests.server_process import ROOT, Server

store = store_fixture  # the example store under omnibot run --workers 2, and the fake Twilio
server = insights_server  # the scripted conversations, for the insights page

GREETING = "Ana from our team is here to help."
CANNED = (
    'Hi {{ profile.name or "there" }}, {{ agent.name }} here: I have your order in front of me.'
)
FILLED = "Hi there, Ana here: I have your order in front of me."
NOTE = "Customer asked twice; checked the courier."
BACK = "Thanks for waiting! You're back with the assistant. How else can I help?"
AGAIN = "It's Ana again: the courier confirmed it for tomorrow."


@pytest.fixture(scope="session")
def axe() -> str:
    """axe-core's ``axe.min.js``, fetched on first use (the script checks it either way)."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "axe-core")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/axe-core failed:\n{result.stderr}", pytrace=False)
    return Path(result.stdout.strip()).read_text(encoding="utf-8")


async def focused(target: Locator) -> bool:
    return bool(await target.evaluate("element => element === document.activeElement"))


async def tab_to(page: Page, target: Locator, back: bool = False) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``target`` has the focus, which must show."""
    for _ in range(80):
        if await focused(target):
            style = "element => getComputedStyle(element).outlineStyle"
            assert await target.evaluate(style) != "none", f"{target}: the focus does not show"
            return
        await page.keyboard.press("Shift+Tab" if back else "Tab")
    pytest.fail(f"the keyboard never reaches {target}")


async def choose(page: Page, select: Locator, label: str) -> None:
    """With the focus on ``select``, the arrow keys until an option starting ``label`` is
    chosen."""
    for key in ["ArrowDown"] * 8 + ["ArrowUp"] * 16:
        chosen = await select.evaluate("s => s.selectedOptions[0]?.textContent ?? ''")
        if str(chosen).startswith(label):
            return
        await page.keyboard.press(key)
    pytest.fail(f"{select}: the arrow keys never choose {label!r}")


async def canned_response(store: Store) -> None:
    """Setup through the API, as Bruno: a team's canned response in English."""
    base = f"{store.server.url}/agent/api"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(f"{base}/session", json={"token": AGENTS["Bruno"]}) as response:
            assert response.status == 200
            csrf = (await response.json())["csrf"]
        body = {"title": "Order on its way", "language": "en", "text": CANNED}
        headers = {"X-CSRF-Token": csrf}
        async with http.post(f"{base}/canned", json=body, headers=headers) as response:
            assert response.status in (200, 201), await response.text()


async def find(ana: Console, text: str, status: str) -> Locator:
    """Search with the keyboard: the box, the status filter (arrows), then Enter on Search."""
    page, keys = ana.page, ana.page.keyboard
    await tab_to(page, page.get_by_role("searchbox"), back=True)
    await keys.press("Control+A")
    await keys.type(text)
    await keys.press("Tab")
    status_filter = page.get_by_role("combobox", name="Status")
    await expect(status_filter).to_be_focused()
    await choose(page, status_filter, status)
    await tab_to(page, ana.button("Search"))
    await keys.press("Enter")
    return page.locator("#found .pick")


async def test_the_whole_scenario_with_the_keyboard_alone(store: Store, browser: Browser) -> None:
    ana = await Console.open(browser, store.server.url)
    page, keys = ana.page, ana.page.keyboard
    await expect(page).to_have_title("Agent console")  # as its heading says
    await expect(page.get_by_role("heading", name="Agent console", level=1)).to_be_visible()
    await expect(page.get_by_role("textbox", name="Agent token")).to_be_focused()
    await keys.type(AGENTS["Ana"])
    await keys.press("Enter")
    await expect(page.get_by_text("Signed in as Ana")).to_be_visible()
    await expect(ana.online.filter(has_text="Ana")).to_be_visible()
    await canned_response(store)
    await cross_channel_customer(store, browser)
    await expect(ana.waiting).to_have_count(1)

    # Found by the phone as she would say it; Enter on the card opens it.
    found = await find(ana, "(11) 98765-4321", "Any status")
    await expect(found).to_have_count(1)
    await tab_to(page, found.first)
    await keys.press("Enter")
    await expect(page.get_by_role("heading", name=PHONE)).to_be_focused()

    # c claims, after the dialog; the greeting reaches the phone.
    await keys.press("c")
    await expect(ana.dialog.get_by_role("button", name="Claim and greet")).to_be_focused()
    await keys.press("Enter")
    await expect(ana.reply_box).to_be_focused()
    assert await store.replies(1) == [GREETING]

    # / opens the canned responses; Escape closes the list and stays in the box; Enter puts
    # the filled one in the box.
    await keys.type("/orders")
    option = page.get_by_role("listbox", name="Canned responses").get_by_role("option")
    await expect(option).to_have_count(0)
    await keys.press("Escape")
    await expect(page.locator("#canned-picker")).to_be_hidden()
    await expect(ana.reply_box).to_be_focused()
    await keys.press("Backspace")
    await expect(option).to_have_count(1)
    await expect(option).to_have_attribute("aria-selected", "true")
    await keys.press("Enter")
    await expect(ana.reply_box).to_have_value(FILLED)

    # Send on: the web chat, then SMS again, with the arrow keys; back in the box, Enter sends.
    send_on = page.get_by_role("combobox", name="Send on")
    await tab_to(page, send_on, back=True)
    await choose(page, send_on, "Web chat")
    await choose(page, send_on, "SMS")
    await expect(page.locator("#reply-address")).to_contain_text(PHONE)
    await tab_to(page, ana.reply_box)
    await keys.press("Enter")
    assert await store.replies(1) == [FILLED]

    # Escape leaves the box; n goes to the note; Enter adds it (the customer gets nothing).
    await keys.press("Escape")
    await keys.press("n")
    await expect(ana.note_box).to_be_focused()
    await keys.type(NOTE)
    await keys.press("Enter")
    await expect(ana.transcript.locator(".entry.internal")).to_contain_text(NOTE)
    await keys.press("Escape")

    # e resolves, after the dialog.
    await keys.press("e")
    await expect(ana.dialog.get_by_role("button", name="Resolve", exact=True)).to_be_focused()
    await keys.press("Enter")
    assert await store.replies(1) == [BACK]
    await expect(ana.fact("Status")).to_have_text(re.compile(r"^Resolved by Ana, today \d"))

    # Under Resolved, found again; Reopen, and the reply box is hers.
    found = await find(ana, "11987654321", "Resolved")
    await expect(found).to_have_count(1)
    await expect(found.locator(".status")).to_have_text("Resolved")
    await tab_to(page, found.first)
    await keys.press("Enter")
    await expect(page.get_by_role("heading", name=PHONE)).to_be_focused()
    await tab_to(page, ana.button("Reopen"))
    await keys.press("Space")
    await expect(ana.fact("Status")).to_have_text("With you")
    await expect(ana.reply_box).to_be_focused()
    await keys.type(AGAIN)
    await keys.press("Enter")
    assert await store.replies(1) == [AGAIN]
    texts = [sent.body for sent in store.twilio.to(PHONE)]
    assert texts[-4:] == [GREETING, FILLED, BACK, AGAIN]
    assert NOTE not in texts


async def serious_violations(page: Page, axe: str) -> list[dict[str, Any]]:
    """axe-core's violations of impact ``serious`` or ``critical`` on the page as it is now
    (WCAG 2.x A and AA, and axe's best practices), each with the elements it is about."""
    await page.evaluate(axe)
    options = {"resultTypes": ["violations"]}
    result: dict[str, Any] = await page.evaluate("options => axe.run(document, options)", options)
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


async def test_axe_finds_nothing_serious_in_the_console(
    store: Store, browser: Browser, axe: str
) -> None:
    ana = await Console.open(browser, store.server.url)
    page = ana.page
    await audited(page, axe, "the sign-in form")
    await ana.sign_in(AGENTS["Ana"], "Ana")
    await canned_response(store)
    await cross_channel_customer(store, browser)
    await page.get_by_role("searchbox").fill(PHONE)
    await ana.button("Search").click()
    await expect(page.locator("#found .pick")).to_have_count(1)
    await audited(page, axe, "the search's results and the queue")

    await page.locator("#found .pick").click()
    await expect(page.get_by_role("heading", name=PHONE)).to_be_visible()
    await ana.claim()
    await store.replies(1)
    await expect(page.get_by_role("combobox", name="Send on")).to_be_visible()
    await page.get_by_text("Manage canned responses").click()
    await ana.reply_box.press_sequentially("/order")
    await expect(page.get_by_role("listbox", name="Canned responses")).to_be_visible()
    await audited(page, axe, "a conversation, its profile, the reply tools, the canned list")

    for action in ["Resolve", "Transfer", "Shortcuts"]:
        await ana.button(action).click()
        await expect(ana.dialog).to_be_visible()
        await audited(page, axe, f"the {action} dialog")
        await page.keyboard.press("Escape")
        await expect(ana.dialog).to_be_hidden()


async def audited(page: Page, axe: str, what: str) -> None:
    violations = await serious_violations(page, axe)
    assert violations == [], f"{what}: {json.dumps(violations, indent=1)}"


async def test_axe_finds_nothing_serious_in_the_insights(
    server: Server, browser: Browser, axe: str
) -> None:
    page = await signed_in(browser, server.url, "ana")
    await page.goto(f"{server.url}/agent/insights")
    await expect(page.get_by_role("status")).to_have_text(re.compile("^Showing "))  # its defaults
    await page.get_by_label("From", exact=True).fill(DAY)
    await page.get_by_label("To", exact=True).fill(DAY)
    await page.get_by_role("button", name="Show", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text(f"Showing {DAY} to {DAY}.")
    await audited(page, axe, "the insights")


async def test_the_audit_sees_what_it_is_there_for(browser: Browser, axe: str) -> None:
    """The audit itself: an unlabelled box and grey on white fail it."""
    page = await browser.new_page()
    await page.set_content(
        '<html lang="en"><title>t</title><main><input type="text">'
        '<p style="color:#ccc;background:#fff">faint</p></main></html>'
    )
    found = {violation["id"] for violation in await serious_violations(page, axe)}
    assert found == {"label", "color-contrast"}
