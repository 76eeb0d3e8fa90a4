"""WhatsApp through Twilio: two signed webhooks in, Twilio's Messages API out.

``POST /whatsapp/twilio``: a customer's WhatsApp message. The signature is checked as for SMS,
the form read, the event queued (its ``MessageSid`` deduplicates Twilio's retries) and the
answer is empty TwiML. ``POST /whatsapp/twilio/status``: what became of a message we sent,
recorded in the customer's transcript. ``GET /whatsapp/twilio/media/{file_id}``: a customer's
medium, by a signed link (:mod:`.media`). Replies go from the sender the customer wrote to (the
address's ``bot_id``), else from ``TWILIO_WHATSAPP_FROM``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial

import aiohttp
from aiohttp import web

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import InboundRejected
from bot.format.messages import Address
from bot.format.outbound import Template
from connectors.channels import WHATSAPP
from connectors.sending import send_in_order
from connectors.twilio.signature import SignatureCheck, verified_form
from connectors.twilio.status_route import answer_status
from connectors.webhook import queue, refuse, unavailable
from connectors.whatsapp.rules import CHANNEL, StatusReport
from connectors.whatsapp.statuses import record_status
from connectors.whatsapp.twilio import inbound, outbound
from connectors.whatsapp.twilio.client import messages
from connectors.whatsapp.twilio.media import MediaProxy, TwilioMedia, media_links
from connectors.whatsapp.twilio.settings import (
    INBOUND_PATH,
    MEDIA_PATH,
    PREFIX,
    STATUS_PATH,
    TwilioWhatsappSettings,
)

log = logging.getLogger("omnibot.whatsapp.twilio")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


class TwilioWhatsappConnector(Connector):
    """``POST /whatsapp/twilio`` and ``/whatsapp/twilio/status``; sends through Twilio.

    Its capabilities are the WhatsApp row with as many choices as the Content API templates
    reach (:attr:`~.settings.TwilioContent.reach`): the core numbers the rest, so that a
    typed "2" means the second option as on SMS.
    """

    channel = CHANNEL

    def __init__(self, settings: TwilioWhatsappSettings) -> None:
        self._settings = settings
        self.capabilities = WHATSAPP.model_copy(update={"buttons": settings.content.reach})
        self._signature = SignatureCheck(settings.auth_token, settings.public_url)
        self._messages = messages(settings)
        self._links = media_links(settings)
        self._http: aiohttp.ClientSession | None = None
        self._media: MediaProxy | None = None
        self._core: Core | None = None

    @property
    def settings(self) -> TwilioWhatsappSettings:
        """What the connector was made with."""
        return self._settings

    def routes(self) -> Sequence[web.RouteDef]:
        return [
            web.post(INBOUND_PATH, self.incoming),
            web.post(STATUS_PATH, self.status),
            web.get(MEDIA_PATH + "/{file_id}", self.media),
        ]

    async def start(self, core: Core) -> None:
        await self._messages.open()
        self._http = aiohttp.ClientSession()
        self._media = MediaProxy(self._links, TwilioMedia(self._settings, self._http))
        self._core = core

    async def stop(self) -> None:
        try:
            await self._messages.close()
        finally:
            if self._http is not None:
                await self._http.close()

    def sends_to(self, address: Address) -> bool:
        """Whether the customer last wrote through Twilio (our sender is the ``bot_id``)."""
        return (address.bot_id or "").startswith(PREFIX)

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        sender = address.bot_id if self.sends_to(address) else self._settings.sender
        to = PREFIX + address.user_id
        public = self._settings.public_url
        content = self._settings.content

        async def deliver(outgoing: Outgoing) -> str | None:
            callback = outbound.status_callback(public, outgoing.message_id) if public else None
            # an approved template belongs to the account's own sender, TWILIO_WHATSAPP_FROM
            source = self._settings.sender if isinstance(outgoing.message, Template) else sender
            sid = None
            for part in outbound.render(outgoing.message, content):
                accepted = await self._messages.create(
                    outbound.fields(part, to, source or self._settings.sender, callback)
                )
                sid = sid or accepted.sid
            return sid

        return await send_in_order(messages, deliver)

    async def incoming(self, request: web.Request) -> web.StreamResponse:
        """A customer's WhatsApp message, from Twilio."""
        core = self._core
        if core is None:
            return unavailable("starting")
        try:
            form = await verified_form(request, self._signature)
            event = inbound.parse(form, self._settings.account_sid, self._links.link)
        except InboundRejected as error:
            return refuse(error)
        return await queue(core, [event] if event is not None else [], _twiml)

    async def media(self, request: web.Request) -> web.StreamResponse:
        """A customer's medium, by a signed link (see :mod:`.media`)."""
        if self._media is None:
            raise web.HTTPServiceUnavailable(text="the bot is starting")
        return await self._media.handle(request)

    async def status(self, request: web.Request) -> web.StreamResponse:
        """A status callback for a message we sent."""
        core = self._core
        record = None if core is None else partial(record_status, core)

        def read(form: Mapping[str, str]) -> StatusReport | None:
            return inbound.parse_status(form, request.query, self._settings.account_sid)

        return await answer_status(request, self._signature, read, record, log)


def _twiml() -> web.Response:
    """Twilio's acknowledgement: TwiML that sends nothing back."""
    return web.Response(text=EMPTY_TWIML, content_type="text/xml", charset="utf-8")
