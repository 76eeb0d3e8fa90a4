"""The Telegram channel: the webhook (or long polling), the file links, and sending.

Inbound, an update is verified (webhook secret, in constant time), read as an
:class:`~.api_types.Update` (the part of the Bot API omnibot reads), turned into an event (all
three in :mod:`.inbound`), and queued durably before Telegram hears "200". A button press is
answered in that same answer: Telegram runs a method named in a webhook's response, so the
client stops spinning without a request of our own.

Outbound, each rendered message becomes Bot API calls (:mod:`.outbound`), sent in order
(:mod:`connectors.sending`). Every call, the connector's own (``getMe``, ``setWebhook``,
``deleteWebhook``, ``getUpdates``, ``getFile``) included, goes through one client
(:mod:`.client`): the calls on kept-alive connections (:mod:`connectors.keepalive`), the long
poll and the file downloads on an aiohttp session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aiohttp
from aiohttp import web
from pydantic import JsonValue, ValidationError

from bot.connector import Connector, Core, Outgoing, Receipt, SubmitResult
from bot.errors import (
    DeliveryError,
    InboundRejected,
    MemoryUnavailable,
    TemporaryDeliveryError,
    Unreachable,
)
from bot.format.messages import Address
from bot.turn.tasks import TaskTracker, stop_task
from connectors.channels import TELEGRAM
from connectors.keepalive import KeepAlive
from connectors.sending import send_in_order
from connectors.telegram import api_types as tg
from connectors.telegram import client as api
from connectors.telegram import inbound
from connectors.telegram.callbacks import resolve
from connectors.telegram.files import FileLinks, FileProxy
from connectors.telegram.inbound import IGNORED, BotProfile, Parsed
from connectors.telegram.outbound import ApiCall, Target, render
from connectors.telegram.polling import Poller
from connectors.telegram.retrying import keep_trying
from connectors.telegram.settings import CHANNEL, FILES_PATH, WEBHOOK_PATH, TelegramSettings
from connectors.webhook import queue, refuse, unavailable

log = logging.getLogger("omnibot.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header's name
ALLOWED_UPDATES = ("message", "callback_query")
"""What the bot asks Telegram for; edited messages are deliberately left out (see the docs)."""
EXPIRED = {
    "en": "This button is no longer active.",
    "pt": "Este botão não está mais ativo.",
}


class TelegramConnector(Connector):
    """``POST /telegram/webhook`` (webhook mode) and ``GET /telegram/files/{file_id}``."""

    channel = CHANNEL
    capabilities = TELEGRAM

    def __init__(self, settings: TelegramSettings) -> None:
        self._settings = settings
        self._links = FileLinks(settings.token, settings.links_base)
        self._secret = (settings.webhook_secret or "").encode()
        self._core: Core | None = None
        self._api: api.BotApi | None = None
        self._http: aiohttp.ClientSession | None = None
        self._poster: KeepAlive | None = None
        self._files: FileProxy | None = None
        self._profile: BotProfile | None = None
        self._profile_lock = asyncio.Lock()
        self._stopped = asyncio.Event()
        self._setup: asyncio.Task[None] | None = None
        self._tasks = TaskTracker()

    @property
    def settings(self) -> TelegramSettings:
        """What the connector was made with."""
        return self._settings

    @property
    def links(self) -> FileLinks:
        """Signed links to the files customers sent (for anyone who needs a fresh one)."""
        return self._links

    def invite(self, code: str, token: str) -> str | None:
        """``https://t.me/<bot>?start=<token>``: opening it starts the bot, which receives
        ``/start <token>``; ``None`` until the bot's username is known (``getMe`` at start)."""
        profile = self._profile
        if profile is None or profile.username is None:
            return None
        return f"https://t.me/{profile.username}?start={token}"

    def routes(self) -> Sequence[web.RouteDef]:
        routes = [web.get(FILES_PATH + "/{file_id}", self.file)]
        if self._settings.mode == "webhook":
            routes.append(web.post(WEBHOOK_PATH, self.webhook))
        return routes

    async def start(self, core: Core) -> None:
        self._core = core
        # Kept-alive connections for the Bot API calls (the turns' and the connector's own);
        # an aiohttp pool for the long poll and the file proxy's downloads.
        self._http = aiohttp.ClientSession()
        self._poster = KeepAlive()
        self._api = api.BotApi(
            self._settings.token,
            self._settings.api_base,
            self._http,
            self._poster,
            seconds=self._settings.send_timeout,
            media_seconds=self._settings.media_timeout,
        )
        self._files = FileProxy(self._links, self._api)
        self._setup = asyncio.get_running_loop().create_task(self._set_up(), name="telegram")

    async def closing(self) -> None:
        # No new input from here on: polling stops, and so does a registration still retrying.
        self._stopped.set()
        await stop_task(self._setup)

    async def stop(self) -> None:
        self._stopped.set()
        await stop_task(self._setup)
        await self._tasks.drain(2.0)
        if self._http is not None:
            await self._http.close()
        if self._poster is not None:
            await self._poster.close()

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        if self._api is None:
            raise TemporaryDeliveryError("telegram has not started")
        client = self._api
        try:
            target = Target.of(address)
        except ValueError as exc:
            raise Unreachable(f"{address.conversation_id!r} is not a Telegram chat") from exc
        return await send_in_order(
            messages, lambda outgoing: self._deliver(client, target, outgoing)
        )

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        """An update from Telegram: verified, queued, then acknowledged (with the answer to a
        button press, if it is one)."""
        try:
            inbound.verify(request.headers.get(SECRET_HEADER), self._secret)
        except InboundRejected as error:
            return refuse(error)
        core = self._core
        if core is None:
            return unavailable("unavailable", "the bot is starting")
        try:
            update = inbound.read(await request.read())
        except InboundRejected as error:
            return refuse(error)
        try:
            parsed = await self._understand(core, update)
        except (MemoryUnavailable, DeliveryError) as exc:
            log.warning("update not accepted, Telegram will retry: %s", type(exc).__name__)
            return unavailable("unavailable", "the bot cannot take updates right now")
        events = [parsed.event] if parsed.event is not None else []
        return await queue(core, events, lambda: _acknowledge(parsed))

    async def file(self, request: web.Request) -> web.StreamResponse:
        """A customer's file, by a signed link (see :mod:`.files`)."""
        if self._files is None:
            raise web.HTTPServiceUnavailable(text="the bot is starting")
        return await self._files.handle(request)

    async def _understand(self, core: Core, update: tg.Update) -> Parsed:
        """The update's event, with a long button payload looked up; raises
        :class:`MemoryUnavailable`, or a :class:`DeliveryError` (``getMe``), when it cannot be
        decided yet."""
        profile = await self._who_am_i()
        try:
            parsed = inbound.parse(update, profile, self._links.link)
        except ValidationError:
            log.warning("update %s holds what omnibot cannot represent; ignored", update.update_id)
            return IGNORED
        if parsed.event is not None and parsed.digest is not None:
            payload = await resolve(core, parsed.event.sender, parsed.digest)
            language = (parsed.event.locale or "en").split("-")[0]
            parsed = parsed.with_payload(payload, EXPIRED.get(language, EXPIRED["en"]))
        return parsed

    async def _who_am_i(self) -> BotProfile:
        """The bot's id and username (``getMe``, once per process)."""
        if self._profile is not None:
            return self._profile
        async with self._profile_lock:
            if self._profile is None:
                assert self._api is not None  # started
                me = await self._api.get_me()
                self._profile = BotProfile(me.id, me.username)
        return self._profile

    async def _deliver(self, client: api.BotApi, target: Target, outgoing: Outgoing) -> str | None:
        """Send one message's calls; the provider id of the last one that made a message."""
        provider_id = None
        for call in render(outgoing.message, target):
            result = await self._call(client, call)
            provider_id = api.message_id(result) or provider_id
        return provider_id

    async def _call(self, client: api.BotApi, call: ApiCall) -> JsonValue:
        try:
            return await client.call(call.method, call.params)
        except api.TelegramBadRequest as exc:
            if call.fallback is None:
                raise
            log.info("Telegram refused a media message, sending its link instead: %s", exc)
            return await client.call(call.fallback.method, call.fallback.params)

    async def _set_up(self) -> None:
        """Learn who the bot is, then register the webhook or start polling; retried with
        backoff while Telegram cannot be reached, abandoned if it refuses the token."""
        client = self._api
        assert client is not None  # started
        if not await keep_trying("getMe", self._who_am_i, self._stopped):
            return
        if self._settings.mode == "polling":
            if await keep_trying("deleteWebhook", client.delete_webhook, self._stopped):
                await self._poller(client).run()
            return
        url = self._settings.webhook_url
        if url is None:
            return
        if await keep_trying("setWebhook", lambda: self._register(client, url), self._stopped):
            log.info("telegram webhook registered at %s", url)

    async def _register(self, client: api.BotApi, url: str) -> None:
        await client.set_webhook(url, self._settings.webhook_secret, ALLOWED_UPDATES)

    def _poller(self, client: api.BotApi) -> Poller:
        return Poller(
            client,
            self._accept,
            allowed_updates=ALLOWED_UPDATES,
            timeout=self._settings.poll_timeout,
            stopped=self._stopped,
        )

    async def _accept(self, update: tg.Update) -> bool:
        """A polled update: queued (or deliberately dropped) → ``True``; ``False`` when it must
        come again because the memory could not record it."""
        core = self._core
        assert core is not None  # started
        try:
            parsed = await self._understand(core, update)
            if parsed.event is not None:
                submission = await core.submit(parsed.event)
                if submission.result is SubmitResult.BUSY:
                    # Webhooks answer 503 and Telegram retries; a poller that waited would
                    # hold up every other customer behind one who floods the bot.
                    log.warning("update %s dropped: the customer's inbox is full", update.update_id)
        except (MemoryUnavailable, DeliveryError) as exc:
            log.warning("update %s not queued yet: %s", update.update_id, type(exc).__name__)
            return False
        if parsed.callback_id is not None:
            self._tasks.spawn(
                self._answer(parsed.callback_id, parsed.notice), name="telegram:answer"
            )
        return True

    async def _answer(self, callback_id: str, notice: str | None) -> None:
        assert self._api is not None  # started
        params: dict[str, str] = {"callback_query_id": callback_id}
        if notice:
            params["text"] = notice
        try:
            await self._api.call("answerCallbackQuery", params)
        except DeliveryError as exc:  # cosmetic: the client stops spinning after a while anyway
            log.info("a button press was not answered: %s", exc)


def _acknowledge(parsed: Parsed) -> web.Response:
    if parsed.callback_id is None:
        return web.Response()
    answer = {"method": "answerCallbackQuery", "callback_query_id": parsed.callback_id}
    if parsed.notice:
        answer["text"] = parsed.notice
    return web.json_response(answer)
