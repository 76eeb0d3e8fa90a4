"""One browser's websocket: hello, catch-up from the transcript, then messages both ways.

The socket never holds a message only in memory: what the customer sends is submitted (durably
queued) before it is acknowledged, and what the bot says is read from the transcript, from the
last entry this socket showed. A notification on the bus says "look again": one on the
conversation's topic for what is sent to this chat, one on the customer's topic for anything
said on any of their channels (followed to another customer when a join moves this chat); if one
is lost, the next one, or the next reconnect, catches up. What is shown is the customer's view
for this chat's identity: its own side's past and everything since each join
(:mod:`bot.identity.visibility`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import ValidationError

from bot.connector import Core, SubmitResult
from bot.desk.handoff import TYPING, conversation_topic
from bot.errors import InboundRejected, MemoryUnavailable
from bot.format.transcript import NoteEntry
from bot.http.sources import client_source
from bot.identity.visibility import Page
from bot.turn.tasks import stop_task
from connectors.webchat import inbound
from connectors.webchat.client import topic
from connectors.webchat.feed import CustomerFeed
from connectors.webchat.inbound import Visitor
from connectors.webchat.outbound import render
from connectors.webchat.presence import PageMark
from connectors.webchat.protocol import (
    BAD_HELLO,
    BAD_IDENTITY,
    CLIENT_FRAME,
    NO_HELLO,
    PROTOCOL,
    Hello,
    Press,
    Say,
    Typing,
)
from connectors.webchat.rates import Gate, Limits
from connectors.webchat.settings import Heartbeat
from connectors.webchat.signed_identity import SignedIdentity

log = logging.getLogger("omnibot.webchat")
_FIRST_DELAY = 0.2

HELLO_TIMEOUT = 10.0
HISTORY = 50
PAGE = 100
MAX_BAD_FRAMES = 5
TYPING_EVERY = 2.0
"""At most one "the customer is typing" a socket passes on per this many seconds."""


@dataclass(frozen=True, slots=True)
class SocketOptions:
    """What every socket of one connector shares."""

    secret: str | None
    limits: Limits = field(default_factory=Limits)
    hello_timeout: float = HELLO_TIMEOUT
    heartbeat: Heartbeat = field(default_factory=Heartbeat)


class ChatSocket:
    """A connected browser, from its hello to its close; ``source`` is where it connects from
    (see :mod:`bot.http.sources`): the limits on anonymous sessions count by it, and every event it
    sends carries its digest as ``client``."""

    def __init__(
        self, ws: web.WebSocketResponse, core: Core, options: SocketOptions, source: str
    ) -> None:
        self._ws = ws
        self._core = core
        self._options = options
        self._gate = Gate(core, options.limits)
        self._source = source
        self._client = client_source(source)
        self._dirty = asyncio.Event()
        self._visitor: Visitor | None = None
        self._customer: str | None = None
        self._watermark: str | None = None
        self._bad = 0
        self._closed = False
        self._typed_at = -TYPING_EVERY
        mark = PageMark(core, options.heartbeat, lambda: not ws.closed)
        self._feed = CustomerFeed(core.bus, self._poke, mark)

    async def run(self) -> None:
        """Serve the socket until it closes."""
        hello = await self._greet()
        if hello is None or self._visitor is None:
            return
        subscription = await self._core.bus.subscribe(
            topic(self._visitor.address.conversation_id), self._poke
        )
        pusher: asyncio.Task[None] | None = None
        try:
            # The history first, then the pusher: run together, both could show the same
            # entries. News that comes meanwhile is not lost: it sets the dirty flag.
            await self._catch_up(hello.after)
            pusher = asyncio.get_running_loop().create_task(self._push(), name="webchat-push")
            if hello.link is not None:
                await self._present(hello.link)
            async for message in self._ws:
                if message.type == WSMsgType.TEXT:
                    await self._frame(message.data)
                elif message.type == WSMsgType.BINARY:
                    await self._refuse("bad_frame", "frames are JSON text")
        finally:
            self._closed = True
            self._dirty.set()
            await stop_task(pusher)
            await subscription.cancel()
            await self._feed.close()

    async def close(self) -> None:
        """Close from the server side (shutdown)."""
        await self._ws.close(code=1001, message=b"the server is restarting")

    async def _greet(self) -> Hello | None:
        try:
            raw = await self._ws.receive(timeout=self._options.hello_timeout)
        except TimeoutError:
            await self._ws.close(code=NO_HELLO, message=b"no hello")
            return None
        if raw.type != WSMsgType.TEXT:
            return None
        try:
            hello = CLIENT_FRAME.validate_json(raw.data)
        except ValidationError:
            hello = None
        if not isinstance(hello, Hello) or hello.protocol != PROTOCOL:
            await self._ws.close(code=BAD_HELLO, message=b"the first frame must be a valid hello")
            return None
        identity = await self._identity(hello)
        if hello.identity is not None and identity is None:
            return None
        session = hello.session or secrets.token_urlsafe(32)
        self._visitor = inbound.visitor(hello, session, identity, self._client)
        await self._send({"type": "welcome", "protocol": PROTOCOL, "session": session})
        return hello

    async def _present(self, token: str) -> None:
        """A link token came with the page: present it as a start command, once (a reconnect
        with the same token is the same event). That joins nothing: the bot asks the visitor
        whether to, and only their yes does (see ``bot.identity.consent``)."""
        assert self._visitor is not None
        event = inbound.parse_link(token, self._visitor)
        with contextlib.suppress(MemoryUnavailable):
            refusal = await self._gate.refusal(event, self._source, self._customer is not None)
            if refusal is not None:
                await self._send({"type": "error", "code": "rate_limited", "message": refusal})
                return
            await self._core.submit(event)

    async def _identity(self, hello: Hello) -> SignedIdentity | None:
        try:
            return inbound.verify(hello, self._options.secret)
        except InboundRejected as exc:
            await self._ws.close(code=BAD_IDENTITY, message=exc.reason.encode()[:120])
            return None

    async def _catch_up(self, after: str | None) -> None:
        """Show the history (the newest entries) or what came after ``after``."""
        assert self._visitor is not None
        identity = self._visitor.address.identity
        self._customer = await self._core.customer_of(identity)
        await self._feed.follow(self._customer)
        if after is not None:
            self._watermark = after
            self._dirty.set()
            return
        if self._customer is not None:
            await self._show(await self._core.shown(self._customer, identity, None, HISTORY))

    async def _frame(self, data: str) -> None:
        try:
            frame = CLIENT_FRAME.validate_json(data)
        except ValidationError as exc:
            detail = exc.errors(include_url=False)[0]
            await self._refuse("bad_frame", f"{'.'.join(map(str, detail['loc']))}: {detail['msg']}")
            return
        if isinstance(frame, Say | Press):
            self._typed_at = -TYPING_EVERY  # what they type next is new typing
            await self._submit(frame)
        elif isinstance(frame, Typing):
            await self._typing()
        elif isinstance(frame, Hello):
            await self._refuse("bad_frame", "hello is only the first frame")

    async def _submit(self, frame: Say | Press) -> None:
        assert self._visitor is not None
        event = inbound.parse(frame, self._visitor)
        try:
            refusal = await self._gate.refusal(event, self._source, self._customer is not None)
            if refusal is not None:
                await self._send(
                    {"type": "error", "code": "rate_limited", "id": frame.id, "message": refusal}
                )
                return
            submission = await self._core.submit(event)
        except MemoryUnavailable:
            await self._send(
                {
                    "type": "error",
                    "code": "unavailable",
                    "id": frame.id,
                    "message": "not sent: the bot is reconnecting, try again shortly",
                }
            )
            return
        if submission.result is SubmitResult.BUSY:
            await self._send(
                {
                    "type": "error",
                    "code": "busy",
                    "id": frame.id,
                    "message": "not sent: too many messages are waiting",
                }
            )
            return
        self._customer = submission.customer_id
        await self._send({"type": "ack", "id": frame.id, "result": submission.result.value})
        if submission.result is SubmitResult.ACCEPTED:
            await self._send({"type": "typing"})

    async def _typing(self) -> None:
        """Tell the agent console the customer is typing: only for a known customer, and at
        most every :data:`TYPING_EVERY` seconds however often the page says so (a message sent
        starts afresh: it ended the typing)."""
        now = time.monotonic()
        if self._customer is None or now - self._typed_at < TYPING_EVERY:
            return
        self._typed_at = now
        with contextlib.suppress(MemoryUnavailable):
            await self._core.bus.publish(conversation_topic(self._customer), TYPING)

    def _poke(self, message: bytes) -> None:
        self._dirty.set()

    async def _push(self) -> None:
        """Show new transcript entries whenever the bus says there are some."""
        delay = _FIRST_DELAY
        while not self._closed:
            await self._dirty.wait()
            self._dirty.clear()
            if self._closed:
                return
            try:
                await self._drain()
            except MemoryUnavailable:
                await self._send({"type": "status", "state": "reconnecting"})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                self._dirty.set()
                continue
            if delay != _FIRST_DELAY:  # it had been failing: say it works again
                await self._send({"type": "status", "state": "connected"})
            delay = _FIRST_DELAY

    async def _drain(self) -> None:
        assert self._visitor is not None
        identity = self._visitor.address.identity
        current = await self._core.customer_of(identity)
        if current != self._customer and current is not None:
            self._watermark = await self._since_join(current) or self._watermark
        self._customer = current
        if await self._feed.follow(current):
            self._dirty.set()  # announced before this socket listened: read once more
        if self._customer is None:
            return
        while True:
            page = await self._core.shown(self._customer, identity, self._watermark, PAGE)
            if page.last is None:
                return
            await self._show(page)

    async def _since_join(self, customer_id: str) -> str | None:
        """This chat was joined to another conversation (a link code, a verified identity):
        go on from the note of the join that moved it, as the customer has seen their own side
        already (and would not be shown the other side's past anyway)."""
        assert self._visitor is not None
        me = self._visitor.address.identity.key
        recent = await self._core.entries(customer_id, None, PAGE)
        joins = [
            logged.id
            for logged in recent
            if isinstance(logged.entry, NoteEntry)
            and logged.entry.kind == "merge"
            and me in _listed(logged.entry.data.get("identities"))
        ]
        return joins[-1] if joins else None

    async def _show(self, page: Page) -> None:
        frames = render(page.entries)
        if page.last is not None:
            self._watermark = page.last
        if frames:
            await self._send({"type": "entries", "entries": frames})

    async def _refuse(self, code: str, message: str) -> None:
        self._bad += 1
        await self._send({"type": "error", "code": code, "message": message})
        if self._bad >= MAX_BAD_FRAMES:
            await self._ws.close(code=BAD_HELLO, message=b"too many bad frames")

    async def _send(self, frame: dict[str, Any]) -> None:
        if not self._ws.closed:
            with contextlib.suppress(ConnectionResetError):
                await self._ws.send_json(frame)


def _listed(value: object) -> list[object]:
    return value if isinstance(value, list) else []
