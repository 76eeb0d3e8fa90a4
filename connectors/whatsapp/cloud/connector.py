"""WhatsApp on Meta's Cloud API: one webhook in, the Graph API out.

``GET /whatsapp/webhook`` answers Meta's subscription check. ``POST /whatsapp/webhook`` takes
signed notifications: the signature is checked on the raw body before anything reads it, what
is older than the deduplication window is dropped as a possible replay (:mod:`.replay`), the
customers' messages are queued (WhatsApp's message id deduplicates Meta's redeliveries), the
statuses of ours are recorded in the customers' transcripts, and the notification is
acknowledged with a 200 (Meta retries anything else, for days).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import partial

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import InboundRejected, MemoryUnavailable, TemporaryDeliveryError
from bot.format.messages import Address, utcnow
from bot.http import untrusted
from bot.turn.tasks import TaskTracker
from connectors.channels import WHATSAPP
from connectors.keepalive import KeepAlive
from connectors.sending import send_in_order
from connectors.webhook import queue, refuse, unavailable
from connectors.whatsapp.cloud import inbound, reading, replay
from connectors.whatsapp.cloud.client import GraphApi
from connectors.whatsapp.cloud.inbound import SIGNATURE_HEADER, Parsed
from connectors.whatsapp.cloud.media import GraphMedia, MediaProxy, media_links
from connectors.whatsapp.cloud.outbound import render
from connectors.whatsapp.cloud.pacing import Pacer
from connectors.whatsapp.cloud.settings import MEDIA_PATH, WEBHOOK_PATH, WhatsappSettings
from connectors.whatsapp.invite import invite_link
from connectors.whatsapp.rules import CHANNEL
from connectors.whatsapp.statuses import record_status

log = logging.getLogger("omnibot.whatsapp")


class WhatsappConnector(Connector):
    """``GET`` and ``POST /whatsapp/webhook`` and ``GET /whatsapp/media/{media_id}``; sends
    through the Graph API, paced (:mod:`.pacing`)."""

    channel = CHANNEL
    capabilities = WHATSAPP

    def __init__(self, settings: WhatsappSettings) -> None:
        self._settings = settings
        self._secret = settings.app_secret.encode()
        self._core: Core | None = None
        self._http: aiohttp.ClientSession | None = None
        self._poster: KeepAlive | None = None
        self._api: GraphApi | None = None
        self._links = media_links(settings)
        self._media: MediaProxy | None = None
        self._pacer: Pacer | None = None
        self._stopped = asyncio.Event()
        self._tasks = TaskTracker()

    @property
    def settings(self) -> WhatsappSettings:
        """What the connector was made with."""
        return self._settings

    def routes(self) -> Sequence[web.RouteDef]:
        return [
            web.get(WEBHOOK_PATH, self.subscription),
            web.post(WEBHOOK_PATH, self.webhook),
            web.get(MEDIA_PATH + "/{media_id}", self.media),
        ]

    async def start(self, core: Core) -> None:
        # Kept-alive connections for the sends and read marks; aiohttp for media downloads.
        self._http = aiohttp.ClientSession()
        self._poster = KeepAlive()
        self._api = GraphApi(
            self._settings.messages_url,
            self._settings.access_token,
            self._poster,
            self._settings.timeout,
        )
        self._media = MediaProxy(self._links, GraphMedia(self._settings, self._http))
        number = self._settings.phone_number_id
        self._pacer = Pacer(core.allow_all, number, self._settings.pacing, self._stopped)
        self._core = core

    async def stop(self) -> None:
        self._stopped.set()
        await self._tasks.drain(2.0)
        if self._http is not None:
            await self._http.close()
        if self._poster is not None:
            await self._poster.close()

    def invite(self, code: str, token: str) -> str | None:
        """``https://wa.me/<number>?text=link%20<code>`` (see :mod:`connectors.whatsapp.invite`);
        ``None`` when
        the business number is not configured."""
        number = self._settings.display_number
        return invite_link(number, code) if number else None

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        api, pacer = self._api, self._pacer
        if api is None or pacer is None:
            raise TemporaryDeliveryError("whatsapp has not started")
        to = address.user_id.removeprefix("+")
        button = self._settings.list_button

        async def deliver(outgoing: Outgoing) -> str | None:
            wamid = None
            for body in render(outgoing.message, to, outgoing.message_id, button):
                wamid = await pacer.send(to, partial(api.send, body))
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
            parsed = inbound.parse(notification, self._settings.phone_number_id, self._links.link)
        except ValidationError:
            log.warning("a notification holds what omnibot cannot represent; ignored")
            parsed = Parsed()
        try:
            for report in parsed.statuses:
                await record_status(core, report)
        except MemoryUnavailable as exc:
            log.warning("statuses not recorded, Meta will retry: %s", exc)
            return unavailable("unavailable", "the bot's memory cannot be reached")
        return await queue(core, parsed.events, lambda: self._acknowledge(parsed))

    async def media(self, request: web.Request) -> web.StreamResponse:
        """A customer's media, by a signed link (see :mod:`.media`)."""
        if self._media is None:
            raise web.HTTPServiceUnavailable(text="the bot is starting")
        return await self._media.handle(request)

    def _acknowledge(self, parsed: Parsed) -> web.Response:
        """The 200 for Meta; the customers' latest messages are marked read, with the typing
        indicator, in the background (:mod:`.reading`)."""
        read = reading.latest(parsed.events)
        if read and self._api is not None:
            self._tasks.spawn(reading.acknowledge(self._api.mark_read, read), name="whatsapp:read")
        return web.Response()
