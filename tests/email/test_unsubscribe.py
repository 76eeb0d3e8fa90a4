"""One-click unsubscribe (RFC 8058) from mail the business starts: the headers, the POST that
opts the customer's e-mail out and records their "no" to marketing (once, however often it
comes; the mailto too), the page a person following the
link sees (which changes nothing), and links that are not ours (4xx, nothing changed). On the
embedded memory and on Redis."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage

import aiohttp
import pytest
from aiohttp import web

from bot.app.config import BotConfig, Settings
from bot.app.privacy import export
from bot.connector import Outgoing
from bot.format.messages import Address
from bot.format.outbound import Text
from bot.format.transcript import NoteEntry
from bot.turn.store import Memory
from connectors.email import plan
from connectors.email.links.unsubscribe import ONE_CLICK_WORDING, PATH, UnsubscribeLinks
from connectors.email.outbound import render
from connectors.email.settings import EmailSettings
from tests.email.buttons_kit import tampered
from tests.email.kit import BOT_ADDRESS, CUSTOMER, TOKEN, SmtpServer, mail
from tests.email.links_kit import PUBLIC_URL, LinkedBot, store_over_email

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
MAILTO = f"<mailto:{BOT_ADDRESS}?subject=unsubscribe>"


@pytest.fixture
async def bot(
    smtp: SmtpServer, email_settings: EmailSettings, memory: Memory
) -> AsyncIterator[LinkedBot]:
    async with store_over_email(smtp, email_settings, memory, PUBLIC_URL) as served:
        yield served


async def started(bot: LinkedBot) -> EmailMessage:
    """Ana wrote once; then the business writes to her first (a mail that answers nothing)."""
    await bot.post(mail("hi"))
    [answer] = await bot.smtp.wait(1)
    assert answer.message["List-Unsubscribe"] is None
    [event] = await bot.inputs()
    address = event.address.model_copy(update={"thread_id": None})
    await bot.connector.send(address, [Outgoing("m1", Text(text="Your cart is waiting"))])
    _, news = await bot.smtp.wait(2)
    return news.message


def one_click_url(message: EmailMessage) -> str:
    url, mailto = str(message["List-Unsubscribe"]).split(", ")
    assert mailto == MAILTO
    assert url.startswith(f"<{PUBLIC_URL}{PATH}/")
    return url.strip("<>")


async def state(bot: LinkedBot) -> tuple[frozenset[str], list[str]]:
    """Which channels Ana opted out of, and the kinds of what she sent."""
    await bot.settle()
    customer = await bot.customer()
    assert customer is not None
    record = await bot.runtime.memory.load(customer)
    assert record is not None
    kinds: list[str] = [e.command.name if e.command else e.kind for e in await bot.inputs()]
    return frozenset(record.opted_out), kinds


async def test_mail_the_business_starts_offers_one_click_unsubscribe(bot: LinkedBot) -> None:
    news = await started(bot)
    one_click_url(news)
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert news["In-Reply-To"] is None


async def test_the_one_click_post_opts_the_email_out_once(bot: LinkedBot) -> None:
    url = bot.local(one_click_url(await started(bot)))
    assert await state(bot) == (frozenset(), ["text"])
    async with aiohttp.ClientSession() as session:
        for _ in range(2):  # the mail provider's POST, and a retry of it
            async with session.post(url, data=ONE_CLICK) as response:
                assert response.status == 200
                assert "You are unsubscribed" in await response.text()
    assert await state(bot) == (frozenset({"email"}), ["text", "stop"])


async def test_a_multipart_one_click_post_works_too(bot: LinkedBot) -> None:
    url = bot.local(one_click_url(await started(bot)))
    body = aiohttp.FormData(ONE_CLICK, default_to_multipart=True)
    async with aiohttp.ClientSession() as session, session.post(url, data=body) as response:
        assert response.status == 200
    assert await state(bot) == (frozenset({"email"}), ["text", "stop"])


async def test_following_the_link_changes_nothing_and_its_form_unsubscribes(
    bot: LinkedBot,
) -> None:
    url = bot.local(one_click_url(await started(bot)))
    async with aiohttp.ClientSession() as session:
        for _ in range(3):  # a mail scanner, a link preview, the customer
            async with session.get(url) as page:
                assert page.status == 200
                html = await page.text()
                assert page.headers["Referrer-Policy"] == "no-referrer"
        assert await state(bot) == (frozenset(), ["text"])
        assert '<form method="post">' in html
        assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in html
        assert "<script" not in html
        async with session.post(url, data=ONE_CLICK) as confirmed:  # what the form sends
            assert confirmed.status == 200
    assert await state(bot) == (frozenset({"email"}), ["text", "stop"])


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"", "application/x-www-form-urlencoded", id="empty"),
        pytest.param(b"List-Unsubscribe=Yes", "application/x-www-form-urlencoded", id="value"),
        pytest.param(b"List-Unsubscribe=One-Click", "text/plain", id="type"),
        pytest.param(b"List-Unsubscribe=%ff", "application/x-www-form-urlencoded", id="bytes"),
        pytest.param(b"--x\r\nbroken", "multipart/form-data; boundary=x", id="multipart"),
    ],
)
async def test_a_post_without_the_one_click_body_changes_nothing(
    bot: LinkedBot, body: bytes, content_type: str
) -> None:
    url = bot.local(one_click_url(await started(bot)))
    headers = {"Content-Type": content_type}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        assert response.status == 400
    assert await state(bot) == (frozenset(), ["text"])


def expired(path: str) -> str:
    past = time.time() - timedelta(days=61).total_seconds()
    links = UnsubscribeLinks(TOKEN, PUBLIC_URL, clock=lambda: past)
    address = Address(channel="email", user_id=CUSTOMER, conversation_id="a" * 32)
    return links.issue("c-1", address).removeprefix(PUBLIC_URL)


def forged(path: str) -> str:
    links = UnsubscribeLinks("another-secret-0123456789abcdef", PUBLIC_URL)
    address = Address(channel="email", user_id=CUSTOMER, conversation_id="a" * 32)
    return links.issue("c-1", address).removeprefix(PUBLIC_URL)


def button_key(path: str) -> str:
    """A token signed under the button links' key, not the unsubscribe links'."""
    from connectors.email.links.buttons import ButtonLinks, Option

    links = ButtonLinks(TOKEN, PUBLIC_URL)
    press = links.issue(Option("c-1", CUSTOMER, "<m@x>", "p", "t"))
    return PATH + "/" + press.rpartition("/")[2]


@pytest.mark.parametrize(
    ("make", "status"),
    [
        pytest.param(expired, 410, id="expired"),
        pytest.param(forged, 403, id="forged"),
        pytest.param(button_key, 403, id="a-button-link"),
        pytest.param(lambda p: tampered(p, user_id="bob@customer.example"), 403, id="identity"),
        pytest.param(lambda p: tampered(p, expires=2**40), 403, id="expiry"),
        pytest.param(lambda p: p[:-3] + "AAA", 403, id="signature"),
        pytest.param(lambda p: p.split(".")[0], 403, id="unsigned"),
        pytest.param(lambda p: PATH + "/" + "A" * 5000, 403, id="huge"),
    ],
)
async def test_a_link_that_is_not_ours_is_refused_and_changes_nothing(
    bot: LinkedBot, make: object, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    genuine = one_click_url(await started(bot)).removeprefix(PUBLIC_URL)
    assert callable(make)
    url = bot.url + make(genuine)
    caplog.set_level(logging.INFO, logger="omnibot.email")
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as page:
            assert page.status == status
        async with session.post(url, data=ONE_CLICK) as response:
            assert response.status == status
            assert "<script" not in await response.text()
    refusals = [r for r in caplog.records if r.name == "omnibot.email"]
    assert [(r.levelno, r.exc_info) for r in refusals] == [(logging.INFO, None)] * 2
    assert await state(bot) == (frozenset(), ["text"])


async def test_an_answer_carries_no_unsubscribe_link(bot: LinkedBot) -> None:
    await bot.post(mail("hi"))
    [answer] = await bot.smtp.wait(1)
    assert answer.message["List-Unsubscribe"] is None
    assert answer.message["List-Unsubscribe-Post"] is None


def test_without_an_https_base_only_the_mailto_is_given(email_settings: EmailSettings) -> None:
    address = Address(channel="email", user_id=CUSTOMER, conversation_id="a" * 32)
    news = render(Outgoing("m1", Text(text="Your cart")), address, email_settings)
    assert news is not None
    assert news["List-Unsubscribe"] == MAILTO
    assert news["List-Unsubscribe-Post"] is None


async def test_an_http_bot_gives_only_the_mailto(
    smtp: SmtpServer, email_settings: EmailSettings, memory: Memory
) -> None:
    async with store_over_email(smtp, email_settings, memory) as local:
        assert local.public.startswith("http://")
        await local.post(mail("hi"))
        await local.smtp.wait(1)
        [event] = await local.inputs()
        address = event.address.model_copy(update={"thread_id": None})
        await local.connector.send(address, [Outgoing("m1", Text(text="Your cart"))])
        _, news = await local.smtp.wait(2)
    assert news.message["List-Unsubscribe"] == MAILTO
    assert news.message["List-Unsubscribe-Post"] is None


def test_the_links_lead_to_the_public_url_and_their_routes_are_mounted() -> None:
    environment = {
        "EMAIL_SMTP_URL": "smtp://127.0.0.1:2525",
        "EMAIL_FROM": BOT_ADDRESS,
        "EMAIL_INBOUND_TOKEN": TOKEN,
        "EMAIL_TRUSTED_AUTHSERV_ID": "mx.shop.example",
        "OMNIBOT_PUBLIC_URL": PUBLIC_URL + "/",
    }
    on = plan(BotConfig(name="Store"), Settings.from_env(environment), "http://127.0.0.1:8080")
    assert on.connector is not None
    assert on.detail.startswith(f"{PUBLIC_URL}/email/inbound")
    paths = {(r.method, r.path) for r in on.connector.routes() if isinstance(r, web.RouteDef)}
    for method in ("GET", "POST"):
        assert (method, "/email/press/{token}") in paths
        assert (method, PATH + "/{token}") in paths


async def withdrawn(bot: LinkedBot) -> list[tuple[object, object, object]]:
    """The customer's marketing consents, as ``omnibot customer export`` gives them: channel,
    wording, given."""
    customer = await bot.customer()
    assert customer is not None
    exported = await export(bot.runtime.memory, customer)
    assert exported is not None
    record = exported["customer"]
    assert isinstance(record, dict)
    outreach = record["outreach"]
    assert isinstance(outreach, dict)
    consents = outreach["consents"]
    assert isinstance(consents, list)
    return [(c["channel"], c["wording"], c["given"]) for c in consents if isinstance(c, dict)]


async def test_the_one_click_post_records_one_withdrawn_consent_and_sends_no_mail(
    bot: LinkedBot,
) -> None:
    url = bot.local(one_click_url(await started(bot)))
    async with aiohttp.ClientSession() as session:
        for _ in range(2):  # the mail provider's POST, and a retry of it
            async with session.post(url, data=ONE_CLICK) as response:
                assert response.status == 200
    await bot.settle()
    assert await withdrawn(bot) == [("email", ONE_CLICK_WORDING, False)]
    assert len(bot.smtp.inbox.received) == 2, "the page confirms; no mail follows an unsubscribe"
    notes = [e.text for e in await bot.transcript() if isinstance(e, NoteEntry)]
    assert "the customer said stop on e-mail; marketing and this channel are stopped" in notes


async def test_the_mailto_unsubscribe_records_one_withdrawn_consent(bot: LinkedBot) -> None:
    await started(bot)
    unsubscribe = mail("Sent from my phone")
    unsubscribe.replace_header("Subject", "Unsubscribe")
    for _ in range(2):  # the mail server's delivery, and the same message again
        status, _ = await bot.post(unsubscribe)
        assert status in (200, 202)
    assert await state(bot) == (frozenset({"email"}), ["text", "stop"])
    assert await withdrawn(bot) == [("email", "subject: unsubscribe", False)]
    assert len(bot.smtp.inbox.received) == 2
