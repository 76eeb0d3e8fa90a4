"""The e-mail channel: received mail in by ``POST /email/inbound``, our mail out by SMTP.

``POST /email/inbound`` takes one message as raw MIME (``Content-Type: message/rfc822``) with
``Authorization: Bearer <EMAIL_INBOUND_TOKEN>``, from a mail server's pipe or a provider's
raw-MIME webhook. A customer's message is queued (its Message-ID deduplicates redeliveries); an
auto-reply or a bounce is recorded in the transcript of the conversation it answers, and never
answered. A sender our receiving server does not vouch for gets at most
:data:`UNVERIFIED_BURST` answers an hour, however many threads it starts: a forged ``From``
must not make the bot write to its victim without end (backscatter).

Beside it, in :mod:`.links`: the press links of the options in our mail and the one-click
unsubscribe of mail the business starts.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Sequence
from email.message import EmailMessage
from functools import partial

from aiohttp import web
from pydantic import ValidationError

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import InboundRejected, MemoryUnavailable
from bot.format.messages import Address, ChannelIdentity, InboundEvent, utcnow
from bot.format.outbound import Button
from bot.format.transcript import DeliveryStatus, StatusEntry
from bot.http.limits import reads_up_to
from bot.http.untrusted import body, header
from connectors.channels import EMAIL
from connectors.email import inbound
from connectors.email.attachments import MAX_REQUEST, EmailFiles
from connectors.email.client import SmtpClient
from connectors.email.inbound import OURS, UNVERIFIED, Automatic, recipient_of
from connectors.email.invite import invitation_address, invite_link
from connectors.email.links.buttons import ButtonLinks, Option, Press
from connectors.email.links.press import PressRoutes
from connectors.email.links.unsubscribe import UnsubscribeLinks, UnsubscribeRoutes
from connectors.email.outbound import MailLinks, choices, render
from connectors.email.settings import CHANNEL, EmailSettings
from connectors.sending import send_in_order
from connectors.webhook import queue, refuse, unavailable

log = logging.getLogger("omnibot.email")
MIME = "message/rfc822"
LOCAL_URL = "http://127.0.0.1:8080"
UNVERIFIED_BURST = 5
"""Answers an unverified sender may get at once, and then per hour: a person writing from a
domain without DMARC rarely sends a shop more than five mails an hour, and a forged ``From``
costs its victim at most that many."""
_UNVERIFIED_RATE = UNVERIFIED_BURST / 3600
_SENDER_LABEL = b"omnibot:email:unverified-senders"


class EmailConnector(Connector):
    """``POST /email/inbound``; sends through the SMTP server of ``EMAIL_SMTP_URL``.

    ``base_url`` is the bot's public URL, where the links in its mail lead (the options'
    press links, one-click unsubscribe only when it is ``https``, and the kept attachments);
    ``language`` the language of the pages they open. ``tls=False`` is for tests against a
    local SMTP server only.
    """

    channel = CHANNEL
    capabilities = EMAIL

    def __init__(
        self,
        settings: EmailSettings,
        base_url: str = LOCAL_URL,
        *,
        language: str = "en",
        tls: bool = True,
    ) -> None:
        self._settings = settings
        self._smtp = SmtpClient(settings.smtp, settings.timeout, tls=tls)
        self._files = EmailFiles(settings.inbound_token, base_url)
        self._core: Core | None = None
        self._language = language
        self._links = ButtonLinks(settings.inbound_token, base_url)
        self._presses = PressRoutes(self._links, base_url, address=self._pressed_at)
        self._one_click = base_url.lower().startswith("https://")
        self._unsubscribe_links = UnsubscribeLinks(settings.inbound_token, base_url)
        self._unsubscribes = UnsubscribeRoutes(self._unsubscribe_links, settings.sender)
        token = settings.inbound_token.encode()
        self._sender_key = hmac.new(token, _SENDER_LABEL, "sha256").digest()

    def routes(self) -> Sequence[web.RouteDef]:
        return [
            web.post("/email/inbound", self.incoming),
            *self._presses.routes(),
            *self._unsubscribes.routes(),
            *self._files.routes(),
        ]

    async def start(self, core: Core) -> None:
        self._core = core
        self._presses.start(core)
        self._unsubscribes.start(core)
        self._files.start(core)

    def invite(self, code: str, token: str) -> str | None:
        """A ``mailto:`` link to our address whose subject carries ``token`` (:mod:`.invite`)."""
        return invite_link(self._settings.sender, token)

    def invitation(self, contact: str, token: str) -> Address | None:
        """Where an invitation mailed to ``contact`` goes, a reply to it presenting ``token``."""
        return invitation_address(contact, token)

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        links = await self._mail_links(address, messages)

        async def deliver(outgoing: Outgoing) -> str | None:
            mail = render(outgoing, address, self._settings, links)
            if mail is None:
                return None
            await self._smtp.send(mail)
            return str(mail["Message-ID"])

        return await send_in_order(messages, deliver)

    async def _mail_links(self, address: Address, messages: Sequence[Outgoing]) -> MailLinks:
        """The links this send's mail can carry: none unless the customer is found."""
        started = address.thread_id is None
        options = any(choices(outgoing.message) for outgoing in messages)
        core = self._core
        if core is None or not (options or (started and self._one_click)):
            return MailLinks()
        try:
            customer = await core.customer_of(address.identity)
        except MemoryUnavailable as exc:
            log.info("e-mail sent without links, the memory is unavailable: %s", exc)
            return MailLinks()
        if customer is None:
            log.info("e-mail sent without links: its customer is not known")
            return MailLinks()

        one_click = (
            self._unsubscribe_links.issue(customer, address, self._language)
            if started and self._one_click
            else None
        )
        return MailLinks(partial(self._press_link, customer, address.user_id), one_click)

    def _press_link(
        self, customer_id: str, user_id: str, message_id: str, button: Button
    ) -> str | None:
        option = Option(
            customer_id, user_id, message_id, button.payload or "", button.title, self._language
        )
        try:
            return self._links.issue(option)
        except ValidationError:
            log.info("an option of an e-mail has no link: it does not fit in one")
            return None

    def _pressed_at(self, press: Press) -> Address:
        """Where a press's answer goes: the identity the mail went to, in the mail's thread
        (the thread of our Message-ID, which keeps the subject), answering that mail."""
        ours = OURS.fullmatch(press.message_id)
        return Address(
            channel=CHANNEL,
            user_id=press.user_id,
            conversation_id=ours.group(1) if ours else press.user_id,
            thread_id=press.message_id,
            bot_id=self._settings.sender,
        )

    @reads_up_to(MAX_REQUEST)
    async def incoming(self, request: web.Request) -> web.StreamResponse:
        """One received message (its attachments make it larger than other routes' bodies)."""
        core = self._core
        if core is None:
            return unavailable("starting")
        try:
            inbound.verify(header(request, "Authorization"), self._settings.inbound_token)
            if request.content_type != MIME:
                raise InboundRejected(415, f"the body must be {MIME}")
            raw = await body(request)
            # Parsing MIME is CPU work that grows with the message: off the event loop.
            message, incoming = await asyncio.to_thread(_received, raw, self._settings)
        except InboundRejected as error:
            return refuse(error)
        if incoming.automatic is not None:
            return await self._record(core, incoming.automatic)
        if incoming.event is None:
            return web.Response(status=204)
        try:
            answered = await self._may_answer(core, incoming.event)
            if not answered:
                return web.Response(status=202)
            sender = inbound.recipient_of(incoming.event.address)
            event = await self._files.keep(core, incoming.event, message, sender)
        except MemoryUnavailable as exc:
            log.warning("mail not accepted, the sender may retry: %s", exc)
            return unavailable("unavailable")
        return await queue(core, [event], lambda: web.Response(status=202))

    async def _may_answer(self, core: Core, event: InboundEvent) -> bool:
        """Whether an unverified sender is within its limit (a verified one always is). Over
        it the mail is dropped with a 202, not refused: a refusal would make the sending
        server bounce it to the ``From``, the very address that may be forged."""
        if not event.address.user_id.startswith(UNVERIFIED + "/"):
            return True
        sender = recipient_of(event.address).encode()
        digest = hmac.new(self._sender_key, sender, "sha256").hexdigest()[:16]
        if await core.allow(f"email-unverified:{digest}", UNVERIFIED_BURST, _UNVERIFIED_RATE):
            return True
        log.info(
            "mail from unverified sender #%s not answered: over %d an hour",
            digest,
            UNVERIFIED_BURST,
        )
        return False

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


def _received(raw: bytes, settings: EmailSettings) -> tuple[EmailMessage, inbound.Incoming]:
    """The message as read, and what it is (:func:`inbound.read`, then :func:`inbound.parse`)."""
    message = inbound.read(raw)
    return message, inbound.parse(raw, message, settings)


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
