"""The web chat channel: the widget, its demo page, and the websocket they talk over.

Sending to a web chat customer means telling their conversation's topic on the bus that the
transcript has new entries; whichever worker holds their socket shows them, and a customer who
is not connected sees them in the history when they come back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import MemoryUnavailable, TemporaryDeliveryError
from bot.format.messages import Address
from bot.http import untrusted
from bot.http.limits import MAX_WEBCHAT_FRAME
from bot.http.sources import request_source
from connectors.channels import WEBCHAT
from connectors.webchat.rates import Limits
from connectors.webchat.socket import CHANNEL, ChatSocket, SocketOptions, topic

if TYPE_CHECKING:
    from connectors.webchat.directline import DirectLine

log = logging.getLogger("omnibot.webchat")


@dataclass(frozen=True, slots=True)
class WebchatOptions:
    """``OMNIBOT_WEBCHAT_ORIGINS``, ``OMNIBOT_WEBCHAT_SECRET``, ``OMNIBOT_PUBLIC_URL`` and the
    bot's title for the demo page."""

    origins: tuple[str, ...] = ()
    secret: str | None = None
    public_url: str | None = None
    title: str = "Chat"
    directline_secret: str | None = None
    limits: Limits = field(default_factory=Limits)
    hello_timeout: float = 10.0
    base_url: str | None = None
    """Where customers reach this server (``OMNIBOT_PUBLIC_URL``, else the local address):
    link codes become ``<base_url>/chat?link=<token>``."""


def _static(name: str) -> bytes:
    return resources.files("connectors.webchat").joinpath("static", name).read_bytes()


class WebchatConnector(Connector):
    """``GET /chat``, ``GET /chat/widget.js`` and ``GET /chat/ws``."""

    channel = CHANNEL
    capabilities = WEBCHAT
    live = True

    def __init__(self, options: WebchatOptions) -> None:
        self._options = options
        self._socket_options = SocketOptions(
            secret=options.secret, limits=options.limits, hello_timeout=options.hello_timeout
        )
        self._core: Core | None = None
        self._sockets: set[ChatSocket] = set()
        self._directline = _directline(options)
        self._widget = _static("widget.js")
        self._page = _static("chat.html").replace(b"{{title}}", _html(options.title).encode())

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
        base = self._options.base_url
        return f"{base.rstrip('/')}/chat?link={token}" if base else None

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        if self._core is None:
            raise TemporaryDeliveryError("the web chat has not started")
        try:
            await self._core.bus.publish(topic(address.conversation_id), b"new")
        except MemoryUnavailable as exc:
            raise TemporaryDeliveryError(f"web chat notification failed: {exc}") from exc
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
        if not self._origin_allowed(request):
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

    def _origin_allowed(self, request: web.Request) -> bool:
        """Browsers say where a page comes from; other clients send no ``Origin`` and are let
        in, since the check exists to stop other sites' pages from talking as a visitor."""
        origin = request.headers.get("Origin")
        if origin is None or "*" in self._options.origins:
            return True
        allowed = {o.rstrip("/") for o in self._options.origins}
        if self._options.public_url:
            public = urlsplit(self._options.public_url)
            allowed.add(f"{public.scheme}://{public.netloc}")
        return origin.rstrip("/") in allowed or untrusted.netloc(origin) == request.host


def _directline(options: WebchatOptions) -> DirectLine | None:
    """Direct Line 3.0 for the Bot Framework Web Chat, when its secret is set."""
    if not options.directline_secret:
        return None
    from connectors.webchat.directline import DirectLine

    return DirectLine(
        options.directline_secret,
        bot_name=options.title,
        public_url=options.public_url,
        limits=options.limits,
    )


def _html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
