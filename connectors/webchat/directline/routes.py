"""Direct Line 3.0's routes, the subset the Bot Framework Web Chat needs, so it can be the bot's
front end.

A Direct Line conversation is a web chat conversation of its own (``dl:<conversationId>``, see
:func:`~connectors.webchat.directline.inbound.address_of`), and the transcript is the truth:
what a client posts is submitted like any customer message, and what it is shown, its own
messages included, is read from the transcript after its watermark, which is a transcript entry
id, as the conversation's identity may see it (its own side's past and everything since each
join: :mod:`bot.identity.visibility`). The web chat connector announces what it sends on the
conversation's bus topic, and the core anything said on any channel of the customer on the
customer's; every stream of that conversation, on any worker, then reads what is new. Routes, as
on the real service:

- ``POST /v3/directline/tokens/generate`` (the secret): a token bound to a new conversation;
- ``POST /v3/directline/tokens/refresh`` (a token): a fresh token for the same conversation;
- ``POST /v3/directline/conversations`` (the secret or a token): start, with a ``streamUrl``;
- ``GET /v3/directline/conversations/{id}`` (reconnect): a new ``streamUrl``;
- ``POST /v3/directline/conversations/{id}/activities``: post an activity;
- ``GET /v3/directline/conversations/{id}/activities``: poll for activities after a watermark;
- ``GET /v3/directline/conversations/{id}/stream``: the websocket of activity sets.

Cross-origin requests are allowed from any page: every request carries its credential in the
``Authorization`` header, never in a cookie, so a page without the secret or a token gets nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from aiohttp import web
from pydantic import BaseModel

from bot.connector import Core, SubmitResult
from bot.errors import MemoryUnavailable
from bot.http import untrusted
from bot.http.limits import MAX_DIRECTLINE_FRAME
from bot.http.sources import client_source, request_source
from connectors.webchat.client import topic
from connectors.webchat.directline import inbound
from connectors.webchat.directline.inbound import address_of
from connectors.webchat.directline.outbound import Activity, ActivitySet, render
from connectors.webchat.directline.tokens import (
    CONVERSATION_ID,
    DirectLineRefused,
    Grant,
    Tokens,
    new_conversation_id,
)
from connectors.webchat.feed import CustomerFeed
from connectors.webchat.presence import PageMark, polled
from connectors.webchat.rates import Gate, Limits
from connectors.webchat.settings import Heartbeat

log = logging.getLogger("omnibot.webchat.directline")

PREFIX = "/v3/directline"
PAGE = 100
MAX_PAGES = 5
HEARTBEAT = 30.0
START = "0-0"
"""Before every transcript entry id."""
ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
_CORS = {"Access-Control-Allow-Origin": "*"}
_TOKEN_IN_URL = re.compile(r"([?&]t=)[^&\s\"]+")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: the holder of the secret (``grant`` is ``None``) or of a token."""

    grant: Grant | None

    def allowed(self, conversation_id: str) -> bool:
        """The secret opens every conversation; a token only its own."""
        return self.grant is None or self.grant.conversation_id == conversation_id


class DirectLine:
    """The Direct Line routes of the web chat connector (on when ``OMNIBOT_DIRECTLINE_SECRET``
    is set)."""

    def __init__(
        self,
        secret: str,
        *,
        bot_name: str = "bot",
        public_url: str | None = None,
        limits: Limits | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self._tokens = Tokens(secret)
        self._heartbeat = heartbeat or Heartbeat()
        self._bot_name = bot_name
        self._public_url = public_url.rstrip("/") if public_url else None
        self._limits = limits or Limits()
        self._gate: Gate | None = None
        self._core: Core | None = None
        self._streams: set[Stream] = set()

    def routes(self) -> list[web.RouteDef]:
        """Every route under ``/v3/directline``."""
        conversation = f"{PREFIX}/conversations/{{conversation}}"
        return [
            web.post(f"{PREFIX}/tokens/generate", _api(self.generate)),
            web.post(f"{PREFIX}/tokens/refresh", _api(self.refresh)),
            web.post(f"{PREFIX}/conversations", _api(self.start_conversation)),
            web.get(conversation, _api(self.reconnect), allow_head=False),
            web.post(f"{conversation}/activities", _api(self.post_activity)),
            web.get(f"{conversation}/activities", _api(self.activities), allow_head=False),
            web.get(f"{conversation}/stream", _api(self.stream), allow_head=False),
            web.route("OPTIONS", f"{PREFIX}/{{path:.*}}", preflight),
        ]

    async def start(self, core: Core) -> None:
        """Start answering (the access log never records query strings, where stream tokens
        travel: see bot.access_log)."""
        self._core = core
        self._gate = Gate(core, self._limits)

    async def closing(self) -> None:
        """Close every stream; clients reconnect (to another worker, or after the restart)."""
        for stream in list(self._streams):
            await stream.close()

    async def generate(self, request: web.Request) -> web.Response:
        """``POST tokens/generate``: with the secret, a token bound to a new conversation."""
        if self._caller(request).grant is not None:
            raise DirectLineRefused(403, "BadArgument", "tokens are generated with the secret")
        return self._token_response(self._tokens.issue(new_conversation_id()))

    async def refresh(self, request: web.Request) -> web.Response:
        """``POST tokens/refresh``: with a token that has not expired, a fresh one."""
        grant = self._caller(request).grant
        if grant is None:
            raise DirectLineRefused(403, "BadArgument", "only a token can be refreshed")
        return self._token_response(self._tokens.issue(grant.conversation_id))

    async def start_conversation(self, request: web.Request) -> web.Response:
        """``POST conversations``: a new conversation with the secret, the token's with one."""
        caller = self._caller(request)
        conversation = caller.grant.conversation_id if caller.grant else new_conversation_id()
        return _json(self._session(request, conversation, caller, None), status=201)

    async def reconnect(self, request: web.Request) -> web.Response:
        """``GET conversations/{id}``: a new stream URL, resuming after ``watermark``."""
        conversation, caller = self._conversation(request)
        watermark = _watermark(request.query.get("watermark"))
        return _json(self._session(request, conversation, caller, watermark))

    async def post_activity(self, request: web.Request) -> web.Response:
        """``POST conversations/{id}/activities``: answered once the activity is queued."""
        conversation, _ = self._conversation(request)
        core = self._ready()
        activity = inbound.read(await request.read())
        source = request_source(request)
        event = inbound.parse(activity, conversation, client_source(source))
        if event is None:
            return _json({"id": f"{conversation}|{secrets.token_urlsafe(8)}"})
        assert self._gate is not None  # started with the core
        refusal = await self._gate.refusal(event, source)
        if refusal is not None:
            raise DirectLineRefused(429, "Throttled", refusal)
        submission = await core.submit(event)
        if submission.result is SubmitResult.BUSY:
            raise DirectLineRefused(429, "Throttled", "too many messages are waiting; retry soon")
        return _json({"id": f"{conversation}|{event.event_id}"})

    async def activities(self, request: web.Request) -> web.Response:
        """``GET conversations/{id}/activities``: what came after ``watermark`` (polling)."""
        conversation, _ = self._conversation(request)
        after = _watermark(request.query.get("watermark"))
        shown: list[Activity] = []
        for _ in range(MAX_PAGES):
            read_ = await read(self._ready(), conversation, after, self._bot_name)
            if read_.last is None:
                break
            shown.extend(read_.activities)
            after = read_.last
        if read_.customer is not None:  # a client that polls is open while it polls
            await polled(self._ready(), read_.customer, conversation, self._heartbeat)
        return _json(ActivitySet(activities=tuple(shown), watermark=after))

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """``GET conversations/{id}/stream``: the websocket; ``t`` is the stream URL's token."""
        conversation = self._streamer(request)
        core = self._ready()
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_DIRECTLINE_FRAME)
        await ws.prepare(request)
        mark = PageMark(core, self._heartbeat, lambda: not ws.closed)
        stream = Stream(ws, core, conversation, self._bot_name, mark)
        self._streams.add(stream)
        try:
            await stream.run(_watermark(request.query.get("watermark")))
        finally:
            self._streams.discard(stream)
        return ws

    def _caller(self, request: web.Request) -> Caller:
        scheme, _, credential = (untrusted.header(request, "Authorization") or "").partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise DirectLineRefused(401, "BadArgument", "Missing token or secret")
        if self._tokens.is_secret(credential):
            return Caller(None)
        return Caller(self._tokens.verify(credential))

    def _conversation(self, request: web.Request) -> tuple[str, Caller]:
        """The conversation of the route, once the caller may use it."""
        caller = self._caller(request)
        conversation = request.match_info["conversation"]
        if not caller.allowed(conversation):
            raise DirectLineRefused(403, "TokenInvalid", "the token is for another conversation")
        if not CONVERSATION_ID.match(conversation):
            raise DirectLineRefused(400, "BadArgument", "malformed conversation id")
        return conversation, caller

    def _streamer(self, request: web.Request) -> str:
        """A stream opens with the stream URL's token (browsers cannot set headers on a
        websocket) or, for other clients, the usual ``Authorization`` header."""
        conversation = request.match_info["conversation"]
        token = request.query.get("t")
        if token is None:
            return self._conversation(request)[0]
        if not Caller(self._tokens.verify(token, "stream", "conversation")).allowed(conversation):
            raise DirectLineRefused(403, "TokenInvalid", "the token is for another conversation")
        return conversation

    def _session(
        self, request: web.Request, conversation: str, caller: Caller, watermark: str | None
    ) -> dict[str, object]:
        grant = caller.grant or self._tokens.issue(conversation)
        return {
            "conversationId": conversation,
            "token": grant.token,
            "expires_in": self._tokens.expires_in(grant),
            "streamUrl": self._stream_url(request, conversation, watermark),
        }

    def _stream_url(self, request: web.Request, conversation: str, watermark: str | None) -> str:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
        secure = request.secure or forwarded == "https"
        base = self._public_url or f"{'https' if secure else 'http'}://{request.host}"
        base = "ws" + base.removeprefix("http")
        query = {"t": self._tokens.issue(conversation, "stream").token}
        if watermark is not None:
            query = {"watermark": watermark, **query}
        return f"{base}{PREFIX}/conversations/{conversation}/stream?{urlencode(query)}"

    def _token_response(self, grant: Grant) -> web.Response:
        return _json(
            {
                "conversationId": grant.conversation_id,
                "token": grant.token,
                "expires_in": self._tokens.expires_in(grant),
            }
        )

    def _ready(self) -> Core:
        if self._core is None:
            raise DirectLineRefused(503, "ServiceError", "the bot is starting")
        return self._core


class Stream:
    """One client's websocket: activity sets from its watermark on, until it closes.

    Nothing the client sends is read (Direct Line clients post over HTTP and send only keep-alive
    frames); aiohttp's pings find dead connections.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        core: Core,
        conversation: str,
        bot_name: str,
        mark: PageMark | None = None,
    ) -> None:
        self._ws = ws
        self._core = core
        self._conversation = conversation
        self._bot_name = bot_name
        self._dirty = asyncio.Event()
        self._after: str | None = None
        self._feed = CustomerFeed(core.bus, self._poke, mark)

    async def run(self, after: str | None) -> None:
        """Send what came after ``after`` (everything when ``None``), then whatever comes."""
        self._after = after
        address = address_of(self._conversation)
        try:
            subscription = await self._core.bus.subscribe(
                topic(address.conversation_id), self._poke
            )
        except MemoryUnavailable:
            await self._ws.close(code=1011, message=b"the bot is reconnecting")
            return
        pusher = asyncio.get_running_loop().create_task(self._push(), name="directline-push")
        self._dirty.set()
        try:
            async for _ in self._ws:
                pass
        finally:
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pusher
            await subscription.cancel()
            await self._feed.close()

    async def close(self) -> None:
        """Close from the server side (shutdown)."""
        await self._ws.close(code=1001, message=b"the server is restarting")

    def _poke(self, message: bytes) -> None:
        self._dirty.set()

    async def _push(self) -> None:
        delay = 0.2
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._drain()
                delay = 0.2
            except MemoryUnavailable:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                self._dirty.set()

    async def _drain(self) -> None:
        while True:
            read_ = await read(self._core, self._conversation, self._after, self._bot_name)
            if await self._feed.follow(read_.customer):
                self._dirty.set()  # announced before this stream listened: read once more
            if read_.last is None:
                return
            self._after = read_.last
            if read_.activities:
                activities = tuple(read_.activities)
                await self._send(ActivitySet(activities=activities, watermark=read_.last))

    async def _send(self, activities: ActivitySet) -> None:
        if not self._ws.closed:
            with contextlib.suppress(ConnectionResetError):
                await self._ws.send_str(activities.model_dump_json(exclude_none=True))


@dataclass(frozen=True, slots=True)
class Read:
    """A page of a conversation as its client is shown it: the activities, the id of the last
    transcript entry read (``None`` when there was none) and the customer it belongs to now."""

    activities: list[Activity]
    last: str | None
    customer: str | None


async def read(core: Core, conversation: str, after: str | None, bot_name: str) -> Read:
    """The next page of the conversation after ``after`` (from the start when ``None``), as its
    identity may see it."""
    identity = address_of(conversation).identity
    customer = await core.customer_of(identity)
    if customer is None:
        return Read([], None, None)
    page = await core.shown(customer, identity, after or START, PAGE)
    shown = [a for logged in page.entries if (a := render(logged, conversation, bot_name))]
    return Read(shown, page.last, customer)


async def preflight(request: web.Request) -> web.Response:
    """CORS preflight: any page may ask; its credential decides what it gets."""
    requested = untrusted.header(request, "Access-Control-Request-Headers") or ""
    headers = {
        **_CORS,
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": requested[:1000] or "Authorization, Content-Type",
        "Access-Control-Max-Age": "600",
    }
    return web.Response(status=204, headers=headers)


def _api(handler: Handler) -> Handler:
    """Answers refusals as the real service does (``{"error": {"code", "message"}}``) and lets
    pages of other origins read every answer."""

    @wraps(handler)
    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            response = await handler(request)
        except DirectLineRefused as exc:
            log.info("direct line request refused: %s %s", exc.status, exc.reason)
            response = _error(exc.status, exc.code, exc.reason)
        except MemoryUnavailable:
            response = _error(503, "ServiceError", "the bot is reconnecting; retry soon")
        if not response.prepared:
            response.headers.update(_CORS)
        return response

    return answer


def _error(status: int, code: str, message: str) -> web.Response:
    response = _json({"error": {"code": code, "message": message}}, status=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _json(body: dict[str, object] | BaseModel, status: int = 200) -> web.Response:
    if isinstance(body, BaseModel):
        text = body.model_dump_json(exclude_none=True)
        return web.Response(text=text, status=status, content_type="application/json")
    return web.json_response(body, status=status)


def _watermark(value: str | None) -> str | None:
    """A watermark is a transcript entry id; anything else (``-``, empty, ``undefined``, which
    DirectLineJS sends before it has one) means from the start."""
    return value if value is not None and ENTRY_ID.match(value) else None
