"""The web chat widget in a real browser (Debian's Chromium), against ``omnibot run``.

Elements are found by their accessible role and name (the textbox "Message", the button "Send",
the ``log``), so every test also holds the widget to its accessibility contract. The bubbles of
the conversation have no role of their own; they are read as the log's ``.msg`` children.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from playwright.async_api import Browser, WebSocket, expect

from tests.browser import artifact
from tests.host_site import host_site
from tests.redis_server import free_port
from tests.server_process import EXAMPLE, Server, clean_env, running
from tests.webchat.kit import (
    ASK_ORDER,
    GREETING,
    RECONNECTING,
    SHIPPED,
    TOPICS,
    Chat,
    bot,
    me,
    open_page,
)

PREPARING = (
    "Order A-10001: linen shirt (M). It was placed on Nov 19, 2026 and is being prepared. It"
    " should ship by Nov 23, 2026. If you need to change the delivery address, just tell me."
)
NOT_FOUND = (
    "I couldn't find an order numbered Z-99999. Please check the number in your confirmation"
    " email. What would you like to do?"
)


@pytest.fixture(scope="module")
def store() -> Iterator[Server]:
    """The example store bot, with no ``OMNIBOT_WEBCHAT_ORIGINS``."""
    with running(EXAMPLE) as server:
        yield server


async def test_a_conversation_by_typing_and_pressing_buttons(
    store: Server, browser: Browser
) -> None:
    page = await open_page(browser, f"{store.url}/chat")
    chat = Chat(page)
    await expect(page.get_by_role("dialog", name="Store")).to_be_visible()
    await expect(chat.input).to_be_focused()
    await chat.connected()

    await chat.input.fill("hi")
    await chat.send_button.click()
    await chat.shows(me("hi"), bot(GREETING, *TOPICS))
    for title in TOPICS:
        await expect(chat.log.get_by_role("button", name=title, exact=True)).to_be_visible()

    await chat.press("Order status")
    await chat.shows(me("Order status"), bot(ASK_ORDER))
    await chat.say("A-10002")
    await chat.shows(me("A-10002"), bot(SHIPPED, "Track the package"))
    tracking = chat.log.get_by_role("link", name="Track the package", exact=True)
    await expect(tracking).to_have_attribute(
        "href", "https://tracking.example.com/correios/QB123456789BR"
    )

    # The greeting's buttons, further up the log, still start their topic.
    await chat.press("Change delivery address")
    await chat.shows(me("Change delivery address"), bot(ASK_ORDER))
    await chat.say("A-10001")
    await chat.shows(
        me("A-10001"),
        bot(
            "Order A-10001: linen shirt (M). It is going to Rua Augusta 1200, apto 31,"
            " São Paulo - SP, CEP 01304-001."
        ),
        bot(
            "What's the new delivery address? Please write the street, number, any apartment,"
            " and the city."
        ),
    )
    await chat.say("Av. Paulista 2000, apto 12, São Paulo - SP")
    await chat.shows(
        me("Av. Paulista 2000, apto 12, São Paulo - SP"), bot("And the postcode (CEP)?")
    )
    await chat.say("01310-100")
    await chat.shows(
        me("01310-100"),
        bot(
            "So the new address is Av. Paulista 2000, apto 12, São Paulo - SP, CEP 01310-100."
            " Shall I change it?"
        ),
    )

    # Quick replies are chips under the log, not part of a message, and go once one is used.
    yes = page.get_by_role("button", name="Yes", exact=True)
    no = page.get_by_role("button", name="No", exact=True)
    await expect(yes).to_be_visible()
    await expect(no).to_be_visible()
    await expect(chat.log.get_by_role("button", name="Yes", exact=True)).to_have_count(0)
    await page.screenshot(path=artifact("webchat-conversation.png"))
    await yes.click()
    await chat.shows(me("Yes"), bot("Which email address should I send the confirmation to?"))
    await expect(no).to_have_count(0)
    await expect(chat.input).to_be_focused()


async def test_a_reload_shows_the_history_once_and_the_conversation_goes_on(
    store: Server, browser: Browser
) -> None:
    page = await open_page(browser, f"{store.url}/chat")
    chat = Chat(page)
    await chat.connected()
    await chat.say("where is my order")
    await chat.shows(me("where is my order"), bot(ASK_ORDER))
    await chat.say("Z-99999")
    await chat.shows(me("Z-99999"), bot(NOT_FOUND, "Try another number", "Talk to a person"))
    session = await page.evaluate("() => ({...localStorage})")

    await page.reload()
    await chat.shows()
    assert await page.evaluate("() => ({...localStorage})") == session

    await chat.press("Try another number")
    await chat.shows(me("Try another number"), bot("OK, what's the order number?"))
    await chat.say("A-10001")
    await chat.shows(me("A-10001"), bot(PREPARING))


async def test_on_a_phone_the_chat_fills_the_screen(store: Server, browser: Browser) -> None:
    width, height = 375, 667
    page = await open_page(
        browser,
        f"{store.url}/chat",
        viewport={"width": width, "height": height},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    chat = Chat(page)
    dialog = page.get_by_role("dialog", name="Store")
    await expect(dialog).to_be_visible()
    assert await dialog.bounding_box() == {"x": 0, "y": 0, "width": width, "height": height}
    await expect(chat.input).to_be_in_viewport()
    await expect(chat.send_button).to_be_in_viewport()

    await chat.connected()
    await chat.input.tap()
    await chat.input.fill("hi")
    await chat.send_button.tap()
    await chat.shows(me("hi"), bot(GREETING, *TOPICS))
    for title in TOPICS:
        button = chat.log.get_by_role("button", name=title, exact=True)
        await expect(button).to_be_in_viewport()
        box = await button.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
    await chat.log.get_by_role("button", name="Order status", exact=True).tap()
    await chat.shows(me("Order status"), bot(ASK_ORDER))
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= width
    await page.screenshot(path=artifact("webchat-phone.png"))

    await dialog.get_by_role("button", name="Close chat", exact=True).tap()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("button", name="Open chat", exact=True)).to_be_in_viewport()


@contextlib.asynccontextmanager
async def held_handshakes(port: int) -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A loopback proxy to the bot on ``port`` that holds every websocket handshake back until
    the event is set: a slow network, without a timer. Yields the proxy's URL and the event."""
    release = asyncio.Event()
    closing = asyncio.Event()
    streams: set[asyncio.StreamWriter] = set()
    handlers: set[asyncio.Task[Any]] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Never cancelled: asyncio 3.11 logs a cancelled connection handler as an error, so
        # on closing every stream is closed instead and the handlers run to their end.
        handler = asyncio.current_task()
        assert handler is not None
        handlers.add(handler)
        streams.add(writer)
        request = await reader.read(65536)
        if b"upgrade: websocket" in request.lower():
            await release.wait()
        if closing.is_set() or not request:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
        streams.add(upstream_writer)
        upstream_writer.write(request)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    proxy = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{proxy.sockets[0].getsockname()[1]}", release
    finally:
        closing.set()
        release.set()
        proxy.close()
        for stream in streams:
            stream.close()
        await asyncio.gather(*handlers)
        await proxy.wait_closed()


async def test_a_message_typed_while_the_chat_connects_is_sent_once_it_connects(
    store: Server, browser: Browser
) -> None:
    # A customer who types as soon as the chat opens, on a network slow enough that the socket
    # is not up yet, must not lose what they typed.
    async with held_handshakes(store.port) as (url, release):
        page = await open_page(browser, f"{url}/chat")
        chat = Chat(page)
        await expect(chat.input).to_be_focused()
        await chat.say("hi")
        release.set()
        await chat.connected()
        await chat.shows(me("hi"), bot(GREETING, *TOPICS))


@pytest.fixture(scope="module")
def shop_port() -> int:
    """The port of a shop's own site, another origin than the bot's."""
    return free_port()


@pytest.fixture(scope="module")
def allowing(shop_port: int) -> Iterator[Server]:
    """The store bot with the shop's origin in ``OMNIBOT_WEBCHAT_ORIGINS``."""
    env = clean_env(OMNIBOT_WEBCHAT_ORIGINS=f"http://127.0.0.1:{shop_port}")
    with running(EXAMPLE, env=env) as server:
        yield server


@contextlib.asynccontextmanager
async def shop_site(port: int) -> AsyncIterator[str]:
    """A shop's own site: ``/?bot=URL`` is a page with that bot's chat on it, open, or closed
    with ``&closed``."""

    def page(request: web.Request) -> str:
        widget = html.escape(f"{request.query['bot']}/chat/widget.js")
        opened = "false" if "closed" in request.query else "true"
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
            '</head><body><main><h1>Shop</h1><a href="#products">Our products</a></main>'
            f'<script src="{widget}" data-title="Shop" data-open="{opened}"></script>'
            "</body></html>"
        )

    async with host_site(port, "/", page) as url:
        yield url


async def test_the_chat_works_with_the_keyboard_alone(
    allowing: Server, browser: Browser, shop_port: int
) -> None:
    async with shop_site(shop_port) as shop:
        page = await open_page(browser, f"{shop}/?bot={allowing.url}&closed")
        chat = Chat(page)
        launcher_closed = page.get_by_role("button", name="Open chat", exact=True, expanded=False)
        dialog = page.get_by_role("dialog", name="Shop", exact=True)
        await expect(dialog).to_be_hidden()

        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Our products")).to_be_focused()
        await page.keyboard.press("Tab")
        await expect(launcher_closed).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_visible()
        launcher_open = page.get_by_role("button", name="Hide chat", exact=True, expanded=True)
        await expect(launcher_open).to_be_visible()
        await expect(chat.input).to_be_focused()
        await expect(chat.log).to_have_attribute("aria-live", "polite")

        await chat.connected()
        await page.keyboard.type("hello")
        await page.keyboard.press("Enter")
        await chat.shows(me("hello"), bot(GREETING, *TOPICS))
        # Back from the input, through the greeting's buttons, last one first.
        for title in reversed(TOPICS):
            await page.keyboard.press("Shift+Tab")
            await expect(chat.log.get_by_role("button", name=title, exact=True)).to_be_focused()
        await page.keyboard.press("Enter")
        await chat.shows(me("Order status"), bot(ASK_ORDER))
        await expect(chat.input).to_be_focused()
        await page.keyboard.type("A-10001")
        await page.keyboard.press("Enter")
        await chat.shows(me("A-10001"), bot(PREPARING))

        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        await expect(launcher_closed).to_be_focused()


async def test_a_page_on_another_origin_cannot_open_the_chat(
    store: Server, browser: Browser, shop_port: int
) -> None:
    async with shop_site(shop_port) as shop:
        context = await browser.new_context(locale="en-US")
        page = await context.new_page()
        refusals: asyncio.Queue[str] = asyncio.Queue()

        def watch(socket: WebSocket) -> None:
            socket.on("socketerror", lambda error: refusals.put_nowait(error))

        page.on("websocket", watch)
        await page.goto(f"{shop}/?bot={store.url}")
        chat = Chat(page)
        await expect(page.get_by_role("status")).to_have_text(RECONNECTING)
        await chat.say("hi")
        await chat.shows(me("hi"))
        await expect(chat.log.locator(".msg.customer.pending")).to_have_count(1)
        # The widget tries again and again; the first try and the next are both refused at the
        # handshake, so nothing the customer sends can reach the bot.
        for _ in range(2):
            refusal = await asyncio.wait_for(refusals.get(), timeout=5)
            assert refusal.endswith("Unexpected response code: 403"), refusal
        await chat.shows()
        await expect(page.get_by_role("status")).to_have_text(RECONNECTING)


async def test_an_origin_in_omnibot_webchat_origins_may_open_the_chat(
    allowing: Server, browser: Browser, shop_port: int
) -> None:
    async with shop_site(shop_port) as shop:
        page = await open_page(browser, f"{shop}/?bot={allowing.url}")
        chat = Chat(page)
        await expect(chat.input).to_be_focused()
        await chat.connected()
        await chat.say("hi")
        await chat.shows(me("hi"), bot(GREETING, *TOPICS))
        await expect(page.get_by_role("status")).to_be_hidden()


MARKUP = "<img src=x onerror=window.pwned=1>"
SALE = (
    "**Sale**, {{ slots.nickname }}! <script>window.pwned=1</script>"
    " [terms](javascript:window.pwned=1) [shop](https://shop.example/?q=<b>)"
)
MARKUP_FLOWS = {
    "slots": {
        "nickname": {"type": "text", "prompt": "What should I call you? <b>Any name</b> will do."}
    },
    "flows": {
        "welcome": {
            "triggers": {"start": True, "en": ["hi"]},
            "steps": [
                {"say": f"{MARKUP} is how an image is written; <b>this</b> is not bold."},
                {"ask": "nickname"},
                {
                    "say": {
                        "media": {
                            "kind": "image",
                            "url": "https://images.example/shirt.png",
                            "caption": "Our <i>linen</i> shirt",
                        }
                    }
                },
                {
                    "say": {
                        "text": SALE,
                        "markdown": True,
                        "buttons": [{"title": f"<i>Tap</i> {MARKUP}", "payload": "tap"}],
                        "quick_replies": [{"title": "<u>Chip</u>", "payload": "chip"}],
                    }
                },
            ],
        }
    },
}
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


@pytest.fixture
def markup_bot(tmp_path: Path) -> Iterator[Server]:
    """A bot that says, and is named, things that look like HTML."""
    (tmp_path / "flows").mkdir()
    bot_yaml = {"name": f"Shop {MARKUP}", "languages": ["en"]}
    (tmp_path / "bot.yaml").write_text(yaml.safe_dump(bot_yaml))
    (tmp_path / "flows" / "main.yaml").write_text(yaml.safe_dump(MARKUP_FLOWS))
    with running(tmp_path) as server:
        yield server


async def test_what_looks_like_html_is_shown_as_text(markup_bot: Server, browser: Browser) -> None:
    context = await browser.new_context(locale="en-US")
    await context.route(
        "https://images.example/**",
        lambda route: route.fulfill(body=PIXEL, content_type="image/png"),
    )
    page = await context.new_page()
    await page.goto(f"{markup_bot.url}/chat")
    chat = Chat(page)
    dialog = page.get_by_role("dialog", name=f"Shop {MARKUP}", exact=True)
    await expect(dialog).to_be_visible()
    await expect(page.get_by_role("heading", name=f"Shop {MARKUP}", exact=True)).to_have_count(2)

    await chat.connected()
    await chat.say("hi")
    await chat.shows(
        me("hi"),
        bot(f"{MARKUP} is how an image is written; <b>this</b> is not bold."),
        bot("What should I call you? <b>Any name</b> will do."),
    )
    await chat.say(MARKUP)
    await chat.shows(
        me(MARKUP),
        bot("Our <i>linen</i> shirt"),
        bot(
            f"Sale, {MARKUP}! <script>window.pwned=1</script> [terms](javascript:window.pwned=1)"
            " shop",
            f"<i>Tap</i> {MARKUP}",
        ),
    )
    await expect(page.get_by_role("button", name="<u>Chip</u>", exact=True)).to_be_visible()

    # The only elements are those the widget makes: the image, and the markdown's bold and link.
    image = chat.log.get_by_role("img", name="Our <i>linen</i> shirt", exact=True)
    await expect(image).to_be_visible()
    await expect(chat.log.get_by_role("img")).to_have_count(1)
    await expect(image).to_have_attribute("src", "https://images.example/shirt.png")
    await expect(chat.log.locator("strong")).to_have_text(["Sale"])
    link = chat.log.get_by_role("link")
    await expect(link).to_have_text(["shop"])
    await expect(link).to_have_attribute("href", "https://shop.example/?q=<b>")
    await expect(
        dialog.locator("script, b, i, u, img:not([src^='https://images.example/'])")
    ).to_have_count(0)
    assert await page.evaluate("() => window.pwned") is None
