"""One customer from the web chat to e-mail, through ``omnibot run --workers 2`` on Redis with
the real e-mail connector: received mail posted to ``/email/inbound`` (raw MIME, as a mail
server's pipe hands it over), the bot's mail received by a real SMTP server (aiosmtpd on
127.0.0.1) that requires STARTTLS, as a production server would (the bot's process trusts the
test server's throwaway authority through ``SSL_CERT_FILE``, :mod:`tests.email.loopback_tls`:
nothing in omnibot turns TLS off).

The customer starts a delivery address change on the web chat, asks to continue by e-mail and
sends the mail the bot's ``mailto:`` link opens (its subject carries the link's token); the bot
asks by e-mail first, the yes carries on at the pending question in the same thread, the
customer's replies (quoted history below, as mail clients write them) answer the questions, an
option is chosen by following its link in the mail and confirming on the page, and every
answer comes in the same thread. The mails reach the two workers in turn; an auto-reply in the
middle is recorded and not answered; no mail goes to anyone else.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import aiohttp
import pytest

from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry, OutboundEntry, StatusEntry, TranscriptEntry
from bot.turn.store import MemoryPolicy
from connectors.email.inbound import OURS
from memory.redis.store import RedisMemory
from tests.email.kit import AUTHSERV, BOT_ADDRESS, CUSTOMER, TOKEN, Received, SmtpServer
from tests.email.loopback_tls import loopback_tls
from tests.server_process import (
    Server,
    clean_env,
    example_copy,
    serving,
    wait_for_workers,
    wipe,
    worker_serving,
)
from tests.webchat.kit import open_chat

PUBLIC_URL = "https://bot.example.test"
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
ASK_ADDRESS = (
    "What's the new delivery address? Please write the street, number, any apartment, and the city."
)
ASK_CEP = "And the postcode (CEP)?"
CONFIRM = (
    "So the new address is Av. Paulista 2000, apto 12, São Paulo - SP, CEP 01310-100."
    " Shall I change it?"
)
LINKED = "Done: this chat is now part of your conversation."
RESUME = "Welcome back! Let's carry on where we left off."
ASK_EMAIL = "Which email address should I send the confirmation to?"
DONE = (
    "Done! Order A-10001 will now go to Av. Paulista 2000, apto 12, São Paulo - SP,"
    f" CEP 01310-100. I've sent a confirmation to {CUSTOMER}."
)
NOTICE = "Your conversation now continues on e-mail too. If that wasn't you, tell us here."
ASKED = re.compile(
    r"This will join this chat to a web chat conversation started today at \d\d:\d\d \(UTC\)\."
    r" Only say yes if you asked for this code yourself\. Join them\?"
)
MAILTO = re.compile(r"by e-mail: (mailto:\S+)")
PRESS_LINK = re.compile(r"https?://[^\s<>\"')\]]+/email/press/[A-Za-z0-9._~%-]+")
WAIT = 30.0


@dataclass
class MailClient:
    """The customer's mail client: new mail and replies as one writes them (the quoted
    history below the answer, ``Re:`` and the references of the thread), from an address
    the receiving server vouches for (DMARC passed)."""

    address: str = CUSTOMER
    name: str = "Ana"

    def write(self, words: str, subject: str = "continue here") -> EmailMessage:
        mail = self._mail(subject)
        mail.set_content(words + "\n")
        return mail

    def follow(self, mailto: str) -> EmailMessage:
        """The mail a ``mailto:`` link opens, sent as it is (its subject and body)."""
        parts = urlsplit(mailto)
        assert (parts.scheme, parts.path) == ("mailto", BOT_ADDRESS), mailto
        fields = {name: values[0] for name, values in parse_qs(parts.query).items()}
        return self.write(fields.get("body", ""), fields["subject"])

    def reply(
        self, to: EmailMessage, words: str, extra: dict[str, str] | None = None
    ) -> EmailMessage:
        mail = self._mail(f"Re: {to['Subject']}")
        mail["In-Reply-To"] = str(to["Message-ID"])
        mail["References"] = " ".join(
            filter(None, (str(to.get("References", "")), str(to["Message-ID"])))
        )
        for name, value in (extra or {}).items():
            mail[name] = value
        mail.set_content(f"{words}\n\n{quoted(to)}")
        return mail

    def _mail(self, subject: str) -> EmailMessage:
        mail = EmailMessage()
        mail["Authentication-Results"] = f"{AUTHSERV}; dmarc=pass header.from=customer.example"
        mail["From"] = f"{self.name} <{self.address}>"
        mail["To"] = f"Store <{BOT_ADDRESS}>"
        mail["Subject"] = subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain="customer.example")
        return mail


def quoted(mail: EmailMessage) -> str:
    """``mail``'s text as a reply quotes it: "On ..., ... wrote:" and each line behind ``>``."""
    when = parsedate_to_datetime(str(mail["Date"])).strftime("%a, %d %b %Y at %H:%M")
    lines = "\n".join(f"> {line}".rstrip() for line in text(mail).splitlines())
    return f"On {when}, {mail['From']} wrote:\n{lines}\n"


def text(mail: EmailMessage) -> str:
    """The plain-text part of a mail the bot sent."""
    part = mail.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage), mail
    return str(part.get_content()).replace("\r\n", "\n").strip()


def numbered(mail: EmailMessage, title: str) -> str:
    """The number of the option ``title`` in a mail's text ("1. Yes")."""
    found = re.search(rf"^\s*(\d+)[.)]\s+{re.escape(title)}\s*$", text(mail), re.MULTILINE)
    assert found is not None, f"no option {title!r} in:\n{text(mail)}"
    return found.group(1)


class _Form(HTMLParser):
    """The method and action of a page's first form."""

    def __init__(self) -> None:
        super().__init__()
        self.form: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form" and self.form is None:
            self.form = dict(attrs)


@dataclass
class Journey:
    """The running bot, the SMTP server it sends to, its Redis memory, its two workers, and
    which worker each mail was posted to."""

    server: Server
    smtp: SmtpServer
    memory: RedisMemory
    workers: list[int]
    posted: list[int] = field(default_factory=list)

    async def post(self, mail: EmailMessage) -> int:
        """``mail`` as the receiving server hands it over, to the next of the two workers in
        turn (a connection is made until the kernel gives it to that worker); the status."""
        worker = self.workers[len(self.posted) % len(self.workers)]
        raw = mail.as_bytes()
        head = (
            "POST /email/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: message/rfc822\r\n"
            f"Content-Length: {len(raw)}\r\nConnection: close\r\n\r\n"
        )
        async with asyncio.timeout(WAIT):
            while True:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.server.port)
                if await self._served_by(writer) == worker:
                    break
                writer.close()
                await writer.wait_closed()
            writer.write(head.encode() + raw)
            status_line = await reader.readline()
            await reader.read()
        writer.close()
        await writer.wait_closed()
        self.posted.append(worker)
        return int(status_line.split()[1])

    async def _served_by(self, writer: asyncio.StreamWriter) -> int:
        client_port = writer.get_extra_info("sockname")[1]
        while True:  # the accepted socket shows in /proc a moment later
            found = worker_serving(self.server.port, client_port, self.workers)
            if found is not None:
                return found
            await asyncio.sleep(0.01)

    async def mail_saying(self, expected: str | re.Pattern[str]) -> Received:
        """The first mail received that says ``expected`` (or matches it) above any numbered
        options, once it came."""
        deadline = time.monotonic() + WAIT
        while True:
            for received in self.smtp.inbox.received:
                said = text(received.message).split("\n1. ")[0]
                if said == expected if isinstance(expected, str) else expected.fullmatch(said):
                    return received
            got = [text(r.message)[:60] for r in self.smtp.inbox.received]
            assert time.monotonic() < deadline, f"no mail saying {expected!r}; got {got}"
            await asyncio.sleep(0.05)

    async def press_link(self, mail: EmailMessage, title: str) -> str:
        """Follow the link of the option ``title`` in ``mail`` as a customer does: open it (the
        page asks, nothing is pressed), then confirm with the page's form; the Message-ID the
        answer must name (the mail that offered the option: the press is its reply)."""
        links = PRESS_LINK.findall(text(mail))
        assert links, f"no button links in:\n{text(mail)}"
        async with aiohttp.ClientSession() as session:
            for link in links:
                local = self.server.url + urlsplit(link).path
                async with session.get(local) as page:
                    assert page.status == 200, await page.text()
                    html = await page.text()
                if f"“{title}”" not in html:
                    continue
                form = _Form()
                form.feed(html)
                assert form.form is not None, html
                assert (form.form.get("method") or "").lower() == "post", html
                target = urljoin(local, form.form.get("action") or "")
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(link))
                async with session.post(target, headers={"Origin": origin}) as pressed:
                    assert pressed.status == 200, await pressed.text()
                return str(mail["Message-ID"])
        raise AssertionError(f"no link in the mail chooses {title!r}")

    async def customer(self, channel: str, user: str) -> str | None:
        return await self.memory.lookup(ChannelIdentity(channel=channel, user_id=user))


@pytest.fixture
async def journey(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Journey]:
    tls = loopback_tls(tmp_path)
    smtp = SmtpServer(tls.server)
    smtp.start()
    env = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        EMAIL_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
        EMAIL_FROM=BOT_ADDRESS,
        EMAIL_INBOUND_TOKEN=TOKEN,
        EMAIL_TRUSTED_AUTHSERV_ID=AUTHSERV,
        SSL_CERT_FILE=str(tls.authority),
    )
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        async with serving(example_copy(tmp_path, namespace), "--workers", "2", env=env) as server:
            assert any("/email/inbound" in line for line in server.banner), server.banner
            workers = await wait_for_workers(server.process.pid, 2)
            yield Journey(server, smtp, memory, workers)
    finally:
        await memory.close()
        smtp.stop()
        await wipe(redis_url, namespace)


def customer_said(transcript: list[TranscriptEntry]) -> list[InboundEvent]:
    """What the customer said or pressed, on any channel, in order."""
    return [
        e.event
        for e in transcript
        if isinstance(e, InboundEntry) and isinstance(e.event, InboundEvent)
    ]


def thread_of(mail: EmailMessage) -> str:
    """The thread one of the bot's Message-IDs names."""
    ours = OURS.fullmatch(str(mail["Message-ID"]))
    assert ours is not None, mail["Message-ID"]
    return ours.group(1)


def in_thread(answer: EmailMessage, answering: str, first: EmailMessage) -> None:
    """``answer`` is in the thread of ``first`` (its subject, its thread) and names the
    message ``answering`` as the one it answers."""
    assert answer["Subject"] == first["Subject"]
    assert thread_of(answer) == thread_of(first)
    assert answer["In-Reply-To"] == answering, text(answer)
    assert answering in str(answer["References"])


async def test_web_chat_then_email_is_one_conversation_in_one_thread(journey: Journey) -> None:
    async with open_chat(journey.server.url, WAIT) as chat:
        # The web chat: the order number is given here, once; then "continue elsewhere".
        await chat.say("change my delivery address")
        assert ASK_ORDER in await chat.hears(1)
        await chat.say("A-10001")
        assert (await chat.hears(3))[-1] == ASK_ADDRESS
        await chat.say("continue by e-mail")
        offer, again = (await chat.hears(5))[-2:]
        assert again == ASK_ADDRESS
        link = MAILTO.search(offer)
        assert link is not None, offer

        # The mail the link opens, sent as it is, asks first; the yes carries on at the
        # pending question, in the thread the question started.
        ana = MailClient()
        typed = ana.follow(link.group(1))
        assert await journey.post(typed) == 202
        asked = (await journey.mail_saying(ASKED)).message
        assert asked["In-Reply-To"] == typed["Message-ID"]
        yes = ana.reply(asked, "yes")
        assert await journey.post(yes) == 202
        for said in (LINKED, RESUME, ASK_ADDRESS):
            in_thread((await journey.mail_saying(said)).message, str(yes["Message-ID"]), asked)
        question = (await journey.mail_saying(ASK_ADDRESS)).message
        webchat = await journey.customer("webchat", chat.user)
        assert webchat is not None
        assert await journey.customer("email", CUSTOMER) == webchat

        # The reply by e-mail answers the pending question; the next one comes in the thread.
        address = ana.reply(question, "Av. Paulista 2000, apto 12, São Paulo - SP")
        assert await journey.post(address) == 202
        cep = (await journey.mail_saying(ASK_CEP)).message
        in_thread(cep, str(address["Message-ID"]), asked)

        # An out-of-office answer to the bot's mail is recorded, never answered.
        away = ana.reply(cep, "I'm away until Monday.", {"Auto-Submitted": "auto-replied"})
        assert await journey.post(away) == 202
        postcode = ana.reply(cep, "01310-100")
        assert await journey.post(postcode) == 202
        confirm = (await journey.mail_saying(CONFIRM)).message
        in_thread(confirm, str(postcode["Message-ID"]), asked)

        # An option chosen by following its link in the mail and confirming on the page it
        # opens; the next question comes in the same thread.
        chosen = await journey.press_link(confirm, "Yes")
        in_thread((await journey.mail_saying(ASK_EMAIL)).message, chosen, asked)
        ask_email = (await journey.mail_saying(ASK_EMAIL)).message
        given = ana.reply(ask_email, CUSTOMER)
        assert await journey.post(given) == 202
        in_thread((await journey.mail_saying(DONE)).message, str(given["Message-ID"]), asked)

        # The web chat, still open, was told and shows the e-mail turns as they happen.
        await chat.shown(lambda: NOTICE in chat.heard and DONE in chat.heard)

    # Nothing else was sent, and nothing to anyone else; the mails reached both workers.
    sent = journey.smtp.inbox.received
    first, *rest = [text(r.message).split("\n1. ")[0] for r in sent]
    assert ASKED.fullmatch(first), first
    assert rest == [
        LINKED,
        RESUME,
        ASK_ADDRESS,
        ASK_CEP,
        CONFIRM,
        ASK_EMAIL,
        DONE,
    ]
    assert all(r.recipients == [CUSTOMER] for r in sent)
    assert all((r.message["To"], r.message["From"]) == (CUSTOMER, BOT_ADDRESS) for r in sent)
    assert sorted(set(journey.posted)) == sorted(journey.workers)

    # One customer holds both identities and the whole conversation: what was said on each
    # channel, every mail sent, the auto-reply recorded against the mail it answered.
    transcript = await journey.memory.transcript(webchat, 500)
    assert [(e.channel, e.kind, e.payload or e.text) for e in customer_said(transcript)] == [
        ("webchat", "text", "change my delivery address"),
        ("webchat", "text", "A-10001"),
        ("webchat", "text", "continue by e-mail"),
        ("email", "text", "Av. Paulista 2000, apto 12, São Paulo - SP"),
        ("email", "text", "01310-100"),
        ("email", "button", "yes"),
        ("email", "text", CUSTOMER),
    ]
    mailed = [e for e in transcript if isinstance(e, OutboundEntry) and e.channel == "email"]
    assert {e.to for e in mailed} == {f"email:{CUSTOMER}"}
    assert len(mailed) == len(sent)
    [away_status] = [e for e in transcript if isinstance(e, StatusEntry)]
    assert away_status.message_id == cep["Message-ID"]
    assert away_status.detail == "e-mail auto-reply, not answered"
