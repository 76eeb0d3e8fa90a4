"""E-mail conversations at the agent console: a customer who writes by e-mail is listed with the
e-mail badge and their address, and an agent's reply is a mail in the customer's own thread.

Everything real: the console's HTTP API, ``POST /email/inbound``, and an SMTP server (aiosmtpd)
receiving what the bot sends; on each memory backend, since the desk and the addresses the reply
goes to live there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from connectors.email.settings import SmtpServer as SmtpSettings
from tests.console.kit import TOKENS, Agent, Desk, serving
from tests.email.kit import AUTHSERV, BOT_ADDRESS, CUSTOMER, TOKEN, EmailBot, SmtpServer, mail

REPLY = "Hi Ana, I found order A-12345: it leaves today."


@dataclass
class Mailed:
    """The console's bot, reached by e-mail, and the SMTP server its mail goes to."""

    desk: Desk
    customer: EmailBot

    async def mail(self, message: EmailMessage) -> None:
        status, text = await self.customer.post(message)
        assert status == 202, text
        await self.desk.settle()

    async def sent(self, count: int) -> list[EmailMessage]:
        """The first ``count`` mails the bot sent (waits for them)."""
        return [r.message for r in await self.customer.smtp.wait(count)]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def mailed(
    tmp_path: Path, smtp: SmtpServer, backend: str, backend_url: str, namespace: str
) -> AsyncIterator[Mailed]:
    settings = EmailSettings(
        SmtpSettings("127.0.0.1", smtp.port, implicit_tls=False),
        BOT_ADDRESS,
        TOKEN,
        AUTHSERV,
        bot_name="Shop",
    )
    on_redis = backend != "embedded"
    async with serving(
        tmp_path,
        bot_yaml=f"memory: {{namespace: {namespace}}}\n" if on_redis else "",
        environment={"OMNIBOT_REDIS_URL": backend_url} if on_redis else {},
        names=(),
        connectors=[EmailConnector(settings, tls=False)],
    ) as desk:
        await desk.online()
        yield Mailed(desk, EmailBot(desk.runtime, desk.base, smtp))


async def asks_for_a_person(
    mailed: Mailed, authenticated: str | None, *, named: bool = True
) -> EmailMessage:
    """The customer asks about an order by mail and answers the bot's question by replying to
    it; the bot hands over and says where they are in line. Returns the customer's last mail.
    ``named``: the From carries a display name ("Ana"), else the bare address."""
    question = mail("where is my order", authenticated=authenticated)
    await mailed.mail(question if named else nameless(question))
    [asked] = await mailed.sent(1)
    assert plain(asked) == "What's your order number?"
    answer = mail("A-12345", reply_to=asked, authenticated=authenticated)
    await mailed.mail(answer if named else nameless(answer))
    handed = await mailed.sent(3)
    assert [plain(m) for m in handed[1:]] == [
        "Let me get someone to look at order A-12345.",
        "You're number 1 in line.",
    ]
    return answer


def nameless(message: EmailMessage) -> EmailMessage:
    message.replace_header("From", CUSTOMER)
    return message


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).strip()


async def claims_and_replies(agent: Agent, customer: str) -> None:
    assert (await agent.act(customer, "claim")).status == 200
    assert (await agent.act(customer, "reply", text=REPLY)).status == 202


async def test_an_email_customer_is_listed_with_the_email_badge_and_their_address(
    mailed: Mailed,
) -> None:
    await asks_for_a_person(mailed, authenticated="dmarc=pass header.from=customer.example")
    ana = await mailed.desk.signed_in("ana")
    [item] = (await ana.get("/agent/api/queue"))["waiting"]
    assert item["channel"] == "email"
    assert item["channels"] == ["email"]
    assert item["verified"] == [f"email:{CUSTOMER}"]
    assert item["reason"] == "a question about an order"
    view = await ana.get(f"/agent/api/conversations/{item['customer']}")
    said = [e for e in view["entries"] if e["from"] == "customer"]
    assert [(e["channel"], e["text"]) for e in said] == [
        ("email", "where is my order"),
        ("email", "A-12345"),
    ]
    assert view["window"] is None, "e-mail has no service window"


async def test_an_agents_reply_is_a_mail_in_the_customers_thread(mailed: Mailed) -> None:
    last = await asks_for_a_person(mailed, authenticated="dmarc=pass header.from=customer.example")
    customer = await mailed.customer.customer()
    assert customer is not None
    ana = await mailed.desk.signed_in("ana")
    await claims_and_replies(ana, customer)
    question, *_, joined, replied = await mailed.sent(5)
    assert plain(joined) == "ana from our team is here to help."
    assert plain(replied) == REPLY
    assert getaddresses([str(replied["To"])])[0][1] == CUSTOMER
    assert replied["Subject"] == question["Subject"], "one subject for the whole conversation"
    assert replied["In-Reply-To"] == last["Message-ID"]
    assert str(last["Message-ID"]) in str(replied["References"])
    assert replied["Message-ID"] != joined["Message-ID"]


async def test_the_customer_answers_the_agent_by_replying_to_the_mail(mailed: Mailed) -> None:
    await asks_for_a_person(mailed, authenticated="dmarc=pass header.from=customer.example")
    customer = await mailed.customer.customer()
    assert customer is not None
    ana = await mailed.desk.signed_in("ana")
    await claims_and_replies(ana, customer)
    replied = (await mailed.sent(5))[4]
    quoted = f"Thank you!\n\nOn Mon, 7 Dec 2026 at 10:00, Shop <{BOT_ADDRESS}> wrote:\n> {REPLY}\n"
    await mailed.mail(mail(quoted, reply_to=replied))
    assert await mailed.customer.customer() == customer
    view = await ana.get(f"/agent/api/conversations/{customer}")
    said = [e for e in view["entries"] if e["from"] == "customer"]
    assert said[-1]["text"] == "Thank you!"
    assert view["holder"] == "ana"
    assert len(mailed.customer.smtp.inbox.received) == 5, "the bot leaves the agent's talk alone"


async def test_an_unverified_sender_is_listed_as_unverified_and_answered_at_that_address(
    mailed: Mailed,
) -> None:
    last = await asks_for_a_person(mailed, authenticated=None)
    ana = await mailed.desk.signed_in("ana")
    [item] = (await ana.get("/agent/api/queue"))["waiting"]
    assert item["channel"] == "email"
    assert item["verified"] == [], "a From nobody vouched for is not a verified address"
    await claims_and_replies(ana, item["customer"])
    replied = (await mailed.sent(5))[4]
    assert getaddresses([str(replied["To"])])[0][1] == CUSTOMER
    assert replied["In-Reply-To"] == last["Message-ID"]


@asynccontextmanager
async def console(browser: Browser, base: str) -> AsyncIterator[Page]:
    """The console in a browser, agent ana signed in."""
    context = await browser.new_context(locale="en-US")
    try:
        page = await context.new_page()
        await page.goto(f"{base}/agent")
        await page.get_by_role("textbox", name="Agent token").fill(TOKENS["ana"])
        await page.get_by_role("button", name="Sign in", exact=True).click()
        yield page
    finally:
        await context.close()


async def test_the_console_shows_an_email_customer_with_the_badge_and_the_address(
    mailed: Mailed, browser: Browser
) -> None:
    await asks_for_a_person(mailed, authenticated="dmarc=pass header.from=customer.example")
    async with console(browser, mailed.desk.base) as page:
        waiting = page.locator("#waiting .pick")
        await expect(waiting).to_have_count(1)
        await expect(waiting.locator(".name")).to_have_text("Ana")  # the From's display name
        await expect(waiting.locator(".channel")).to_have_text("E-mail")
        await waiting.click()
        facts = page.locator(".fact")
        await expect(facts.filter(has_text="Channels").locator("dd")).to_have_text("E-mail")
        panel = page.get_by_role("complementary", name="The customer")
        term = page.get_by_role("term").get_by_text("E-mail", exact=True)
        verified = panel.locator(".fact").filter(has=term).get_by_role("definition")
        await expect(verified).to_have_text(f"{CUSTOMER} verified by E-mail")


async def test_a_customer_whose_from_has_no_name_is_listed_by_their_verified_address(
    mailed: Mailed, browser: Browser
) -> None:
    await asks_for_a_person(
        mailed, authenticated="dmarc=pass header.from=customer.example", named=False
    )
    async with console(browser, mailed.desk.base) as page:
        waiting = page.locator("#waiting .pick")
        await expect(waiting.locator(".name")).to_have_text(CUSTOMER)
        await expect(waiting.locator(".channel")).to_have_text("E-mail")
