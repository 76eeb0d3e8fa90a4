"""The e-mail channel: received mail in by ``POST /email/inbound``, our mail out by SMTP.

``POST /email/inbound`` takes one message as raw MIME (``Content-Type: message/rfc822``) with
``Authorization: Bearer <EMAIL_INBOUND_TOKEN>``, from a mail server's pipe or a provider's
raw-MIME webhook. A customer's message is queued (its Message-ID deduplicates redeliveries); an
auto-reply or a bounce is recorded in the transcript of the conversation it answers, and never
answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiohttp import web

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import InboundRejected, MemoryUnavailable
from bot.format.messages import Address, ChannelIdentity, utcnow
from bot.format.transcript import DeliveryStatus, StatusEntry
from bot.http.untrusted import body, header
from connectors.channels import EMAIL
from connectors.email import inbound
from connectors.email.client import SmtpClient
from connectors.email.inbound import UNVERIFIED, Automatic
from connectors.email.outbound import render
from connectors.email.settings import CHANNEL, EmailSettings
from connectors.sending import send_in_order
from connectors.webhook import queue, refuse, unavailable

log = logging.getLogger("omnibot.email")
MIME = "message/rfc822"


class EmailConnector(Connector):
    """``POST /email/inbound``; sends through the SMTP server of ``EMAIL_SMTP_URL``.

    ``tls=False`` is for tests against a local SMTP server only.
    """

    channel = CHANNEL
    capabilities = EMAIL

    def __init__(self, settings: EmailSettings, *, tls: bool = True) -> None:
        self._settings = settings
        self._smtp = SmtpClient(settings.smtp, settings.timeout, tls=tls)
        self._core: Core | None = None

    def routes(self) -> Sequence[web.RouteDef]:
        return [web.post("/email/inbound", self.incoming)]

    async def start(self, core: Core) -> None:
        self._core = core

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        async def deliver(outgoing: Outgoing) -> str | None:
            mail = render(outgoing, address, self._settings)
            if mail is None:
                return None
            await self._smtp.send(mail)
            return str(mail["Message-ID"])

        return await send_in_order(messages, deliver)

    async def incoming(self, request: web.Request) -> web.StreamResponse:
        """One received message."""
        core = self._core
        if core is None:
            return unavailable("starting")
        try:
            inbound.verify(header(request, "Authorization"), self._settings.inbound_token)
            if request.content_type != MIME:
                raise InboundRejected(415, f"the body must be {MIME}")
            raw = await body(request)
            # Parsing MIME is CPU work that grows with the message: off the event loop.
            incoming = await asyncio.to_thread(inbound.receive, raw, self._settings)
        except InboundRejected as error:
            return refuse(error)
        if incoming.automatic is not None:
            return await self._record(core, incoming.automatic)
        if incoming.event is None:
            return web.Response(status=204)
        return await queue(core, [incoming.event], lambda: web.Response(status=202))

    async def _record(self, core: Core, automatic: Automatic) -> web.StreamResponse:
        """An auto-reply or bounce, in the transcript of the conversation it answers (when it
        names one of our messages and its customer is known); never queued for a turn."""
        try:
            customer = await _customer(core, automatic)
            if customer is not None and automatic.our_message is not None:
                await core.record(customer, [_status(automatic)])
        except MemoryUnavailable as exc:
            log.warning("automatic mail not recorded, the sender may retry: %s", exc)
            return unavailable("unavailable")
        log.info("automatic mail (%s) recorded, not answered", automatic.kind)
        return web.Response(status=202)


async def _customer(core: Core, automatic: Automatic) -> str | None:
    recipient = automatic.recipient
    if recipient is None:
        return None
    candidates = [recipient]
    if automatic.thread is not None:
        candidates.append(f"{UNVERIFIED}/{automatic.thread}/{recipient}")
    for user_id in candidates:
        customer = await core.customer_of(ChannelIdentity(channel=CHANNEL, user_id=user_id))
        if customer is not None:
            return customer
    return None


def _status(automatic: Automatic) -> StatusEntry:
    status: DeliveryStatus = "undeliverable" if automatic.kind == "bounce" else "delivered"
    return StatusEntry(
        at=utcnow(),
        message_id=automatic.our_message or "",
        status=status,
        detail=f"e-mail {automatic.kind}, not answered",
    )
