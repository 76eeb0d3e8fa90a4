"""The agent console's HTTP side: the page, sign-in, the queue, conversations and actions.

Every action an agent takes on a conversation becomes an :data:`~bot.desk.handoff.AGENT` event in
that customer's turn path, after the desk (shared by every worker) has said the agent may take it:
claiming is atomic there, so of two agents claiming at once, one gets a 200 and the other a
409. See ``docs/agents.md`` for the API.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import JsonValue

from bot.desk.canned import MOST, for_language, is_key, kept, made, new_key
from bot.desk.canned import Invalid as BadCanned
from bot.desk.canned import fill as fill_canned
from bot.desk.console import assets
from bot.desk.console.auth import Agents
from bot.desk.console.profile import order_of_use, profile
from bot.desk.console.replies import default_channel, options, refusal, stopped
from bot.desk.console.sessions import Sessions
from bot.desk.console.threads_api import ERASED, THREAD_ACTIONS, agent_languages, search, shown
from bot.desk.console.throttle import DEVICE_DAYS, SignInLimits
from bot.desk.handoff import DeskKeeper, agent_event
from bot.desk.store import Session
from bot.desk.summary import Summariser, plain
from bot.desk.threads import Thread
from bot.desk.words import ActionWords, PlainWords
from bot.errors import InboundRejected, MemoryUnavailable
from bot.format.frames import console_frame
from bot.format.transcript import NoteEntry
from bot.http import untrusted
from bot.http.sources import request_source
from bot.outreach.followup import KEY_PREFIX, Invalid, described, follow_up
from bot.outreach.scheduler import Scheduler
from bot.turn.customer import CustomerRecord
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory
from bot.turn.window import WindowState

MAX_TEXT = 4000
ASSETS = (
    "console.js",
    "console.css",
    "actions.js",
    "attention.js",
    "threads.js",
    "segments.js",
    "replies.js",
    "presence.js",
)
"""The console's static files, served under ``/agent/``."""
HISTORY = 500
OFFLINE = "offline: they would not see it until they sign in"
"""Why a transfer to an agent with no console open is refused (the transfer dialog's words)."""
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _problem(status: int, error: str, **extra: Any) -> web.Response:
    return web.json_response({"error": error, **extra}, status=status)


@dataclass
class ConsoleParts:
    """What the console works with."""

    pipeline: TurnPipeline
    memory: Memory
    keeper: DeskKeeper
    agents: Agents
    sessions: Sessions
    limits: SignInLimits
    flows: Callable[[], list[str]] = field(default=list)
    scheduler: Scheduler | None = None
    """Where follow-ups go (``None``: the console schedules none)."""
    summarise: Summariser = plain
    """Reads a handoff's summary in words (the flows' titles and labels)."""
    managers: frozenset[str] = frozenset()
    """The agents who may read the insights (:mod:`bot.desk.console.insights`)."""
    words: ActionWords = field(default_factory=PlainWords)
    """What the customer will see of each action, shown to the agent before it."""


class ConsoleApi:
    """``/agent`` and ``/agent/api/...``."""

    def __init__(self, parts: ConsoleParts) -> None:
        self.parts = parts
        self._page = assets.read("console.html")
        self._assets = assets.Assets(ASSETS)

    def routes(self) -> list[web.RouteDef]:
        """The console's HTTP routes (the websocket is :class:`ConsoleSocket`'s)."""
        return [
            web.get("/agent", self.page),
            *self._assets.routes(),
            web.get("/agent/api/session", self.me),
            web.post("/agent/api/session", self.sign_in),
            web.delete("/agent/api/session", self.sign_out),
            web.get("/agent/api/queue", self.queue),
            web.get("/agent/api/conversations", self.conversations),
            web.get("/agent/api/conversations/{customer}", self.conversation),
            web.post("/agent/api/conversations/{customer}/{action}", self.act),
            web.get("/agent/api/canned", self.canned),
            web.post("/agent/api/canned", self.save_canned),
            web.put("/agent/api/canned/{key}", self.save_canned),
            web.delete("/agent/api/canned/{key}", self.drop_canned),
            web.get("/agent/api/conversations/{customer}/canned", self.canned_for),
        ]

    async def page(self, request: web.Request) -> web.Response:
        """The console page; it asks the API who is signed in."""
        return assets.page(self._page)

    async def me(self, request: web.Request) -> web.Response:
        """Who is signed in: ``{agent, csrf, agents, flows, manager}``, or 401."""
        session = await self.parts.sessions.of(request)
        if session is None:
            agents = self.parts.agents
            return _problem(401, "signed_out", configured=agents.configured, methods=agents.methods)
        return web.json_response(self._whoami(session))

    async def sign_in(self, request: web.Request) -> web.Response:
        """``{"token": ...}`` or ``{"name": ..., "password": ...}``: a session cookie, or 401;
        429 for a password while its name is being guessed (see :mod:`.throttle`)."""
        sessions, limits = self.parts.sessions, self.parts.limits
        if not sessions.same_origin(request):
            return _problem(403, "origin")
        try:
            body = await _json_object(request)
        except ValueError:
            return _problem(400, "a JSON object is expected")
        source, device = request_source(request), sessions.device(request)
        token, name, password = body.get("token"), body.get("name"), body.get("password")
        if isinstance(token, str) and token:
            tried, agent = None, self.parts.agents.by_token(token[:512])
        elif isinstance(name, str) and isinstance(password, str) and password:
            tried = name[:64]
            if not await limits.may_try_password(tried, source, device):
                return _problem(429, "too many wrong passwords for this name; wait a few minutes")
            agent = await self.parts.agents.by_password(tried, password[:512])
        else:
            return _problem(401, "wrong name, password or token")
        if agent is None:
            if tried is not None:
                await limits.failed(tried, source, device)
            return _problem(401, "wrong name, password or token")
        cookie, session = await sessions.open(agent)
        response = web.json_response(self._whoami(session))
        sessions.set_cookie(response, cookie, request)
        fresh = secrets.token_urlsafe(24)
        await limits.signed_in(agent, fresh)
        sessions.set_device(response, fresh, DEVICE_DAYS, request)
        return response

    async def sign_out(self, request: web.Request) -> web.StreamResponse:
        """End the session."""
        session = await self.parts.sessions.of(request)
        if session is not None and not self.parts.sessions.csrf_ok(request, session):
            return _problem(403, "csrf")
        response = web.Response(status=204)
        await self.parts.sessions.close(request, response)
        return response

    async def queue(self, request: web.Request) -> web.Response:
        """The waiting conversations (oldest first), the agent's own, and who is there:
        ``online`` names every agent whose console is open, ``presence`` says whether each is
        ``online`` or ``away``."""
        session = await self.parts.sessions.agent(request)
        desk = self.parts.keeper.desk
        now = time.time()
        languages = agent_languages(request)
        waiting = [
            await self._item(customer, now - since, languages)
            for customer, since in await desk.waiting()
        ]
        mine = [
            await self._item(customer, None, languages)
            for customer in await desk.held_by(session.agent)
        ]
        presence = await desk.presence()
        return web.json_response(
            {
                "waiting": [item for item in waiting if item],
                "mine": [item for item in mine if item],
                "online": sorted(presence),
                "presence": presence,
            }
        )

    async def conversations(self, request: web.Request) -> web.Response:
        """The conversation list: filters and search (:func:`.threads_api.search`)."""
        return await search(self, request)

    async def conversation(self, request: web.Request) -> web.Response:
        """One conversation: who (with the profile panel's data), its handoff and place in the
        queue, and its whole transcript across channels."""
        session = await self.parts.sessions.agent(request)
        customer = request.match_info["customer"]
        record = await self.parts.memory.load(customer)
        if record is None:
            return _problem(404, "no such conversation")
        entries = await self.parts.memory.entries(customer, None, HISTORY)
        frames = [frame for logged in entries if (frame := console_frame(logged)) is not None]
        desk = self.parts.keeper.desk
        holder, queued = await desk.holder(customer), await desk.position(customer)
        window = _window(self.parts.pipeline.window(record))
        scheduler = self.parts.scheduler
        pending = await scheduler.pending(customer) if scheduler is not None else []
        zone = self.parts.pipeline.zone(record)
        thread = await desk.thread(customer)
        return web.json_response(
            {
                "customer": self._customer(record, agent_languages(request)),
                "profile": profile(record, entries),
                "holder": holder,
                "queued": queued,
                "entries": frames,
                "window": window,
                "timezone": zone.key,
                "scheduled": [described(item, zone) for item in pending],
                "thread": shown(thread, goal=self.came_for(thread, request)) if thread else None,
                "reply": options(record, self.parts.pipeline.windows, self.parts.pipeline.now()),
                "actions": self._previews(record, session.agent),
            }
        )

    async def act(self, request: web.Request) -> web.Response:
        """``claim``, ``reply``, ``note``, ``release``, ``transfer`` or ``resolve``."""
        session = await self.parts.sessions.agent(request, writes=True)
        action = request.match_info["action"]
        act = _ACTIONS.get(action)
        if act is None:
            return _problem(404, f"no action {action!r}")
        try:
            body = await _json_object(request) if request.body_exists else {}
        except ValueError:
            return _problem(400, "a JSON object is expected")
        customer = request.match_info["customer"]
        if await self.parts.memory.load(customer) is None:
            return _problem(404, "no such conversation")
        try:
            return await act(self, customer, session.agent, body)
        except MemoryUnavailable:
            return _problem(503, "the memory is unreachable; try again")

    async def canned(self, request: web.Request) -> web.Response:
        """The team's canned responses (``?language=pt``: those in that language)."""
        await self.parts.sessions.agent(request)
        responses = kept(await self.parts.keeper.desk.canned())
        language = request.query.get("language", "")[:16] or None
        shown = for_language(responses, language)
        return web.json_response({"canned": [item.model_dump(mode="json") for item in shown]})

    async def canned_for(self, request: web.Request) -> web.Response:
        """The canned responses in the customer's language, each ``filled`` with their details
        and the agent's name (see :func:`bot.desk.canned.fill`)."""
        session = await self.parts.sessions.agent(request)
        record = await self.parts.memory.load(request.match_info["customer"])
        if record is None:
            return _problem(404, "no such conversation")
        responses = for_language(kept(await self.parts.keeper.desk.canned()), record.language)
        who = session.agent
        shown = [
            {**item.model_dump(mode="json"), "filled": fill_canned(item.text, record, who)}
            for item in responses
        ]
        return web.json_response({"language": record.language, "canned": shown})

    async def save_canned(self, request: web.Request) -> web.Response:
        """Create (``POST``) or replace (``PUT .../{key}``) a canned response:
        ``{title, language, text}``; 400 naming the field that is wrong, 409 when the team
        holds as many as it may."""
        session = await self.parts.sessions.agent(request, writes=True)
        key = request.match_info.get("key") or new_key()
        if not is_key(key):
            return _problem(404, "no such canned response")
        desk = self.parts.keeper.desk
        if request.method == "PUT" and key not in await desk.canned():
            return _problem(404, "no such canned response")
        try:
            item = made(await _json_object(request), key, session.agent, self.parts.pipeline.now())
        except BadCanned as exc:
            return _problem(400, str(exc), field=exc.field)
        except ValueError:
            return _problem(400, "a JSON object is expected")
        if not await desk.put_canned(key, item.model_dump_json(), MOST):
            return _problem(409, f"the team keeps at most {MOST} canned responses; delete one")
        status = 201 if request.method == "POST" else 200
        return web.json_response({"canned": item.model_dump(mode="json")}, status=status)

    async def drop_canned(self, request: web.Request) -> web.Response:
        """Delete a canned response."""
        await self.parts.sessions.agent(request, writes=True)
        key = request.match_info["key"]
        if not is_key(key) or not await self.parts.keeper.desk.drop_canned(key):
            return _problem(404, "no such canned response")
        return web.Response(status=204)

    async def _claim(self, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
        """Take a waiting conversation; ``greeting`` (the agent's words instead of the bot's
        greeting) or ``greet: false`` (no greeting) say what the customer is told."""
        try:
            told = _greeting(body)
        except ValueError as exc:
            return _problem(400, str(exc))
        if not await self.parts.keeper.desk.claim(customer, agent):
            holder = await self.parts.keeper.desk.holder(customer)
            return _problem(409, "taken" if holder else "not waiting", holder=holder)
        await self._tell(customer, "claim", agent, **told)
        return web.json_response({"claimed": True})

    async def _reply(self, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
        text = _text(body)
        if text is None:
            return _problem(400, f"'text' must be 1 to {MAX_TEXT} characters")
        if await self.parts.keeper.desk.holder(customer) != agent:
            return _problem(409, "claim the conversation first")
        chosen = body.get("channel")
        if chosen is not None and (not isinstance(chosen, str) or not 0 < len(chosen) <= 32):
            return _problem(400, "'channel' must be one of the customer's channels")
        record = await self.parts.memory.load(customer)
        if record is None:  # erased since act() looked
            return _problem(404, ERASED)
        channel = chosen or default_channel(record)
        pipeline = self.parts.pipeline
        why = (
            refusal(record, chosen, pipeline.windows, pipeline.now())
            if chosen is not None
            else stopped(record, channel)
        )
        if why is not None:
            return _problem(409, why, channel=channel)
        where: dict[str, JsonValue] = {"channel": chosen} if chosen else {}
        await self._tell(customer, "reply", agent, text=text, **where)
        return web.json_response({"sent": True, "channel": channel}, status=202)

    async def _note(self, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
        text = _text(body)
        if text is None:
            return _problem(400, f"'text' must be 1 to {MAX_TEXT} characters")
        await self._tell(customer, "note", agent, text=text)
        return web.json_response({"noted": True}, status=202)

    async def _release(self, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
        if not await self.parts.keeper.desk.release(customer, agent):
            return _problem(409, "you do not hold this conversation")
        await self._tell(customer, "release", agent)
        return web.json_response({"released": True})

    async def _transfer(self, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
        to = body.get("to")
        if not isinstance(to, str) or to not in self.parts.agents.names or to == agent:
            return _problem(400, "'to' must be another agent's name")
        desk = self.parts.keeper.desk
        if to not in await desk.presence():  # away is fine: the dialog allows it too
            return _problem(409, OFFLINE, to=to)
        if not await desk.transfer(customer, agent, to):
            return _problem(409, "you do not hold this conversation")
        await self._tell(customer, "transfer", agent, to=to)
        return web.json_response({"transferred": to})

    async def _resolve(self, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
        flow = body.get("flow")
        if flow is not None and flow not in self.parts.flows():
            return _problem(400, "'flow' must be one of the bot's flows")
        why_not = self.parts.words.not_for_customers(flow) if isinstance(flow, str) else None
        if why_not is not None:
            return _problem(400, why_not)
        if await self.parts.keeper.desk.holder(customer) != agent:
            return _problem(409, "you do not hold this conversation")
        await self._tell(customer, "resolve", agent, **({"flow": flow} if flow else {}))
        return web.json_response({"resolved": True}, status=202)

    async def _follow_up(self, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
        """Schedule a message or a flow for the customer, at a time of their day."""
        scheduler, pipeline = self.parts.scheduler, self.parts.pipeline
        if scheduler is None:
            return _problem(409, "this bot schedules nothing")
        record = await self.parts.memory.load(customer)
        if record is None:  # erased since act() looked
            return _problem(404, ERASED)
        flow = body.get("flow")
        why_not = self.parts.words.not_for_customers(flow) if isinstance(flow, str) else None
        if why_not is not None:
            return _problem(400, f"flow: {why_not}", field="flow")
        now, zone = pipeline.now(), pipeline.zone(record)
        try:
            item = follow_up(body, customer, agent, zone=zone, flows=self.parts.flows(), now=now)
        except Invalid as exc:
            return _problem(400, str(exc), field=exc.field)
        await scheduler.put(item)
        shown = described(item, zone)
        text = f"follow-up scheduled by {agent} for {shown['due_at']}: {shown['why']}"
        await self._noted(customer, agent, text, now)
        if await self.parts.memory.load(customer) is None:
            # Erased while this was written: the erasure had forgotten the schedule and the
            # transcript already, so what was written here would outlive the customer.
            await scheduler.cancel(customer, item.key)
            await self.parts.memory.erase(customer)
            return _problem(404, ERASED)
        return web.json_response({"scheduled": shown}, status=201)

    async def _cancel_follow_up(
        self, customer: str, agent: str, body: dict[str, Any]
    ) -> web.Response:
        """Cancel one of the customer's follow-ups (by its ``key``)."""
        key, scheduler = body.get("key"), self.parts.scheduler
        if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > 64:
            return _problem(400, "key: the key of one of the customer's follow-ups", field="key")
        dropped = await scheduler.cancel(customer, key) if scheduler is not None else None
        if dropped is None:
            return _problem(404, "no such follow-up (fired or cancelled already)")
        text = f"follow-up cancelled by {agent}: {described(dropped, ZoneInfo('UTC'))['why']}"
        await self._noted(customer, agent, text, self.parts.pipeline.now())
        return web.json_response({"cancelled": dropped.key})

    async def _noted(self, customer: str, agent: str, text: str, now: datetime) -> None:
        note = NoteEntry(at=now, kind="follow-up", text=text, data={"agent": agent})
        await self.parts.memory.append(customer, [note])

    async def _tell(self, customer: str, action: str, agent: str, **data: JsonValue) -> None:
        await self.parts.pipeline.notify(customer, agent_event(action, agent, **data))

    async def _item(
        self, customer: str, waited: float | None, languages: list[str]
    ) -> dict[str, Any] | None:
        record = await self.parts.memory.load(customer)
        if record is None:
            return None
        item = self._customer(record, languages)
        if waited is not None:
            item["waiting_seconds"] = int(waited)
        return item

    def _customer(self, record: CustomerRecord, languages: list[str]) -> dict[str, Any]:
        """What an agent sees of a customer at a glance, the summary in words in the first of
        ``languages`` the bot speaks."""
        readable = self.parts.summarise(record.handoff.summary, languages)
        return {**_customer(record), "goal": readable.goal, "readable": readable.as_json()}

    def came_for(self, thread: Thread, request: web.Request) -> str | None:
        """What the customer came for, by the flow's title in the agent's language."""
        if thread.goal is None:
            return None
        return self.parts.summarise({"flows": [thread.goal]}, agent_languages(request)).goal

    def _previews(self, record: CustomerRecord, agent: str) -> dict[str, Any]:
        """What the customer would see of each action now: the greeting of a claim by
        ``agent`` (``greeted``: the customer was greeted in this handoff already, so a claim
        says nothing unless the agent writes a greeting), the words on handing back, and the
        flows to hand back into, titled in the customer's language."""
        words = self.parts.words
        return {
            "greeting": words.greeting(record, agent),
            "greeted": record.handoff.greeted,
            "handed_back": words.handed_back(record),
            "flows": [{"name": f.name, "title": f.title} for f in words.flows(record)],
        }

    def _whoami(self, session: Session) -> dict[str, Any]:
        return {
            "agent": session.agent,
            "csrf": session.csrf,
            "agents": self.parts.agents.names,
            "flows": self.parts.flows(),
            "manager": session.agent in self.parts.managers,
        }


async def _json_object(request: web.Request) -> dict[str, Any]:
    """The request's body, a JSON object; raises :class:`ValueError` for anything else (see
    :func:`bot.http.untrusted.parse_json`: no text UTF-8 cannot hold, no nesting past the limit)."""
    try:
        return await untrusted.json_object(request)
    except InboundRejected as exc:
        raise ValueError(exc.reason) from exc


def _text(body: dict[str, Any]) -> str | None:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return None
    return text.strip()


MAX_GREETING = 1000


def _greeting(body: dict[str, Any]) -> dict[str, JsonValue]:
    """What a claim tells the customer: ``{}`` (the bot's greeting, once a handoff),
    ``{"greeting": text}`` or ``{"greet": False}``; :class:`ValueError` for anything else."""
    greet, greeting = body.get("greet", True), body.get("greeting")
    if not isinstance(greet, bool):
        raise ValueError("'greet' must be true or false")
    if greeting is None:
        return {} if greet else {"greet": False}
    if not greet:
        raise ValueError("'greeting' and 'greet: false' do not go together")
    if not isinstance(greeting, str) or not greeting.strip() or len(greeting) > MAX_GREETING:
        raise ValueError(f"'greeting' must be 1 to {MAX_GREETING} characters")
    return {"greeting": greeting.strip()}


def _customer(record: CustomerRecord) -> dict[str, Any]:
    """What an agent sees of a customer at a glance."""
    handoff, wrote = record.handoff, max(record.wrote_at.values(), default=None)
    return {
        "customer": record.id,
        "last_wrote": wrote.isoformat() if wrote is not None else None,
        "name": record.profile.get("name"),
        "language": record.language,
        "channel": record.last_channel,
        "channels": order_of_use(record),
        "stopped": sorted(record.opted_out),
        "status": handoff.status,
        "agent": handoff.agent_id,
        "since": handoff.since.isoformat() if handoff.since else None,
        "reason": handoff.reason,
        "summary": handoff.summary,
        "contact_on": handoff.contact_on,
        "profile": record.profile,
        "verified": [f"{a.kind}:{a.value}" for a in record.verified],
    }


def _window(state: WindowState | None) -> dict[str, Any] | None:
    """The customer-service window of the channel the customer is on (WhatsApp's 24 hours):
    open until ``closes_at``, or closed, and what a reply becomes then (``then``: a template,
    another channel, or ``None``: it cannot go)."""
    if state is None:
        return None
    return {
        "channel": state.channel,
        "open": state.open,
        "closes_at": state.closes_at.isoformat() if state.closes_at else None,
        "then": state.then,
    }


_ACTIONS: dict[str, Callable[[ConsoleApi, str, str, dict[str, Any]], Awaitable[web.Response]]] = {
    "claim": ConsoleApi._claim,
    "reply": ConsoleApi._reply,
    "note": ConsoleApi._note,
    "release": ConsoleApi._release,
    "transfer": ConsoleApi._transfer,
    "resolve": ConsoleApi._resolve,
    "follow_up": ConsoleApi._follow_up,
    "cancel_follow_up": ConsoleApi._cancel_follow_up,
    **THREAD_ACTIONS,
}
