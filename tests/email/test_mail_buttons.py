"""Buttons in the mail the bot sends: each numbered option carries a link that presses it, in
the text part and as a link styled as a button in the HTML part; following a link presses
nothing, confirming it presses once, for that customer, and the answer comes by e-mail in the
same thread; replying with the number still works. On the embedded memory and on Redis."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import aiohttp
import pytest

from bot.connector import Outgoing
from bot.format.messages import Address
from bot.format.outbound import Button, Text
from bot.format.rendering import render
from bot.turn.store import Memory
from connectors.channels import EMAIL
from connectors.email.links.buttons import PATH
from connectors.email.settings import EmailSettings
from tests.email.buttons_kit import tampered
from tests.email.kit import CUSTOMER, SmtpServer, mail
from tests.email.links_kit import LinkedBot, parts, store_over_email

BOB = "bob@customer.example"
NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


@pytest.fixture
async def bot(
    smtp: SmtpServer, email_settings: EmailSettings, memory: Memory
) -> AsyncIterator[LinkedBot]:
    async with store_over_email(smtp, email_settings, memory) as served:
        yield served


class Anchors(HTMLParser):
    """The links of an HTML part: their href and their text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self.found.append((self._href, data))
            self._href = None


def links(text: str) -> dict[str, str]:
    """Each numbered option of a text part, by its line, and the link under it."""
    lines = text.splitlines()
    return {
        line: lines[index + 1].strip()
        for index, line in enumerate(lines)
        if NUMBERED.fullmatch(line) and index + 1 < len(lines)
    }


async def welcome(bot: LinkedBot, sender: str = CUSTOMER, count: int = 1) -> dict[str, str]:
    await bot.post(mail("hi", sender))
    received = await bot.smtp.wait(count)
    return links(parts(received[-1].message)[0])


async def test_a_mail_with_options_carries_one_link_per_option_in_both_parts(
    bot: LinkedBot,
) -> None:
    await bot.post(mail("hi"))
    [first] = await bot.smtp.wait(1)
    text, html = parts(first.message)
    options = NUMBERED.findall(text)
    assert len(options) >= 3
    linked = links(text)
    assert list(linked) == [f"{number}. {title}" for number, title in options]
    urls = list(linked.values())
    assert all(url.startswith(f"{bot.public}{PATH}/") for url in urls)
    assert len(set(urls)) == len(urls)
    anchors = Anchors()
    anchors.feed(html)
    assert anchors.found == list(zip(urls, linked, strict=True))
    assert "<script" not in html
    assert "1. Order status" in text  # the numbered fallback stays


async def test_following_a_link_presses_nothing_and_confirming_answers_in_the_thread(
    bot: LinkedBot,
) -> None:
    await bot.post(mail("hi"))
    [first] = await bot.smtp.wait(1)
    url = links(parts(first.message)[0])["1. Order status"]
    async with aiohttp.ClientSession() as session:
        for _ in range(2):  # a mail scanner, then the customer
            async with session.get(url) as page:
                assert page.status == 200
                assert "Choose “Order status”?" in await page.text()
        await bot.settle()
        assert len(await bot.inputs()) == 1
        assert len(bot.smtp.inbox.received) == 1
        async with session.post(url) as confirmed:
            assert confirmed.status == 200
        _, second = await bot.smtp.wait(2)
        async with session.post(url) as again:
            assert again.status == 410
    assert parts(second.message)[0].startswith("What's your order number?")
    assert second.message["In-Reply-To"] == first.message["Message-ID"]
    assert second.message["References"] == first.message["Message-ID"]
    assert second.message["Subject"] == first.message["Subject"]
    assert second.recipients == [CUSTOMER]
    await bot.settle()
    inputs = await bot.inputs()
    assert [(e.kind, e.payload) for e in inputs] == [
        ("text", None),
        ("button", "flow:order_status"),
    ]
    assert len(bot.smtp.inbox.received) == 2


async def test_a_link_from_one_customers_mail_cannot_press_for_another(bot: LinkedBot) -> None:
    ana = await welcome(bot)
    bob = await welcome(bot, BOB, 2)
    ana_id = await bot.customer()
    assert ana_id is not None
    url = bob["1. Order status"]
    path = url.removeprefix(bot.public)
    forged = [
        tampered(path, customer_id=ana_id, user_id=CUSTOMER),
        tampered(path, customer_id=ana_id),
        tampered(path, user_id=CUSTOMER),
    ]
    async with aiohttp.ClientSession() as session:
        for each in forged:
            async with session.post(bot.url + each) as refused:
                assert refused.status == 403
        async with session.post(url) as pressed:
            assert pressed.status == 200
        _, _, answer = await bot.smtp.wait(3)
    assert answer.recipients == [BOB]
    await bot.settle()
    assert [e.kind for e in await bot.inputs()] == ["text"]  # Ana's conversation untouched
    assert [e.kind for e in await bot.inputs(BOB)] == ["text", "button"]
    assert ana["1. Order status"] != url


async def test_replying_with_the_number_still_chooses(bot: LinkedBot) -> None:
    await welcome(bot)
    [first] = bot.smtp.inbox.received
    await bot.post(mail("2", reply_to=first.message))
    _, second = await bot.smtp.wait(2)
    await bot.settle()
    inputs = await bot.inputs()
    assert inputs[-1].kind == "button"
    assert second.message["In-Reply-To"] == inputs[-1].address.thread_id


async def test_mail_to_someone_no_customer_has_goes_with_numbered_options_only(
    bot: LinkedBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omnibot.email")
    buttons = (Button(title="Courier", payload="courier"), Button(title="Store", payload="store"))
    [message] = render([Text(text="How?", buttons=buttons)], EMAIL, "email").messages
    address = Address(channel="email", user_id="nobody@customer.example", conversation_id="a" * 32)
    await bot.connector.send(address, [Outgoing("m1", message)])
    [sent] = await bot.smtp.wait(1)
    text, html = parts(sent.message)
    assert text.splitlines() == ["How?", "1. Courier", "2. Store"]
    assert "<a " not in html
    assert "1. Courier" in html
    lines = [r.getMessage() for r in caplog.records if r.name == "omnibot.email"]
    assert lines == ["e-mail sent without links: its customer is not known"]
    assert [r.levelno for r in caplog.records if r.name == "omnibot.email"] == [logging.INFO]


def test_the_core_leaves_emails_numbered_options_on_the_message_as_buttons() -> None:
    buttons = (
        Button(title="Courier", payload="courier"),
        Button(title="Terms", kind="url", url="https://shop.example/terms"),
        Button(title="Store", payload="store"),
    )
    rendered = render([Text(text="1. Courier", buttons=buttons)], EMAIL, "email")
    [message] = rendered.messages
    assert isinstance(message, Text)
    assert message.text == "1. Courier\n1. Courier\nTerms: https://shop.example/terms\n2. Store"
    assert [b.payload for b in message.buttons] == ["courier", "store"]
    assert rendered.offered is not None
    assert [(o.number, o.payload) for o in rendered.offered.options] == [
        (1, "courier"),
        (2, "store"),
    ]
