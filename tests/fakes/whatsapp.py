"""A fake WhatsApp Cloud API (the Graph API's messages endpoint) on 127.0.0.1.

It checks what the real one checks (developers.facebook.com/docs/whatsapp/cloud-api):

- ``Authorization: Bearer <token>``: 401 with code 190 (``OAuthException``) otherwise;
- the path ``/<version>/<phone_number_id>/messages`` with our number's id: 400 with code 100
  otherwise;
- a JSON body with ``messaging_product: "whatsapp"``, ``recipient_type`` ``individual`` if
  given, a ``to`` that is a phone number, a known ``type``;
- a text: a non-empty ``body`` of at most 4,096 characters; an interactive message: a body of
  at most 1,024 characters; reply buttons: 1 to 3, titles of 1 to 20 characters, ids of at
  most 256 and all different; a list: a ``button`` label of at most 20, 1 to 10 rows in all,
  row titles of at most 24, descriptions of at most 72, ids of at most 200 and all different;
  ``biz_opaque_callback_data`` of at most 512;
- a template: one approved (:meth:`FakeGraph.approve`) under that name and language code
  (132001 otherwise), a language ``policy`` of ``deterministic`` if any, components of type
  ``header``, ``body`` (each at most once) or ``button``, body parameters of type ``text``,
  ``currency`` or ``date_time`` carrying that field, as many as the template has (132000),
  each text non-empty with no line break or tab and no more than four spaces in a row
  (132018); a template goes whether the window is open or not;
- the 24-hour window: a free-form message (text, interactive) only goes to a number that wrote
  within 24 hours of the fake's clock, as the notifications the test signed say
  (:meth:`FakeGraph.heard`): 131047 otherwise, whatever omnibot believes;

- a message to a business-scoped user id: ``recipient`` instead of ``to`` (never both);
- media by ``link``: an http(s) URL, a caption of at most 1,024 characters (none on audio), a
  ``filename`` on documents only;
- a read receipt: ``status: read`` with a ``message_id``, and a ``typing_indicator`` of type
  ``text`` if any (answered ``{"success": true}``, kept in :attr:`FakeGraph.read`);

and answers in Graph's shapes: ``{"messaging_product", "contacts": [{"input", "wa_id"}],
"messages": [{"id"}]}``, or ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}``. Every request that breaks a rule is answered with code 100 (or the
template's own code) and lands in :attr:`FakeGraph.refused`, which the tests check is empty;
a closed window is the customer's doing, not a mistake, and lands in :attr:`FakeGraph.outside`
instead.

Media customers sent (:meth:`FakeGraph.add_media`) are served as Graph serves them:
``GET /<version>/<media-id>?phone_number_id=`` answers ``{"url", "mime_type", "sha256",
"file_size", "id"}`` to the bearer of the token (401, code 190 otherwise; code 100 for an
unknown id or another number's), and the URL answers with the bytes, again only to the bearer
(``GET /whatsapp_business/attachments/?mid=``, as ``lookaside.fbsbx.com`` does).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.base import Call, Failure, FakeApi

TOKEN = "EAAGfakeWhatsappTokenForOmnibotTests0123456789"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"
MESSAGES = "messages"
MEDIA = "media"
DOWNLOAD = "download"
_TO = re.compile(r"^\+?[1-9][0-9]{6,14}$")
WINDOW = 24 * 3600
FREE_FORM = frozenset({"text", "interactive", "image", "video", "audio", "document", "sticker"})
_BSUID = re.compile(r"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$")
_MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
_COMPONENTS = frozenset({"header", "body", "button"})
_BODY_PARAMETERS = frozenset({"text", "currency", "date_time"})


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """A file a customer sent, as Graph keeps it."""

    content: bytes
    mime_type: str
    url: str | None = None
    """Where Graph says it is (our own download route unless a test says otherwise)."""


def graph_error(code: int, message: str, kind: str = "OAuthException") -> dict[str, Any]:
    """Graph's error body."""
    return {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            "error_subcode": 2494010 if code == 131047 else None,
            "fbtrace_id": "AbCdEfFakeTrace",
        }
    }


def failure(status: int, code: int, message: str = "refused") -> Failure:
    """A refusal for :meth:`FakeGraph.fail_next`."""
    return Failure(status, graph_error(code, message))


class FakeGraph(FakeApi):
    """The messages endpoint; :attr:`sent` holds the bodies it accepted, in order."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.refused: list[str] = []
        self.outside: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.clock = clock
        self.wrote: dict[str, float] = {}
        """When each number last wrote to the business, by WhatsApp's account."""
        self.dated_back: dict[str, float] = {}
        """Seconds WhatsApp's account of a number's messages lags their notifications' dates:
        how a test makes WhatsApp's clock and the bot's disagree."""
        self.approved: dict[tuple[str, str], int] = {}
        self.read: list[dict[str, Any]] = []
        self.media: dict[str, StoredMedia] = {}
        self._ids = itertools.count(1)

    def approve(self, name: str, language: str, parameters: int) -> None:
        """A template Meta approved: its name, language code and number of body parameters."""
        self.approved[(name, language)] = parameters

    def heard(self, notification: dict[str, Any]) -> None:
        """Note the customers' messages in a notification Meta is about to post: their numbers'
        windows open from the messages' timestamps."""
        for entry in notification.get("entry", []):
            for change in entry.get("changes", []):
                for message in (change.get("value") or {}).get("messages", []):
                    sender = message.get("from") or message.get("from_user_id")
                    stamp = str(message.get("timestamp", ""))
                    if not isinstance(sender, str) or not stamp.isdigit():
                        continue  # malformed: the real API would not have sent it
                    at = float(stamp) - self.dated_back.get(sender, 0.0)
                    self.wrote[sender] = max(at, self.wrote.get(sender, at))

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/{version}/{number}/messages", self.messages),
            web.get("/whatsapp_business/attachments/", self.download),
            web.get("/{version}/{media_id}", self.find_media),
        ]

    def to(self, wa_id: str) -> list[dict[str, Any]]:
        """The bodies accepted for ``wa_id`` (a number's digits or a business-scoped id)."""
        return [
            body
            for body in self.sent
            if (body.get("to") or "").removeprefix("+") == wa_id or body.get("recipient") == wa_id
        ]

    def add_media(
        self, media_id: str, content: bytes, mime_type: str, url: str | None = None
    ) -> None:
        """Keep a customer's file under ``media_id``."""
        self.media[media_id] = StoredMedia(content, mime_type, url)

    async def find_media(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        await self.record(Call(MEDIA, dict(request.query), dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response(graph_error(190, "Invalid OAuth access token"), status=401)
        queued = self.failure(MEDIA)
        if queued is not None:
            return web.json_response(queued.body, status=queued.status)
        stored = self.media.get(media_id)
        number = request.query.get("phone_number_id", PHONE_NUMBER_ID)
        if stored is None or number != PHONE_NUMBER_ID:
            error = graph_error(100, f"Unsupported get request. Object with ID '{media_id}'")
            return web.json_response(error, status=400)
        url = stored.url or f"{self.url}/whatsapp_business/attachments/?mid={media_id}"
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": stored.mime_type,
                "sha256": hashlib.sha256(stored.content).hexdigest(),
                "file_size": len(stored.content),
                "id": media_id,
            }
        )

    async def download(self, request: web.Request) -> web.Response:
        await self.record(Call(DOWNLOAD, dict(request.query), dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.Response(status=401, text="Unauthorized")
        stored = self.media.get(request.query.get("mid", ""))
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored.content, content_type=stored.mime_type.split(";")[0])

    async def messages(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        params = body if isinstance(body, dict) else {}
        await self.record(Call(MESSAGES, params, dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response(
                graph_error(190, "Invalid OAuth access token - Cannot parse access token"),
                status=401,
            )
        if request.match_info["number"] != PHONE_NUMBER_ID:
            return self._refuse(f"no phone number {request.match_info['number']}")
        if not isinstance(body, dict) or request.content_type != "application/json":
            return self._refuse("the body is not a JSON object")
        if body.get("status") == "read":
            return self._read(body)
        wrong = problem(body)
        if wrong is not None:
            return self._refuse(wrong)
        if body["type"] == "template":
            refusal = self._template(body["template"])
            if refusal is not None:
                return refusal
        wa_id = (body.get("to") or body["recipient"]).removeprefix("+")
        if body["type"] in FREE_FORM and self.clock() - self.wrote.get(wa_id, -WINDOW) > WINDOW:
            self.outside.append(body)
            return web.json_response(
                graph_error(131047, "Re-engagement message", "OAuthException"), status=400
            )
        queued = self.failure(MESSAGES)
        if queued is not None:
            return web.json_response(queued.body, status=queued.status, headers=queued.headers)
        self.sent.append(body)
        given = body.get("to") or body["recipient"]
        contact = {"input": given, "wa_id": given.removeprefix("+")}
        if "recipient" in body:
            contact = {"input": given, "user_id": given}
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [contact],
                "messages": [{"id": f"wamid.FAKE{next(self._ids):08d}"}],
            }
        )

    def _read(self, body: dict[str, Any]) -> web.Response:
        wrong = _read_problem(body)
        if wrong is not None:
            return self._refuse(wrong)
        queued = self.failure("read")
        if queued is not None:
            return web.json_response(queued.body, status=queued.status)
        self.read.append(body)
        return web.json_response({"success": True})

    def _refuse(self, problem: str, code: int = 100) -> web.Response:
        self.refused.append(problem)
        error = graph_error(code, f"(#{code}) Invalid parameter: {problem}", "OAuthException")
        return web.json_response(error, status=400)

    def _template(self, template: dict[str, Any]) -> web.Response | None:
        """A refusal of a template that was not approved as it is sent, or ``None``."""
        key = (template["name"], template["language"]["code"])
        if key not in self.approved:
            return self._refuse(f"template {key[0]!r} does not exist in {key[1]}", 132001)
        values = [
            parameter
            for component in template.get("components", [])
            if component.get("type") == "body"
            for parameter in component.get("parameters", [])
        ]
        if len(values) != self.approved[key]:
            return self._refuse("the number of parameters does not match the template's", 132000)
        for value in values:
            text = value.get("text") if value.get("type") == "text" else None
            if not isinstance(text, str) or not text.strip() or len(text) > 32768:
                return self._refuse("a template parameter must be a non-empty text", 132018)
            if re.search(r"[\n\t]| {5}", text):
                return self._refuse("a parameter holds a new line, a tab or 5 spaces", 132018)
        return None


def problem(body: dict[str, Any]) -> str | None:
    """What the real API would refuse in ``body``, if anything."""
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if body.get("recipient_type", "individual") != "individual":
        return "recipient_type"
    wrong = _recipient(body)
    if wrong is not None:
        return wrong
    opaque = body.get("biz_opaque_callback_data")
    if opaque is not None and (not isinstance(opaque, str) or len(opaque) > 512):
        return "biz_opaque_callback_data"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text") or {}
        words = text.get("body")
        ok = isinstance(words, str) and len(words.strip()) > 0 and len(words) <= 4096
        return None if ok else "text.body must be 1 to 4096 characters"
    if kind == "interactive":
        return _interactive(body.get("interactive"))
    if kind == "template":
        return _template_shape(body.get("template"))
    if kind in _MEDIA_TYPES:
        return _media(kind, body.get(kind))
    return f"unknown type {kind!r}"


def _template_shape(template: Any) -> str | None:
    if not isinstance(template, dict) or not isinstance(template.get("name"), str):
        return "template.name"
    language = template.get("language")
    if not isinstance(language, dict) or not isinstance(language.get("code"), str):
        return "template.language.code"
    if language.get("policy", "deterministic") != "deterministic":
        return "template.language.policy must be deterministic"
    components = template.get("components", [])
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        return "template.components"
    kinds = [component.get("type") for component in components]
    if not set(kinds) <= _COMPONENTS or kinds.count("body") > 1 or kinds.count("header") > 1:
        return "template.components.type: header and body at most once, buttons by index"
    for component in components:
        parameters = component.get("parameters", [])
        if not isinstance(parameters, list) or not all(isinstance(v, dict) for v in parameters):
            return "template.components.parameters"
        if component["type"] == "body" and any(
            v.get("type") not in _BODY_PARAMETERS or v["type"] not in v for v in parameters
        ):
            return "template.components.parameters.type: text, currency or date_time"
    return None


def _recipient(body: dict[str, Any]) -> str | None:
    to, recipient = body.get("to"), body.get("recipient")
    if to is not None and recipient is not None:
        return "to and recipient are exclusive"
    if recipient is not None:
        ok = isinstance(recipient, str) and _BSUID.match(recipient)
        return None if ok else "recipient is not a business-scoped user id"
    if not isinstance(to, str) or not _TO.match(to):
        return "to is not a phone number"
    return None


def _media(kind: str, content: Any) -> str | None:
    if not isinstance(content, dict):
        return f"{kind} is missing"
    link = content.get("link")
    if not isinstance(link, str) or not re.match(r"^https?://\S+$", link) or "id" in content:
        return f"{kind}.link must be an http(s) URL"
    caption = content.get("caption")
    if caption is not None and (kind in ("audio", "sticker") or len(caption) > 1024):
        return f"{kind}.caption: none on audio, at most 1024 characters"
    if "filename" in content and kind != "document":
        return "only a document has a filename"
    return None


def _read_problem(body: dict[str, Any]) -> str | None:
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if not isinstance(body.get("message_id"), str) or not body["message_id"].startswith("wamid."):
        return "message_id must be a wamid"
    typing = body.get("typing_indicator")
    if typing is not None and typing != {"type": "text"}:
        return "typing_indicator.type must be text"
    extra = set(body) - {"messaging_product", "status", "message_id", "typing_indicator"}
    return f"unexpected fields {sorted(extra)}" if extra else None


def _interactive(content: Any) -> str | None:
    if not isinstance(content, dict):
        return "interactive"
    words = (content.get("body") or {}).get("text")
    if not isinstance(words, str) or not words.strip() or len(words) > 1024:
        return "interactive.body.text must be 1 to 1024 characters"
    action = content.get("action") or {}
    if content.get("type") == "button":
        return _buttons(action.get("buttons"))
    if content.get("type") == "list":
        return _list(action)
    return "interactive.type"


def _buttons(buttons: Any) -> str | None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return "a button message has 1 to 3 buttons"
    ids = []
    for button in buttons:
        reply = button.get("reply") or {} if button.get("type") == "reply" else {}
        title, ident = reply.get("title"), reply.get("id")
        if not isinstance(title, str) or not 1 <= len(title) <= 20:
            return "a button title has 1 to 20 characters"
        if not isinstance(ident, str) or not 1 <= len(ident) <= 256:
            return "a button id has 1 to 256 characters"
        ids.append(ident)
    return None if len(set(ids)) == len(ids) else "button ids must be unique"


def _list(action: dict[str, Any]) -> str | None:
    label = action.get("button")
    if not isinstance(label, str) or not 1 <= len(label) <= 20:
        return "a list's button has 1 to 20 characters"
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
        return "a list has 1 to 10 sections"
    rows = [row for section in sections for row in section.get("rows") or []]
    if not 1 <= len(rows) <= 10:
        return "a list has 1 to 10 rows in all"
    for row in rows:
        title, ident = row.get("title"), row.get("id")
        if not isinstance(title, str) or not 1 <= len(title) <= 24:
            return "a row title has 1 to 24 characters"
        if len(row.get("description") or "") > 72:
            return "a row description has at most 72 characters"
        if not isinstance(ident, str) or not 1 <= len(ident) <= 200:
            return "a row id has 1 to 200 characters"
    ids = [row["id"] for row in rows]
    return None if len(set(ids)) == len(ids) else "row ids must be unique"
