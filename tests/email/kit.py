"""A bot served in process with the e-mail channel on, a real SMTP server (aiosmtpd on
127.0.0.1) receiving what it sends, and received mail built with the standard library.

The fixtures that serve it are in the suite's conftest.
"""

from __future__ import annotations

import asyncio
import io
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiohttp
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.app.runtime import Runtime
from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry, OutboundEntry, StatusEntry, TranscriptEntry

BOT_ADDRESS = "shop@shop.example"
AUTHSERV = "mx.shop.example"
TOKEN = "inbound-token-0123456789abcdef"
CUSTOMER = "ana@customer.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """What the SMTP server was handed: the envelope and the message, parsed."""

    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """aiosmtpd's handler: keeps every message it receives."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on a free loopback port, in its own thread; with ``tls``, it offers
    STARTTLS with that context and takes no mail before it (see :mod:`.loopback_tls`)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self._controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=tls,
            require_starttls=tls is not None,
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def wait(self, count: int, seconds: float = 20.0) -> list[Received]:
        """The first ``count`` messages received (waits for them)."""
        for _ in range(int(seconds * 20)):
            if len(self.inbox.received) >= count:
                return self.inbox.received[:count]
            await asyncio.sleep(0.05)
        raise AssertionError(f"{len(self.inbox.received)} messages arrived, not {count}")


def mail(
    text: str = "hi",
    sender: str = CUSTOMER,
    *,
    authenticated: str | None = "dmarc=pass header.from=customer.example",
    authserv: str = AUTHSERV,
    reply_to: EmailMessage | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    charset: str | None = None,
) -> EmailMessage:
    """A message as our receiving server hands it over: its Authentication-Results on top
    (none when ``authenticated`` is ``None``)."""
    message = EmailMessage()
    if authenticated is not None:
        message["Authentication-Results"] = f"{authserv}; {authenticated}"
    message["From"] = f"Ana <{sender}>"
    message["To"] = BOT_ADDRESS
    message["Subject"] = "Re: hello" if reply_to is not None else "hello"
    message["Message-ID"] = make_msgid(domain="customer.example")
    if reply_to is not None:
        message["In-Reply-To"] = str(reply_to["Message-ID"])
        message["References"] = str(reply_to["Message-ID"])
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    elif charset is not None:
        message.set_content(text, charset=charset, cte="quoted-printable")
    else:
        message.set_content(text)
    return message


@dataclass
class EmailBot:
    """A running bot, where it listens, and the SMTP server it sends to."""

    runtime: Runtime
    url: str
    smtp: SmtpServer

    async def post(
        self, raw: bytes | EmailMessage, token: str = TOKEN, content_type: str = "message/rfc822"
    ) -> tuple[int, Any]:
        """``POST /email/inbound``; the status and the body as text."""
        data = raw if isinstance(raw, bytes) else raw.as_bytes()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.url}/email/inbound", data=io.BytesIO(data), headers=headers
            ) as response,
        ):
            return response.status, await response.text()

    async def settle(self) -> None:
        await self.runtime.pipeline.join()

    async def customer(self, user_id: str = CUSTOMER) -> str | None:
        identity = ChannelIdentity(channel="email", user_id=user_id)
        return await self.runtime.pipeline.customer_of(identity)

    async def transcript(self, user_id: str = CUSTOMER) -> list[TranscriptEntry]:
        customer = await self.customer(user_id)
        assert customer is not None, "the customer is unknown"
        return await self.runtime.memory.transcript(customer, limit=500)

    async def inputs(self, user_id: str = CUSTOMER) -> list[InboundEvent]:
        return [
            e.event
            for e in await self.transcript(user_id)
            if isinstance(e, InboundEntry) and isinstance(e.event, InboundEvent)
        ]

    async def outputs(self, user_id: str = CUSTOMER) -> list[OutboundEntry]:
        return [e for e in await self.transcript(user_id) if isinstance(e, OutboundEntry)]

    async def statuses(self, user_id: str = CUSTOMER) -> list[StatusEntry]:
        return [e for e in await self.transcript(user_id) if isinstance(e, StatusEntry)]
