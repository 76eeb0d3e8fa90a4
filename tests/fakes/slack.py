"""A fake Slack Web API, and a Socket Mode server, on 127.0.0.1.

It checks calls as Slack does: ``/api/<method>`` by GET or POST, the token (the
``Authorization: Bearer`` header, or a ``token`` parameter in a query or form, never in a JSON
body), the fields each method needs, and the Block Kit structures the connector emits (types,
known fields only, text lengths, action ids unique in a block, at most 25 buttons and 50
blocks, button values of at most 2,000 characters). It answers in Slack's shape: HTTP 200 with
``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``, and whatever :meth:`fail_next` was
told (a 429 with ``Retry-After``, say).

``apps.connections.open`` hands out a websocket URL on this server; :meth:`push` sends an
envelope to the connected app and returns its acknowledgement.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.base import Call, Failure, FakeApi

BOT_TOKEN = "xoxb-fake-bot-token-for-tests"
APP_TOKEN = "xapp-fake-app-token-for-tests"
TEAM = "T0TEST"
BOT_USER = "U0BOT"
BOT_ID = "B0BOT"

Json = dict[str, Any]
_BLOCK_KEYS = {
    "section": {"type", "text", "accessory", "block_id", "fields"},
    "actions": {"type", "elements", "block_id"},
    "image": {"type", "image_url", "alt_text", "title", "block_id"},
}
_BUTTON_KEYS = {"type", "text", "action_id", "value", "url", "style"}
_IMAGE_ELEMENT_KEYS = {"type", "image_url", "alt_text"}


@dataclass
class FakeUser:
    """A member of the fake workspace."""

    id: str
    name: str
    real_name: str
    email: str | None = None
    locale: str = "en-US"
    confirmed: bool | None = True
    """``None``: ``users.info`` leaves ``is_email_confirmed`` out, as Slack does for some
    accounts."""
    is_bot: bool = False

    def wire(self, include_locale: bool) -> Json:
        user: Json = {
            "id": self.id,
            "team_id": TEAM,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_bot": self.is_bot,
            "profile": {"real_name": self.real_name, "display_name": "", "email": self.email},
        }
        if self.confirmed is not None:
            user["is_email_confirmed"] = self.confirmed
        if include_locale:
            user["locale"] = self.locale
        return user


class FakeSlack(FakeApi):
    """The Web API methods the connector calls, and a Socket Mode endpoint."""

    def __init__(self, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN) -> None:
        super().__init__()
        self.bot_token, self.app_token = bot_token, app_token
        self.users: dict[str, FakeUser] = {}
        self.posted: list[Json] = []
        self.updated: list[Json] = []
        self.whispered: list[Json] = []
        self._skip: dict[str, int] = {}
        self._ts = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[Json]] = {}
        self._connected = asyncio.Event()
        self._methods: dict[str, Callable[[Json], web.Response]] = {
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "users.info": self._users_info,
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
        }

    @property
    def api_base(self) -> str:
        """What ``SLACK_API_BASE`` is set to."""
        return f"{self.url}/api/"

    def fail_later(self, method: str, failure: Failure, after: int) -> None:
        """The call of ``method`` after the next ``after`` ones gets ``failure``."""
        self._skip[method] = after
        self.fail_next(method, failure)

    def failure(self, method: str) -> Failure | None:
        if self._skip.get(method):
            self._skip[method] -= 1
            return None
        return super().failure(method)

    def add_user(self, user: FakeUser) -> FakeUser:
        self.users[user.id] = user
        return user

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/{method}", self.api),
            web.post("/api/{method}", self.api),
            web.get("/socket-mode", self.socket),
        ]

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        await super().stop()

    def posts(self, channel: str | None = None) -> list[Json]:
        """Every accepted ``chat.postMessage`` (to ``channel``): its parameters and ``ts``."""
        return [post for post in self.posted if channel is None or post["channel"] == channel]

    def shown(self, channel: str, ts: str) -> Json:
        """The message ``ts`` in ``channel`` as it looks now: as posted, or as last updated."""
        versions = [u for u in self.updated if (u["channel"], u["ts"]) == (channel, ts)]
        versions = versions or [p for p in self.posted if (p["channel"], p["ts"]) == (channel, ts)]
        assert versions, f"no message {ts} in {channel}"
        return versions[-1]

    def whispers(self, user: str | None = None) -> list[Json]:
        """Every accepted ``chat.postEphemeral`` (to ``user``)."""
        return [w for w in self.whispered if user is None or w["user"] == user]

    async def wait_posts(
        self, count: int, channel: str | None = None, within: float = 10
    ) -> list[Json]:
        """Wait until ``count`` messages were posted (to ``channel``); return them."""
        await self.wait_for(lambda _: len(self.posts(channel)) >= count, within)
        return self.posts(channel)

    async def api(self, request: web.Request) -> web.Response:
        """Any method: answered first, then recorded, so that a waiter sees its effect."""
        method = request.match_info["method"]
        params, token, problem = await _read(request)
        response = self._answer(method, params, token, problem)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        await self.record(Call(method, params, headers))
        return response

    def _answer(
        self, method: str, params: Json, token: str | None, problem: str | None
    ) -> web.Response:
        failure = self.failure(method)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        if problem is not None:
            return _error(problem)
        refused = self._check_token(method, token)
        if refused is not None:
            return _error(refused)
        handler = self._methods.get(method)
        return _error("unknown_method") if handler is None else handler(params)

    def _check_token(self, method: str, token: str | None) -> str | None:
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token is None:
            return "not_authed"
        if token in (self.bot_token, self.app_token) and token != expected:
            return "not_allowed_token_type"
        return None if secrets.compare_digest(token, expected) else "invalid_auth"

    def _post_message(self, params: Json) -> web.Response:
        channel = params.get("channel")
        if not channel:
            return _error("channel_not_found")
        refused = self._content_problem(params)
        if refused is not None:
            return refused
        text, blocks = params.get("text"), params.get("blocks")
        n = next(self._ts)
        ts = f"{1_700_000_000 + n}.{n:06d}"
        message: Json = {"type": "message", "text": text or "", "user": BOT_USER}
        message.update({"bot_id": BOT_ID, "ts": ts, "blocks": blocks or []})
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        self.posted.append({**params, "ts": ts})
        return web.json_response({"ok": True, "channel": channel, "ts": ts, "message": message})

    def _content_problem(self, params: Json) -> web.Response | None:
        text, blocks = params.get("text"), params.get("blocks")
        if not text and not blocks:
            return _error("no_text")
        if isinstance(text, str) and len(text) > 40_000:
            return _error("msg_too_long")
        problems = block_problems(blocks) if blocks is not None else []
        if problems:
            return web.json_response({"ok": False, "error": "invalid_blocks", "errors": problems})
        return None

    def _update(self, params: Json) -> web.Response:
        """Only the bot's own messages can be updated, by channel and ``ts``."""
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return _error("channel_not_found")
        if not any((p["channel"], p["ts"]) == (channel, ts) for p in self.posted):
            return _error("message_not_found")
        refused = self._content_problem(params)
        if refused is not None:
            return refused
        self.updated.append(dict(params))
        return web.json_response(
            {"ok": True, "channel": channel, "ts": ts, "text": params.get("text", "")}
        )

    def _post_ephemeral(self, params: Json) -> web.Response:
        channel, user = params.get("channel"), params.get("user")
        if not channel:
            return _error("channel_not_found")
        if user not in self.users:
            return _error("user_not_in_channel")
        refused = self._content_problem(params)
        if refused is not None:
            return refused
        self.whispered.append(dict(params))
        n = next(self._ts)
        return web.json_response({"ok": True, "message_ts": f"{1_700_000_000 + n}.{n:06d}"})

    def _users_info(self, params: Json) -> web.Response:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return _error("user_not_found")
        include_locale = str(params.get("include_locale", "")).lower() in ("1", "true")
        return web.json_response({"ok": True, "user": user.wire(include_locale)})

    def _auth_test(self, params: Json) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "url": "https://fake-workspace.slack.com/",
                "team": "Fake Workspace",
                "user": "storebot",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        )

    def _connections_open(self, params: Json) -> web.Response:
        url = f"ws://127.0.0.1:{self.port}/socket-mode?ticket={secrets.token_hex(8)}"
        return web.json_response({"ok": True, "url": url})

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then read acknowledgements of the envelopes pushed."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A0TEST"},
            }
        )
        self._connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self._acknowledged(json.loads(message.data))
        return ws

    def _acknowledged(self, data: Json) -> None:
        future = self._acks.get(str(data.get("envelope_id")))
        if future is not None and not future.done():
            future.set_result(data)

    async def push(
        self, kind: str, payload: Json, *, retry_attempt: int = 0, within: float = 5.0
    ) -> Json | None:
        """Send an envelope to the connected app; its acknowledgement, or ``None`` if it sent
        none within ``within`` seconds."""
        await asyncio.wait_for(self._connected.wait(), 10)
        envelope_id = secrets.token_hex(8)
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": False,
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        await self._sockets[-1].send_json(envelope)
        try:
            return await asyncio.wait_for(future, within)
        except TimeoutError:
            return None


async def _read(request: web.Request) -> tuple[Json, str | None, str | None]:
    """The call's parameters, its token, and the error Slack would answer for the body."""
    params: Json = dict(request.query)
    token = params.pop("token", None)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                return params, token, "invalid_json"
            if not isinstance(body, dict):
                return params, token, "invalid_json"
            if "token" in body:
                return params, token, "invalid_arguments"  # a JSON body cannot carry the token
            params.update(body)
        else:
            form = await request.post()
            params.update({key: str(value) for key, value in form.items()})
            token = str(params.pop("token", token)) if "token" in params else token
    if isinstance(params.get("blocks"), str):
        try:
            params["blocks"] = json.loads(params["blocks"])
        except ValueError:
            return params, token, "invalid_blocks_format"
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        token = authorization.removeprefix("Bearer ")
    return params, token, None


def _error(code: str) -> web.Response:
    return web.json_response({"ok": False, "error": code})


def block_problems(blocks: object) -> list[str]:
    """What Slack would reject in ``blocks``, as its ``invalid_blocks`` errors list them."""
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    problems = [] if len(blocks) <= 50 else ["no more than 50 items allowed [json-pointer:/blocks]"]
    for index, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}]"
        problems += [f"{p} {where}" for p in _block(block)]
    return problems


def _block(block: object) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in _BLOCK_KEYS:
        return ["unsupported block type"]
    extra = set(block) - _BLOCK_KEYS[block["type"]]
    if extra:
        return [f"unknown fields {sorted(extra)}"]
    if block["type"] == "section":
        return _section(block)
    if block["type"] == "actions":
        return _actions(block)
    return _image(block, title=True)


def _text(value: object, kinds: tuple[str, ...], limit: int) -> list[str]:
    if not isinstance(value, dict) or value.get("type") not in kinds:
        return [f"text must be a text object of type {' or '.join(kinds)}"]
    if set(value) - {"type", "text", "emoji", "verbatim"}:
        return ["unknown fields in a text object"]
    text = value.get("text")
    if not isinstance(text, str) or not text:
        return ["text must not be empty"]
    return [f"must be less than {limit + 1} characters"] if len(text) > limit else []


def _section(block: Mapping[str, Any]) -> list[str]:
    problems = _text(block.get("text"), ("mrkdwn", "plain_text"), 3000)
    accessory = block.get("accessory")
    if accessory is not None:
        problems += _image(accessory, title=False, keys=_IMAGE_ELEMENT_KEYS)
    return problems


def _actions(block: Mapping[str, Any]) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
        return ["an actions block must have between 1 and 25 elements"]
    problems: list[str] = []
    ids = [element.get("action_id") for element in elements if isinstance(element, dict)]
    if len(ids) != len(set(ids)):
        problems.append("action_id values must be unique within a block")
    for element in elements:
        problems += _button(element)
    return problems


def _button(element: object) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return ["unsupported element type"]
    if set(element) - _BUTTON_KEYS:
        return ["unknown fields in a button"]
    problems = _text(element.get("text"), ("plain_text",), 75)
    action_id, value, url = element.get("action_id"), element.get("value"), element.get("url")
    if not isinstance(action_id, str) or not 0 < len(action_id) <= 255:
        problems.append("action_id must be 1 to 255 characters")
    if value is not None and (not isinstance(value, str) or len(value) > 2000):
        problems.append("value must be less than 2001 characters")
    if url is not None and (not isinstance(url, str) or len(url) > 3000):
        problems.append("url must be less than 3001 characters")
    return problems


def _image(block: object, *, title: bool, keys: set[str] | None = None) -> list[str]:
    if not isinstance(block, dict) or block.get("type") != "image":
        return ["an image must be of type image"]
    if keys is not None and set(block) - keys:
        return ["unknown fields in an image element"]
    problems: list[str] = []
    url, alt = block.get("image_url"), block.get("alt_text")
    if not isinstance(url, str) or not 0 < len(url) <= 3000:
        problems.append("image_url must be 1 to 3000 characters")
    if not isinstance(alt, str) or not 0 < len(alt) <= 2000:
        problems.append("alt_text must be 1 to 2000 characters")
    if title and block.get("title") is not None:
        problems += _text(block["title"], ("plain_text",), 2000)
    return problems
