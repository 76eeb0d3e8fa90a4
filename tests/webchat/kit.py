"""The web chat widget in a browser, used as a customer uses it, for every suite that opens it
(the widget's own tests, the agent console's, linking's, the faults'): a page of its own
(:func:`open_page`), the widget on it (:class:`Chat`), the lines its log must show (:func:`me`,
:func:`bot`), and what the example store says there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, Locator, Page, expect

GREETING = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a return,"
    " or change a delivery address. What can I do for you?"
)
TOPICS = ("Order status", "Exchanges and returns", "Change delivery address", "Talk to a person")
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
SHIPPED = (
    "Order A-10002: running sneakers (size 42) and sports socks (3 pairs). It left our warehouse"
    " on Nov 16, 2026 with Correios and should arrive by Nov 24, 2026. The tracking code is"
    " QB123456789BR."
)
RECONNECTING = "Reconnecting\u2026"


@dataclass(frozen=True, slots=True)
class Line:
    """One bubble: who wrote it and its whole text (a message's buttons follow its text)."""

    who: str
    text: str


def me(text: str) -> Line:
    return Line("customer", text)


def bot(text: str, *buttons: str) -> Line:
    return Line("bot", text + "".join(buttons))


@dataclass
class Chat:
    """The widget on a page, used as a customer would, and the transcript it must show."""

    page: Page
    lines: list[Line] = field(default_factory=list)

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log")

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="Message", exact=True)

    @property
    def send_button(self) -> Locator:
        return self.page.get_by_role("button", name="Send", exact=True)

    async def connected(self) -> None:
        """Wait until the bot has welcomed the widget's socket: the widget shows no sign of it,
        but keeps the session it is given then."""
        await self.page.wait_for_function(
            "() => Object.keys(localStorage).some(key => key.startsWith('omnibot.session.'))"
        )

    async def say(self, text: str) -> None:
        await self.input.fill(text)
        await self.input.press("Enter")

    async def press(self, title: str) -> None:
        await self.page.get_by_role("button", name=title, exact=True).click()

    async def shows(self, *lines: Line) -> None:
        """The log holds exactly the transcript so far plus ``lines``: in order, none twice,
        each from the right side."""
        self.lines += lines
        bubbles = self.log.locator(".msg")
        await expect(bubbles).to_have_text([line.text for line in self.lines])
        mine = [line.text for line in self.lines if line.who == "customer"]
        await expect(self.log.locator(".msg.customer")).to_have_text(mine)


async def open_page(browser: Browser, url: str, **options: Any) -> Page:
    """A page of its own (fresh storage, so a new customer) at ``url``, in English."""
    context = await browser.new_context(locale="en-US", **options)
    page = await context.new_page()
    await page.goto(url)
    return page
