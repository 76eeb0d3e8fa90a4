"""A fake Telegram Bot API on 127.0.0.1.

It checks what the real one checks, as https://core.telegram.org/bots/api documents it:

- the token in the path (``/bot<token>/<method>``: 401 otherwise), the method (404 for an
  unknown one), the HTTP method (GET or POST) and the content type (JSON, form or multipart);
- each method's required parameters and their limits: a non-empty ``text`` of at most 4,096
  characters after entity parsing, captions of at most 1,024, a known ``parse_mode``, HTML that
  Telegram's parser accepts (only its tags, every other ``<``, ``>`` and ``&`` escaped, tags
  closed in order), a ``reply_markup`` of one of the four shapes, ``callback_data`` of 1 to 64
  bytes, ``request_contact`` only in private chats, a ``message_thread_id`` that exists, the
  ``secret_token`` alphabet, https webhook URLs, known update types;

and answers in the real shapes: ``{"ok": true, "result": ...}``, or ``{"ok": false,
"error_code": ..., "description": ...}`` with ``parameters.retry_after`` for a 429. It is a little
stricter than Telegram in one place: unknown keys in a keyboard are refused, to catch typos.

Chats: positive ids are private chats (with a user of the same id), negative ids supergroups.
``blocked`` chats answer 403, ``gone`` chats 400 "chat not found". Updates for polling are given
with :meth:`FakeTelegram.feed`; ``getUpdates`` long-polls for them. Every call that breaks a rule
lands in :attr:`FakeTelegram.refused`, which tests check is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.fakes.base import Call, FakeApi

TOKEN = "123456789:AAFakeTokenForOmnibotTests_0123456789x"
BOT_ID = 123456789
USERNAME = "store_test_bot"

UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
PARSE_MODES = frozenset({"HTML", "MarkdownV2", "Markdown"})
MEDIA_FIELDS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVideo": "video",
    "sendAudio": "audio",
}
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_REPLY_KEYBOARD_KEYS = frozenset(
    {
        "keyboard",
        "is_persistent",
        "resize_keyboard",
        "one_time_keyboard",
        "input_field_placeholder",
        "selective",
    }
)
_KEYBOARD_BUTTON_KEYS = frozenset(
    {
        "text",
        "request_users",
        "request_chat",
        "request_contact",
        "request_location",
        "request_poll",
        "web_app",
    }
)


class Refusal(Exception):
    """What the real API would answer instead of a result."""

    def __init__(
        self,
        code: int,
        description: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        broken_rule: bool = False,
    ) -> None:
        self.code = code
        self.description = description
        self.parameters = dict(parameters or {})
        self.broken_rule = broken_rule
        super().__init__(f"{code} {description}")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str) -> Refusal:
    """A 400 for a request that breaks the API's rules (a bug in the caller)."""
    return Refusal(400, f"Bad Request: {description}", broken_rule=True)


def refused(description: str) -> Refusal:
    """A 400 for a well-formed request the chat's state refuses ("chat not found")."""
    return Refusal(400, f"Bad Request: {description}")


def rate_limited(seconds: int) -> dict[str, Any]:
    """The body of a 429."""
    return Refusal(
        429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
    ).body()


def forbidden(why: str = "bot was blocked by the user") -> dict[str, Any]:
    """The body of a 403."""
    return Refusal(403, f"Forbidden: {why}").body()


# -- HTML, as Telegram's parser reads it -------------------------------------------------------

_HTML_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<tag>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:\s+[A-Za-z-]+(?:=\"[^\"<>]*\")?)*)\s*>"
    r"|&(?P<entity>#\d+|#x[0-9A-Fa-f]+|lt|gt|amp|quot);"
    r"|(?P<stray>[<>&])"
)
_ATTRIBUTE = re.compile(r"([A-Za-z-]+)(?:=\"([^\"]*)\")?")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ALLOWED_ATTRIBUTES = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "tg-spoiler": set(),
    "span": {"class"},
    "a": {"href"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}


def html_text(markup: str) -> str:
    """The text a message in ``parse_mode: HTML`` shows; raises :class:`Refusal` where
    Telegram's parser would ("can't parse entities: ...")."""
    shown: list[str] = []
    open_tags: list[str] = []
    position = 0
    for match in _HTML_TOKEN.finditer(markup):
        shown.append(markup[position : match.start()])
        position = match.end()
        offset = len(markup[: match.start()].encode())
        if match.group("stray"):
            raise bad(
                f"can't parse entities: unescaped {match.group('stray')!r} at byte offset {offset}"
            )
        if match.group("entity"):
            shown.append(_entity(match.group("entity")))
            continue
        _tag(match, open_tags, offset)
    shown.append(markup[position:])
    if open_tags:
        raise bad(
            f"can't parse entities: Can't find end tag corresponding to start tag "
            f'"{open_tags[-1]}"'
        )
    return "".join(shown)


def _entity(name: str) -> str:
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _ENTITIES[name]


def _tag(match: re.Match[str], open_tags: list[str], offset: int) -> None:
    tag = match.group("tag").lower()
    if tag not in _ALLOWED_ATTRIBUTES:
        raise bad(f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset {offset}')
    if match.group("close"):
        if not open_tags or open_tags[-1] != tag:
            raise bad(f"can't parse entities: Unexpected end tag at byte offset {offset}")
        open_tags.pop()
        return
    if (open_tags and open_tags[-1] == "code") or ("pre" in open_tags and tag != "code"):
        raise bad("can't parse entities: pre and code entities can't contain other entities")
    attributes = dict(_ATTRIBUTE.findall(match.group("attrs")))
    unknown = set(attributes) - _ALLOWED_ATTRIBUTES[tag]
    if unknown:
        raise bad(f"can't parse entities: unsupported attribute {sorted(unknown)[0]!r}")
    if tag == "a" and not _link(attributes.get("href", "")):
        raise bad("can't parse entities: a link needs a valid href")
    if tag == "span" and attributes.get("class") != "tg-spoiler":
        raise bad('can\'t parse entities: span needs class="tg-spoiler"')
    open_tags.append(tag)


def _link(url: str) -> bool:
    url = url.replace("&amp;", "&").replace("&quot;", '"')
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "tg") and bool(parts.netloc)


def utf16(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


# -- the fake server -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file customers sent, as ``getFile`` and the file server know it."""

    path: str
    content: bytes


class FakeTelegram(FakeApi):
    """The Bot API subset omnibot uses, checked and answered as the real one would."""

    def __init__(self, token: str = TOKEN, username: str = USERNAME) -> None:
        super().__init__()
        self.token = token
        self.bot_id = int(token.partition(":")[0])
        self.username = username
        self.webhook: dict[str, Any] | None = None
        self.blocked: set[int] = set()
        self.gone: set[int] = set()
        self.topics: set[tuple[int, int]] = set()
        self.unfetchable: set[str] = set()
        self.expired: set[str] = set()
        """File paths ``getFile`` gave that the file server no longer serves (a path is good
        for an hour)."""
        self.files: dict[str, StoredFile] = {}
        self.refused: list[tuple[str, str]] = []
        self.accepted: list[Call] = []
        self.downloads = 0
        self._updates: list[dict[str, Any]] = []
        self._allowed: frozenset[str] | None = None
        self._fed = asyncio.Condition()
        self._poll = 0
        self._closing = False
        self._message_ids = itertools.count(1000)
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "getme": self._get_me,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            "getupdates": self._get_updates,
            "getfile": self._get_file,
            "sendmessage": self._send_message,
            "sendchataction": self._send_chat_action,
            "answercallbackquery": self._answer_callback_query,
            **{name.lower(): partial(self._send_media, name) for name in MEDIA_FIELDS},
        }

    def environment(self, secret: str) -> dict[str, str]:
        """The ``TELEGRAM_*`` variables that point a served bot at this fake, its webhook
        checked against ``secret``."""
        return {
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "TELEGRAM_API_BASE": self.url,
        }

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route("*", "/bot{token}/{method}", self._method),
            web.get("/file/bot{token}/{path:.+}", self._download),
        ]

    async def stop(self) -> None:
        async with self._fed:
            self._closing = True
            self._fed.notify_all()
        await super().stop()

    # -- what tests use ----------------------------------------------------------------------

    async def feed(self, *updates: dict[str, Any]) -> None:
        """Queue updates for ``getUpdates``."""
        async with self._fed:
            self._updates.extend(updates)
            self._fed.notify_all()

    @property
    def pending(self) -> list[int]:
        """The ids of updates not confirmed yet."""
        return [update["update_id"] for update in self._updates]

    def store_file(self, file_id: str, path: str, content: bytes) -> None:
        """A file a customer sent, for ``getFile`` and downloads."""
        self.files[file_id] = StoredFile(path, content)

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Accepted ``send*`` calls, in order (to ``chat_id`` if given)."""
        return [
            call
            for call in self.accepted
            if call.method.startswith("send")
            and (chat_id is None or int(call.params["chat_id"]) == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """What the accepted messages and captions show, in order."""
        shown = []
        for call in self.sent(chat_id):
            body = call.params.get("text", call.params.get("caption"))
            if body is not None:
                shown.append(_shown(call.params, body))
        return shown

    async def wait_for_texts(self, chat_id: int, count: int, within: float = 10.0) -> list[str]:
        """Wait until ``chat_id`` has been shown at least ``count`` texts; return them all."""
        await self.wait_for(lambda _: len(self.texts(chat_id)) >= count, within)
        return self.texts(chat_id)

    # -- the protocol ------------------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _answer_error(Refusal(401, "Unauthorized"))
        handler = self._handlers.get(request.match_info["method"].lower())
        if handler is None:
            return _answer_error(Refusal(404, "Not Found"))
        method = request.match_info["method"]
        try:
            if request.method not in ("GET", "POST"):
                raise bad(f"method {request.method} is not supported")
            params = await _params(request)
        except Refusal as refusal:
            self.refused.append((method, refusal.description))
            return _answer_error(refusal)
        call = Call(method, params, dict(request.headers))
        await self.record(call)
        failure = self.failure(method)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        try:
            result = await handler(params)
        except Refusal as refusal:
            if refusal.broken_rule:
                self.refused.append((method, refusal.description))
            return _answer_error(refusal)
        async with self._arrived:
            self.accepted.append(call)
            self._arrived.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            raise web.HTTPUnauthorized()
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.path == path and path not in self.expired:
                self.downloads += 1
                return web.Response(body=stored.content, content_type="application/octet-stream")
        raise web.HTTPNotFound()

    # -- methods -----------------------------------------------------------------------------

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Store",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = _required(params, "url")
        if urlsplit(url).scheme != "https":
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(str(secret)):
            raise bad("secret token contains unallowed characters")
        allowed = _json(params, "allowed_updates")
        self._allowed = _update_types(allowed) if allowed is not None else self._allowed
        connections = _int(params, "max_connections")
        if connections is not None and not 1 <= connections <= 100:
            raise bad("bad webhook: max_connections must be between 1 and 100")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
        if _bool(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if _bool(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise Refusal(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int(params, "offset") or 0
        limit = _int(params, "limit") or 100
        timeout = _int(params, "timeout") or 0
        if not 1 <= limit <= 100:
            raise bad("limit must be between 1 and 100")
        allowed = _json(params, "allowed_updates")
        if allowed is not None:
            self._allowed = _update_types(allowed)
        async with self._fed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._updates = [u for u in self._updates if self._deliverable(u)]
            self._poll += 1
            mine = self._poll
            self._fed.notify_all()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._fed.wait_for(
                        lambda: bool(self._updates) or self._poll != mine or self._closing
                    )
            if self._poll != mine:
                raise Refusal(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            return [u for u in self._updates if self._deliverable(u)][:limit]

    def _deliverable(self, update: Mapping[str, Any]) -> bool:
        kinds = set(update) - {"update_id"}
        allowed = self._allowed or UPDATE_TYPES - {"chat_member", "message_reaction"}
        return bool(kinds & allowed)

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = _required(params, "file_id")
        stored = self.files.get(file_id)
        if stored is None:
            raise refused("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{abs(hash(file_id)) % 10**8}",
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        check_call("sendMessage", params)
        chat = self._chat(params)
        return self._message(chat, params, text=_shown(params, params["text"]))

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        check_call("sendChatAction", params)
        self._chat(params)
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        check_call("answerCallbackQuery", params)
        return True

    async def _send_media(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        check_call(method, params)
        if params[MEDIA_FIELDS[method]] in self.unfetchable:
            raise refused("failed to get HTTP URL content")
        chat = self._chat(params)
        caption = params.get("caption")
        return self._message(chat, params, caption=_shown(params, caption) if caption else None)

    # -- chats and messages ------------------------------------------------------------------

    def _chat(self, params: Mapping[str, Any]) -> int:
        chat = _chat_id(params)
        if chat in self.gone:
            raise refused("chat not found")
        if chat in self.blocked:
            raise Refusal(403, "Forbidden: bot was blocked by the user")
        thread = _int(params, "message_thread_id")
        if thread is not None and (chat, thread) not in self.topics:
            raise refused("message thread not found")
        return chat

    def _message(self, chat: int, params: Mapping[str, Any], **content: Any) -> dict[str, Any]:
        kind = "private" if chat > 0 else "supergroup"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": kind},
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "Store"},
        }
        message.update({k: v for k, v in content.items() if v is not None})
        return message


# -- parameters ------------------------------------------------------------------------------


async def _params(request: web.Request) -> dict[str, Any]:
    """The call's parameters, however they came (query, JSON, form or multipart)."""
    params: dict[str, Any] = dict(request.query)
    if request.method == "GET" or not request.body_exists:
        return params
    kind = request.content_type
    if kind == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise bad("can't parse JSON") from None
        if not isinstance(body, dict):
            raise bad("the request body must be a JSON object")
        params.update(body)
    elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update(dict(form.items()))
    else:
        raise bad(f"unsupported content type {kind}")
    return params


def _required(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise bad(f"{name} is empty" if name == "text" else f"parameter {name!r} is required")
    return value


def _int(params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise bad(f"parameter {name!r} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f"parameter {name!r} must be an integer") from None


def _bool(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name)
    return value is True or value in ("true", "True", "1")


def _json(params: Mapping[str, Any], name: str) -> Any:
    """A JSON-serialised parameter: a string in a form, already parsed in a JSON body."""
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise bad(f"can't parse {name} JSON object") from None
    return value


def _update_types(allowed: Any) -> frozenset[str]:
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad("can't parse allowed updates")
    unknown = set(allowed) - UPDATE_TYPES
    if unknown:
        raise bad(f"unknown update type {sorted(unknown)[0]!r}")
    return frozenset(allowed)


def check_call(method: str, params: Mapping[str, Any]) -> None:
    """Raise :class:`Refusal` if a ``send*`` call or ``answerCallbackQuery`` breaks the API's
    rules, whatever the chat's state (also for a method given in a webhook's answer, which no
    request brings to the fake)."""
    name = method.lower()
    if name == "answercallbackquery":
        _check_answer(params)
        return
    private = _chat_id(params) > 0
    _int(params, "message_thread_id")
    if name == "sendchataction":
        if _required(params, "action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return
    if name == "sendmessage":
        shown = _shown(params, _required(params, "text"))
        if not shown.strip():
            raise bad("message text is empty")
        if utf16(shown) > 4096:
            raise bad("message is too long")
    else:
        source = _required(params, MEDIA_FIELDS[method])
        if not isinstance(source, str):
            raise bad(f"{MEDIA_FIELDS[method]} must be a URL or a file_id")
        caption = params.get("caption")
        if caption is not None and utf16(_shown(params, caption)) > 1024:
            raise bad("message caption is too long")
    _check_markup(params, private)


def _chat_id(params: Mapping[str, Any]) -> int:
    raw = _required(params, "chat_id")
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise bad("chat not found") from None


def _shown(params: Mapping[str, Any], body: Any) -> str:
    if not isinstance(body, str):
        raise bad("text must be a string")
    mode = params.get("parse_mode")
    if mode is None or mode == "":
        return body
    if mode not in PARSE_MODES:
        raise bad(f"unsupported parse_mode {mode!r}")
    if mode != "HTML":
        raise bad(f"this fake only parses HTML, not {mode}")
    return html_text(body)


def _check_answer(params: Mapping[str, Any]) -> None:
    _required(params, "callback_query_id")
    text = params.get("text")
    if text is not None and len(str(text)) > 200:
        raise bad("text is too long (0-200 characters)")


def _check_markup(params: Mapping[str, Any], private: bool) -> None:
    markup = _json(params, "reply_markup")
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    shapes = {"inline_keyboard", "keyboard", "remove_keyboard", "force_reply"} & set(markup)
    if len(shapes) != 1:
        raise bad("can't parse reply keyboard markup JSON object")
    shape = shapes.pop()
    if shape == "inline_keyboard":
        _check_inline(markup)
    elif shape == "keyboard":
        _check_reply_keyboard(markup, private)
    elif shape == "remove_keyboard" and (markup["remove_keyboard"] is not True or len(markup) > 2):
        raise bad("can't parse reply keyboard markup JSON object")


def _rows(keyboard: Any) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad("can't parse reply keyboard markup JSON object")
    if not any(keyboard):
        raise bad("keyboard must not be empty")
    return keyboard


def _check_inline(markup: Mapping[str, Any]) -> None:
    if set(markup) != {"inline_keyboard"}:
        raise bad("can't parse inline keyboard markup JSON object")
    for row in _rows(markup["inline_keyboard"]):
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad("can't parse inline keyboard button: text is empty")
            actions = _INLINE_ACTIONS & set(button)
            if len(actions) != 1 or set(button) - actions != {"text"}:
                raise bad("can't parse inline keyboard button: exactly one action is needed")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
            if "url" in button and not _link(str(button["url"])):
                raise bad("BUTTON_URL_INVALID")


def _check_reply_keyboard(markup: Mapping[str, Any], private: bool) -> None:
    if set(markup) - _REPLY_KEYBOARD_KEYS:
        raise bad("can't parse reply keyboard markup JSON object")
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and not 1 <= len(placeholder) <= 64:
        raise bad("input field placeholder must be 1-64 characters")
    for row in _rows(markup["keyboard"]):
        for button in row:
            if isinstance(button, str):
                continue
            if not isinstance(button, dict) or not button.get("text"):
                raise bad("can't parse keyboard button: text is empty")
            if set(button) - _KEYBOARD_BUTTON_KEYS:
                raise bad("can't parse keyboard button: unknown field")
            if button.get("request_contact") and not private:
                raise bad("KeyboardButton request_contact is allowed only in private chats")
            if button.get("request_location") and not private:
                raise bad("KeyboardButton request_location is allowed only in private chats")


def _answer_error(refusal: Refusal) -> web.Response:
    return web.json_response(refusal.body(), status=refusal.code)
