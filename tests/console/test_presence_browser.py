"""Away in a real browser (Debian's Chromium) on the in-process server of
``tests/console/kit.py``: a console left idle for five minutes (the page's clock run forward by
Playwright, not waited for) says its agent is away, and another agent's transfer dialog offers
them marked "away (may not answer soon)" (the list of who is there says "(away)"); the first key
pressed there brings them back online.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.console.kit import TOKENS, serving
from tests.console.test_console_browser import VIEWPORT, Console

AWAY = "bruno \u2014 away (may not answer soon)"


async def test_an_idle_agent_is_offered_for_transfer_as_away(
    tmp_path: Path, browser: Browser
) -> None:
    async with serving(tmp_path) as desk:
        ana = await Console.open(browser, desk.base)
        await ana.sign_in(TOKENS["ana"], "ana")
        await desk.say("sms", "+12025550143", "where is my order")
        await desk.say("sms", "+12025550143", "A-12345")
        await expect(ana.waiting).to_have_count(1)
        await ana.waiting.first.click()
        await ana.claim()

        context = await browser.new_context(locale="en-US", viewport=VIEWPORT)
        page = await context.new_page()
        await page.clock.install()
        await page.goto(f"{desk.base}/agent")
        bruno = Console(page)
        await bruno.sign_in(TOKENS["bruno"], "bruno")
        await expect(ana.online.filter(has_text="bruno")).to_be_visible()
        await page.clock.run_for("05:30")  # nothing touched in Bruno's page for five minutes

        await expect(ana.online.filter(has_text="bruno (away)")).to_be_visible()
        await ana.button("Transfer").click()
        choice = ana.dialog.get_by_role("radio", name=AWAY)
        await expect(choice).to_be_enabled()
        await expect(choice).to_be_checked()  # the only other agent there
        await ana.dialog.get_by_role("button", name="Cancel").click()

        await page.keyboard.press("Shift")  # Bruno is back
        await expect(ana.online.filter(has_text="bruno (away)")).to_have_count(0)
        await ana.button("Transfer").click()
        await expect(ana.dialog.get_by_role("radio", name="bruno \u2014 online")).to_be_checked()
        await ana.dialog.get_by_role("button", name="Transfer", exact=True).click()
        await expect(bruno.mine).to_have_count(1)
        await context.close()
