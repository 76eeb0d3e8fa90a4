"""WhatsApp on Meta's Cloud API: one webhook in, the Graph API out.

``GET /whatsapp/webhook`` answers Meta's subscription check. ``POST /whatsapp/webhook`` takes
signed notifications: the signature is checked on the raw body before anything reads it, what
is older than the deduplication window is dropped as a possible replay (:mod:`.replay`), the
customers' messages are queued (WhatsApp's message id deduplicates Meta's redeliveries), the
statuses of ours are recorded in the customers' transcripts, and the notification is
acknowledged with a 200 (Meta retries anything else, for days).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import InboundRejected, MemoryUnavailable, TemporaryDeliveryError
from bot.format.messages import Address, ChannelIdentity, utcnow
from bot.format.transcript import StatusEntry
from bot.http import untrusted
from connectors.channels import WHATSAPP
from connectors.sending import send_in_order
from connectors.webhook import queue, refuse, unavailable
from connectors.whatsapp import inbound, replay
from connectors.whatsapp.client import GraphApi
from connectors.whatsapp.inbound import SIGNATURE_HEADER, Parsed, StatusReport
from connectors.whatsapp.invite import invite_link
from connectors.whatsapp.outbound import render
from connectors.whatsapp.settings import CHANNEL, WEBHOOK_PATH, WhatsappSettings

log = logging.getLogger("omnibot.whatsapp")


class WhatsappConnector(Connector):
    """``GET`` and ``POST /whatsapp/webhook``; sends through the Graph API."""

    channel = CHANNEL
    capabilities = WHATSAPP

    def __init__(self, settings: WhatsappSettings) -> None:
        self._settings = settings
        self._secret = settings.app_secret.encode()
        self._core: Core | None = None
        self._http: aiohttp.ClientSession | None = None
        self._api: GraphApi | None = None

    @property
    def settings(self) -> WhatsappSettings:
        """What the connector was made with."""
        return self._settings

    def routes(self) -> Sequence[web.RouteDef]:
        return [web.get(WEBHOOK_PATH, self.subscription), web.post(WEBHOOK_PATH, self.webhook)]

    async def start(self, core: Core) -> None:
        self._http = aiohttp.ClientSession()
        self._api = GraphApi(
            self._settings.messages_url,
            self._settings.access_token,
            self._http,
            self._settings.timeout,
        )
        self._core = core

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()

    def invite(self, code: str, token: str) -> str | None:
        """``https://wa.me/<number>?text=link%20<code>`` (see :mod:`.invite`); ``None`` when
        the business number is not configured."""
        number = self._settings.display_number
        return invite_link(number, code) if number else None

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        api = self._api
        if api is None:
            raise TemporaryDeliveryError("whatsapp has not started")
        to = address.user_id.removeprefix("+")
        button = self._settings.list_button

        async def deliver(outgoing: Outgoing) -> str | None:
            wamid = None
            for body in render(outgoing.message, to, outgoing.message_id, button):
                wamid = await api.send(body)
            return wamid

        return await send_in_order(messages, deliver)

    async def subscription(self, request: web.Request) -> web.StreamResponse:
        """Meta's subscription check: its challenge back, if it knows our verify token."""
        try:
            challenge = inbound.subscribe(request.query, self._settings.verify_token)
        except InboundRejected as error:
            return refuse(error)
        return web.Response(text=challenge, content_type="text/plain")

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        """A signed notification: messages queued, statuses recorded, then a 200."""
        try:
            raw = await untrusted.body(request)
            inbound.verify(raw, untrusted.header(request, SIGNATURE_HEADER), self._secret)
            notification = replay.current(inbound.read(raw), utcnow(), self._settings.replay_window)
            if notification is None:
                raise InboundRejected(403, "older than the deduplication window: a replay?")
        except InboundRejected as error:
            return refuse(error)
        core = self._core
        if core is None:
            return unavailable("unavailable", "the bot is starting")
        try:
            parsed = inbound.parse(notification, self._settings.phone_number_id)
        except ValidationError:
            log.warning("a notification holds what omnibot cannot represent; ignored")
            parsed = Parsed()
        try:
            for report in parsed.statuses:
                await _record(core, report)
        except MemoryUnavailable as exc:
            log.warning("statuses not recorded, Meta will retry: %s", exc)
            return unavailable("unavailable", "the bot's memory cannot be reached")
        return await queue(core, parsed.events, web.Response)


async def _record(core: Core, report: StatusReport) -> None:
    """Append ``report`` to the transcript of the customer it was sent to (a number no
    customer has, such as one whose data was erased, is ignored)."""
    customer = await core.customer_of(ChannelIdentity(channel=CHANNEL, user_id=report.recipient))
    if customer is None:
        return
    entry = StatusEntry(
        at=utcnow(), message_id=report.message_id, status=report.status, detail=report.detail
    )
    await core.record(customer, [entry])
