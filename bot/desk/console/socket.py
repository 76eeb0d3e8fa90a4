"""The console's live updates: ``GET /agent/ws``.

The server says what changed, the page fetches it through the API: ``{"type": "queue"}`` when
the queue or a handoff changed, ``{"type": "conversation", "customer": ID}`` when the
conversation the page watches (``{"type": "watch", "customer": ID}``) has something new,
``{"type": "typing", "customer": ID}`` when its customer is typing (on the web chat), and
``{"type": "said", "customer": ID}`` when a customer on the desk wrote (unread markers). The
changes come over the bus, so an agent connected to one worker sees what customers say through
any other. While the socket is open the agent counts as online; the page says when its agent is
away (idle, or its tab hidden, for a while) and back with ``{"type": "presence", "state":
"away"}`` or ``"online"``, answered with the same frame, or ``{"type": "refused", "frame":
"presence"}`` for any other state. Each socket is one console of its agent's (two tabs are two):
the agent is online while any of theirs is, away only when all are (:func:`~bot.desk.store.
of_agents`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from bot.desk.console.sessions import Sessions
from bot.desk.handoff import (
    DESK_TOPIC,
    PRESENCE,
    SAID,
    TYPING,
    DeskKeeper,
    conversation_topic,
)
from bot.desk.store import PRESENCES, Presence
from bot.errors import InboundRejected, MemoryUnavailable
from bot.http import untrusted
from bot.turn.bus import Bus, Subscription
from bot.turn.tasks import stop_task

log = logging.getLogger("omnibot.console")
_HEARTBEAT = PRESENCE.total_seconds() / 3
_MAX_FRAME = 4096


class ConsoleSocket:
    """``GET /agent/ws``, for signed-in agents from the console's own origin."""

    def __init__(self, sessions: Sessions, keeper: DeskKeeper, bus: Bus) -> None:
        self._sessions = sessions
        self._keeper = keeper
        self._bus = bus
        self._open: set[web.WebSocketResponse] = set()

    def routes(self) -> list[web.RouteDef]:
        """The websocket's route."""
        return [web.get("/agent/ws", self.socket)]

    @property
    def connected(self) -> int:
        """How many console sockets are open now."""
        return len(self._open)

    async def closing(self) -> None:
        """Close every console socket (the server is stopping)."""
        for ws in list(self._open):
            await ws.close(code=1001, message=b"the server is restarting")

    async def socket(self, request: web.Request) -> web.StreamResponse:
        """Serve one console page's socket."""
        if not self._sessions.same_origin(request):
            raise web.HTTPForbidden(text="this origin may not open the console")
        session = await self._sessions.of(request)
        if session is None:
            raise web.HTTPUnauthorized(text="sign in first")
        ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=_MAX_FRAME)
        await ws.prepare(request)
        self._open.add(ws)
        try:
            await _Watch(ws, self._keeper, self._bus, session.agent).run()
        finally:
            self._open.discard(ws)
        return ws


class _Watch:
    """One open console: pushes what changed, keeps the agent online."""

    def __init__(self, ws: web.WebSocketResponse, keeper: DeskKeeper, bus: Bus, agent: str):
        self._ws = ws
        self._keeper = keeper
        self._bus = bus
        self._agent = agent
        self._watched: Subscription | None = None
        self._state: Presence = "online"
        self._console = secrets.token_hex(8)
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=256)

    async def run(self) -> None:
        # Online before the hello, so that a page which has its hello counts as online; the
        # other consoles are told, to show who is.
        await self._mark_present()
        await self._presence_changed()
        queue = await self._bus.subscribe(DESK_TOPIC, self._desk_changed)
        pusher = asyncio.get_running_loop().create_task(self._pusher(), name="console-push")
        presence = asyncio.get_running_loop().create_task(self._presence(), name="presence")
        await self._send({"type": "hello", "agent": self._agent})
        try:
            async for message in self._ws:
                if message.type == WSMsgType.TEXT:
                    await self._frame(message.data)
        finally:
            # aiohttp may cancel the handler once the peer has gone: the clean-up is shielded,
            # or the agent would stay "online" until the presence ran out.
            await asyncio.shield(self._leave([pusher, presence], queue))

    async def _leave(self, tasks: list[asyncio.Task[None]], queue: Subscription) -> None:
        for task in tasks:
            await stop_task(task)
        await queue.cancel()
        if self._watched is not None:
            await self._watched.cancel()
        with contextlib.suppress(MemoryUnavailable):
            await self._keeper.desk.absent(self._agent, self._console)
        await self._presence_changed()

    async def _frame(self, data: str) -> None:
        try:
            frame = untrusted.parse_json(data)
        except InboundRejected:
            return
        if not isinstance(frame, dict):
            return
        if frame.get("type") == "presence":
            await self._say_presence(frame.get("state"))
            return
        customer = frame.get("customer")
        if frame.get("type") != "watch" or not isinstance(customer, str) or len(customer) > 64:
            return
        if self._watched is not None:
            await self._watched.cancel()
        note = {"type": "conversation", "customer": customer}
        typing = {"type": "typing", "customer": customer}
        self._watched = await self._bus.subscribe(
            conversation_topic(customer),
            lambda message: self._push(typing if message == TYPING else note),
        )

    async def _say_presence(self, state: object) -> None:
        """The page says its agent is away or back: only the states the desk knows."""
        said = next((known for known in PRESENCES if known == state), None)
        if said is None:
            self._push({"type": "refused", "frame": "presence"})
            return
        changed, self._state = said != self._state, said
        await self._mark_present()
        if changed:
            await self._presence_changed()
        self._push({"type": "presence", "state": said})

    def _desk_changed(self, message: bytes) -> None:
        if message.startswith(SAID):
            customer = message.removeprefix(SAID).decode(errors="replace")
            self._push({"type": "said", "customer": customer})
        else:
            self._push({"type": "queue"})

    def _push(self, frame: dict[str, Any]) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a slow page refetches anyway
            self._outbox.put_nowait(frame)

    async def _pusher(self) -> None:
        while True:
            frame = await self._outbox.get()
            await self._send(frame)

    async def _presence(self) -> None:
        while True:
            await asyncio.sleep(_HEARTBEAT)
            await self._mark_present()

    async def _mark_present(self) -> None:
        try:
            await self._keeper.desk.present(self._agent, PRESENCE, self._state, self._console)
        except MemoryUnavailable as exc:
            log.warning("could not mark %s online: %s", self._agent, exc)

    async def _presence_changed(self) -> None:
        with contextlib.suppress(MemoryUnavailable):
            await self._bus.publish(DESK_TOPIC, b"presence")

    async def _send(self, frame: dict[str, Any]) -> None:
        if not self._ws.closed:
            with contextlib.suppress(ConnectionResetError):
                await self._ws.send_json(frame)
