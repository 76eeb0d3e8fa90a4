"""The managers' insights in a real browser (Debian's Chromium), served by ``omnibot run
--workers 2`` on Redis: the scripted conversations of :mod:`tests.console.insights_kit` are
driven through the real pipeline first (with the test's clock, on the same Redis and bot
folder), then Ana, a manager, reads their numbers on the page, each with its definition next to
it, and downloads the CSV, which holds the page's numbers; Bruno, who is not a manager, sees no
link and is refused the page. Saves ``test-artifacts/agent-insights.png``, and with
``OMNIBOT_DOCS_SCREENSHOTS=1`` also ``docs/images/agent-insights.png``."""

from __future__ import annotations

import asyncio
import csv
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.browser import artifact
from tests.console.insights_kit import (
    DAY,
    EXPECTED_DAY,
    MANAGERS,
    TITLED_FLOWS,
    script,
)
from tests.console.kit import TOKENS, serving
from tests.outreach.kit import Clock
from tests.server_process import ROOT, Server, clean_env, wipe
from tests.server_process import serving as serving_bot

VIEWPORT: ViewportSize = {"width": 1280, "height": 1000}
DOCS_IMAGE = ROOT / "docs" / "images" / "agent-insights.png"


@pytest.fixture
async def server(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Server]:
    folder = tmp_path / "bot"
    environment = {"OMNIBOT_REDIS_URL": redis_url}
    bot_yaml = f"memory: {{namespace: {namespace}}}\n{MANAGERS}"
    try:
        clock = Clock()
        async with serving(
            folder, bot_yaml=bot_yaml, environment=environment, clock=clock, flows=TITLED_FLOWS
        ) as desk:
            await script(desk, clock, await desk.signed_in("ana"))
        env = clean_env(
            OMNIBOT_REDIS_URL=redis_url,
            OMNIBOT_AGENT_TOKENS=",".join(f"{name}:{token}" for name, token in TOKENS.items()),
        )
        async with serving_bot(folder, "--workers", "2", env=env) as running:
            yield running
    finally:
        await wipe(redis_url, namespace)


async def signed_in(browser: Browser, base: str, name: str) -> Page:
    context = await browser.new_context(locale="en-US", viewport=VIEWPORT, accept_downloads=True)
    page = await context.new_page()
    await page.goto(f"{base}/agent")
    await page.get_by_role("textbox", name="Agent token").fill(TOKENS[name])
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()
    return page


def shown(value: object) -> str:
    return "" if value is None else str(value)


async def table_of(page: Page) -> list[dict[str, str]]:
    """The page's table, by the raw value each cell carries (the channel's and language's codes
    by the row's)."""
    rows: list[dict[str, str]] = []
    for row in await page.locator("#table-body tr").all():
        cells = await row.locator("td").all()
        codes = {
            "channel": str(await row.get_attribute("data-channel")),
            "language": str(await row.get_attribute("data-language")),
        }
        rows.append(
            codes
            | {
                str(await c.get_attribute("data-column")): str(await c.get_attribute("data-value"))
                for c in cells
            }
        )
    return rows


async def test_a_manager_reads_the_scripted_conversations_numbers_and_exports_them(
    server: Server, browser: Browser
) -> None:
    ana = await signed_in(browser, server.url, "ana")
    await ana.get_by_role("link", name="Insights").click()
    await expect(ana.get_by_role("heading", name="Insights")).to_be_visible()
    await ana.get_by_label("From", exact=True).fill(DAY)
    await ana.get_by_label("To", exact=True).fill(DAY)
    await ana.get_by_role("button", name="Show", exact=True).click()
    await expect(ana.get_by_role("status")).to_have_text(f"Showing {DAY} to {DAY}.")

    rows = await table_of(ana)
    for (channel, language), expected in EXPECTED_DAY.items():
        [row] = [r for r in rows if (r["channel"], r["language"]) == (channel, language)]
        names = {"channel_name": row["channel_name"], "language_name": row["language_name"]}
        assert row == {"channel": channel, "language": language} | names | {
            name: shown(value) for name, value in expected.items()
        }
    # What a person reads: channels and languages by name, never their codes.
    await expect(ana.locator("#table-body tr td:first-child")).to_have_text(
        ["SMS", "Web chat", "All channels"]
    )
    await expect(ana.locator("#table-body tr td:nth-child(2)")).to_have_text(
        ["English", "English", "all languages"]
    )
    sms = ana.locator('#table-body tr[data-channel="sms"]')
    await expect(sms.locator('td[data-column="first_response_median_s"]')).to_have_text("≤ 15 min")
    await expect(sms.locator('td[data-column="resolution_p90_s"]')).to_have_text("≤ 30 min")

    contained = ana.locator('#totals [data-metric="contained"]')
    await expect(contained.locator(".number")).to_have_text("1")
    await expect(contained.locator(".definition")).to_contain_text(
        "24 hours without a message from the customer"
    )
    for metric, number in [("conversations", "3"), ("handed_off", "1"), ("abandoned", "1")]:
        await expect(ana.locator(f'#totals [data-metric="{metric}"] .number')).to_have_text(number)
    dropped = ana.locator("#abandoned-body tr")
    await expect(dropped).to_have_count(1)
    await expect(dropped.locator("td")).to_have_text(["Order status", "Order number", "1"])
    await expect(ana.locator("#handoffs-body td")).to_have_text(
        ["Order status", "Order number", "a question about an order", "1"]
    )
    await ana.screenshot(path=artifact("agent-insights.png"), full_page=True)
    if os.environ.get("OMNIBOT_DOCS_SCREENSHOTS") == "1":
        await ana.screenshot(path=DOCS_IMAGE, full_page=True)

    async with ana.expect_download() as downloading:
        await ana.locator("#csv").click()
    download = await downloading.value
    assert download.suggested_filename == f"insights-table-{DAY}-{DAY}.csv"
    saved = Path(await download.path())
    text = await asyncio.to_thread(saved.read_text, "utf-8")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert exported == await table_of(ana)


async def test_an_agent_who_is_not_a_manager_sees_no_insights(
    server: Server, browser: Browser
) -> None:
    bruno = await signed_in(browser, server.url, "bruno")
    await expect(bruno.get_by_role("link", name="Insights")).to_be_hidden()
    response = await bruno.goto(f"{server.url}/agent/insights")
    assert response is not None
    assert response.status == 403
    assert "the insights are for managers" in await bruno.content()
