"""The stock Bot Framework Web Chat, in Debian's Chromium, talking to the example bot over
Direct Line.

The page comes from a site of its own (another origin, as on a shop's site), holds a token that
site's backend generated with the secret, and loads the unmodified ``botframework-webchat``
bundle (``scripts/webchat-bundle`` fetches the pinned version). Requests anywhere but the two
local servers are blocked, so the test also proves Web Chat needs nothing from the internet.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Locator, Page, Request, Route, expect

from tests.browser import artifact, chromium
from tests.server_process import EXAMPLE, ROOT, Server, clean_env, running

SECRET = "directline-secret-for-the-browser-test"
GREETING = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a return,"
    " or change a delivery address. What can I do for you?"
)
TOPICS = ("Order status", "Exchanges and returns", "Change delivery address", "Talk to a person")
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
PREPARING = "Order A-10001: linen shirt (M)."
WAIT = 20_000

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Store</title>
<style>html, body, #webchat {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="webchat" role="main"></div>
<script src="/webchat.js"></script>
<script>
  window.WebChat.renderWebChat(
    {{
      directLine: window.WebChat.createDirectLine({{
        token: {token},
        domain: {domain},
        webSocket: true,
      }}),
      locale: "en-US",
    }},
    document.getElementById("webchat")
  );
</script>
</body>
</html>
"""


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The pinned ``webchat.js``, fetched on first use (the script checks it either way)."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "webchat-bundle")],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/webchat-bundle failed:\n{result.stderr}", pytrace=False)
    return Path(result.stdout.strip())


@pytest.fixture(scope="module")
def bot() -> Iterator[Server]:
    with running(EXAMPLE, env=clean_env(OMNIBOT_DIRECTLINE_SECRET=SECRET)) as server:
        yield server


async def generated_token(bot: Server) -> str:
    """What the shop's backend does: trade the secret for a token bound to a new conversation."""
    headers = {"Authorization": f"Bearer {SECRET}"}
    url = f"{bot.url}/v3/directline/tokens/generate"
    async with aiohttp.ClientSession() as session, session.post(url, headers=headers) as response:
        assert response.status == 200
        token: str = (await response.json())["token"]
        return token


@pytest.fixture
async def shop(bot: Server, bundle: Path) -> AsyncIterator[TestServer]:
    """The shop's site: a page with Web Chat on it."""
    page = PAGE.format(
        token=json.dumps(await generated_token(bot)),
        domain=json.dumps(f"{bot.url}/v3/directline"),
    )

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def script(request: web.Request) -> web.FileResponse:
        return web.FileResponse(bundle)

    app = web.Application()
    app.add_routes([web.get("/", index), web.get("/webchat.js", script)])
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


def bubble(page: Page, text: str, *, mine: bool = False) -> Locator:
    """A message bubble of the bot (or of the customer) holding ``text``."""
    side = (
        ".webchat__bubble--from-user"
        if mine
        else ".webchat__bubble:not(.webchat__bubble--from-user)"
    )
    return page.locator(f"{side} .webchat__text-content", has_text=text)


async def keep_local(page: Page, allowed: tuple[str, ...], blocked: list[str]) -> None:
    async def guard(route: Route, request: Request) -> None:
        if request.url.startswith(allowed):
            await route.continue_()
        else:
            blocked.append(request.url)
            await route.abort()

    await page.route("**/*", guard)


async def test_web_chat_holds_a_conversation_with_the_store_bot(
    bot: Server, shop: TestServer
) -> None:
    blocked: list[str] = []
    errors: list[str] = []
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 480, "height": 820})
        page.on("pageerror", lambda error: errors.append(str(error)))
        await keep_local(page, (str(shop.make_url("/")), f"{bot.url}/"), blocked)
        await page.goto(str(shop.make_url("/")))
        sendbox = page.get_by_placeholder("Type your message")
        await expect(sendbox).to_be_enabled(timeout=WAIT)

        await sendbox.fill("hi")
        await sendbox.press("Enter")
        await expect(bubble(page, "hi", mine=True)).to_be_visible(timeout=WAIT)
        await expect(bubble(page, GREETING)).to_be_visible(timeout=WAIT)
        suggested = page.get_by_role("toolbar", name="Suggested actions")
        for topic in TOPICS:
            await expect(suggested.get_by_role("button", name=topic, exact=True)).to_be_visible()

        await suggested.get_by_role("button", name="Order status", exact=True).click()
        await expect(bubble(page, ASK_ORDER)).to_be_visible(timeout=WAIT)
        await expect(suggested.get_by_role("button")).to_have_count(0)
        await expect(bubble(page, "Order status", mine=True)).to_be_visible()

        await sendbox.fill("A-10001")
        await sendbox.press("Enter")
        await expect(bubble(page, "A-10001", mine=True)).to_be_visible(timeout=WAIT)
        await expect(bubble(page, PREPARING)).to_be_visible(timeout=WAIT)
        await expect(page.get_by_text("Send failed", exact=False)).to_have_count(0)
        await page.screenshot(path=artifact("botframework-webchat.png"), full_page=True)
    assert errors == []
    assert blocked == []
