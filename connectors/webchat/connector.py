"""The web chat channel: the widget, its demo page, and the websocket they talk over.

Inbound, a page from an allowed origin opens the socket, says hello (with an identity the host
site signed, if any) and sends messages, each verified and read into an event by
:mod:`.inbound` and queued by the socket (:mod:`.socket`). Outbound, there is nothing to render
or post: sending to a web chat customer means telling their conversation's topic on the bus
that the transcript has new entries (:mod:`.client`); whichever worker holds their socket shows
them (:mod:`.outbound`), and a customer who is not connected sees them in the history when they
come back. With ``OMNIBOT_DIRECTLINE_SECRET``, the Direct Line routes (:mod:`.directline`) are
the connector's too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING

from aiohttp import web

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import TemporaryDeliveryError
from bot.format.messages import Address
from bot.http.limits import MAX_WEBCHAT_FRAME
from bot.http.sources import request_source
from connectors.channels import WEBCHAT
from connectors.webchat import client
from connectors.webchat.inbound import origin_allowed
from connectors.webchat.settings import CHANNEL, WebchatSettings
from connectors.webchat.socket import ChatSocket, SocketOptions

if TYPE_CHECKING:
    from connectors.webchat.directline.routes import DirectLine

log = logging.getLogger("omnibot.webchat")


def _static(name: str) -> bytes:
    return resources.files("connectors.webchat").joinpath("static", name).read_bytes()


class WebchatConnector(Connector):
    """``GET /chat``, ``GET /chat/widget.js`` and ``GET /chat/ws``."""

    channel = CHANNEL
    capabilities = WEBCHAT
    live = True

    def __init__(self, settings: WebchatSettings) -> None:
        self._settings = settings
        self._socket_options = SocketOptions(
            secret=settings.secret,
            limits=settings.limits,
            hello_timeout=settings.hello_timeout,
            heartbeat=settings.heartbeat,
        )
        self._core: Core | None = None
        self._sockets: set[ChatSocket] = set()
        self._directline = _directline(settings)
        self._widget = _static("widget.js")
        self._page = _static("chat.html").replace(b"{{title}}", _html(settings.title).encode())

    @property
    def settings(self) -> WebchatSettings:
        """What the connector was made with."""
        return self._settings

    def routes(self) -> Sequence[web.RouteDef]:
        routes = [
            web.get("/chat", self.page),
            web.get("/chat/widget.js", self.widget),
            web.get("/chat/ws", self.socket),
        ]
        if self._directline is not None:
            routes += self._directline.routes()
        return routes

    async def start(self, core: Core) -> None:
        self._core = core
        if self._directline is not None:
            await self._directline.start(core)

    async def closing(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._directline is not None:
            await self._directline.closing()

    def invite(self, code: str, token: str) -> str | None:
        base = self._settings.base_url
        return f"{base.rstrip('/')}/chat?link={token}" if base else None

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        if self._core is None:
            raise TemporaryDeliveryError("the web chat has not started")
        await client.notify(self._core.bus, address.conversation_id)
        return [Receipt(outgoing.message_id) for outgoing in messages]

    async def page(self, request: web.Request) -> web.Response:
        """A demo page with the widget open."""
        return web.Response(body=self._page, content_type="text/html", charset="utf-8")

    async def widget(self, request: web.Request) -> web.Response:
        """The widget script, for any site's ``<script src=.../chat/widget.js>``."""
        headers = {"Cache-Control": "public, max-age=300"}
        return web.Response(
            body=self._widget, content_type="text/javascript", charset="utf-8", headers=headers
        )

    async def socket(self, request: web.Request) -> web.StreamResponse:
        """The websocket; a page from an origin that is not allowed is refused before it opens."""
        if not origin_allowed(request.headers.get("Origin"), request.host, self._settings):
            raise web.HTTPForbidden(text="this origin may not open the chat")
        if self._core is None:
            raise web.HTTPServiceUnavailable(text="the chat is starting")
        ws = web.WebSocketResponse(max_msg_size=MAX_WEBCHAT_FRAME, heartbeat=30.0)
        await ws.prepare(request)
        chat = ChatSocket(ws, self._core, self._socket_options, request_source(request))
        self._sockets.add(chat)
        try:
            await chat.run()
        finally:
            self._sockets.discard(chat)
        return ws


def _directline(settings: WebchatSettings) -> DirectLine | None:
    """Direct Line 3.0 for the Bot Framework Web Chat, when its secret is set."""
    if not settings.directline_secret:
        return None
    from connectors.webchat.directline.routes import DirectLine

    return DirectLine(
        settings.directline_secret,
        bot_name=settings.title,
        public_url=settings.public_url,
        limits=settings.limits,
        heartbeat=settings.heartbeat,
    )


def _html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
