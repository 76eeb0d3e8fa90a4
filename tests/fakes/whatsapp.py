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
  (132001 otherwise), with as many body parameters as it has (132000), each a non-empty text
  with no line break or tab and no more than four spaces in a row (132018);
- the 24-hour window: a free-form message (text, interactive) only goes to a number that wrote
  within 24 hours of the fake's clock, as the notifications the test signed say
  (:meth:`FakeGraph.heard`): 131047 otherwise, whatever omnibot believes;

and answers in Graph's shapes: ``{"messaging_product", "contacts": [{"input", "wa_id"}],
"messages": [{"id"}]}``, or ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}``. Every request that breaks a rule is answered with code 100 (or the
template's own code) and lands in :attr:`FakeGraph.refused`, which the tests check is empty;
a closed window is the customer's doing, not a mistake, and lands in :attr:`FakeGraph.outside`
instead.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.base import Call, Failure, FakeApi

TOKEN = "EAAGfakeWhatsappTokenForOmnibotTests0123456789"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"
MESSAGES = "messages"
_TO = re.compile(r"^\+?[1-9][0-9]{6,14}$")
WINDOW = 24 * 3600
FREE_FORM = frozenset({"text", "interactive"})


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
        self.approved: dict[tuple[str, str], int] = {}
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
                    at = float(message["timestamp"])
                    self.wrote[message["from"]] = max(at, self.wrote.get(message["from"], at))

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/{version}/{number}/messages", self.messages)]

    def to(self, wa_id: str) -> list[dict[str, Any]]:
        """The bodies accepted for ``wa_id``."""
        return [body for body in self.sent if body["to"].removeprefix("+") == wa_id]

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
        wrong = problem(body)
        if wrong is not None:
            return self._refuse(wrong)
        if body["type"] == "template":
            refusal = self._template(body["template"])
            if refusal is not None:
                return refusal
        wa_id = body["to"].removeprefix("+")
        if body["type"] in FREE_FORM and self.clock() - self.wrote.get(wa_id, -WINDOW) > WINDOW:
            self.outside.append(body)
            return web.json_response(
                graph_error(131047, "Re-engagement message", "OAuthException"), status=400
            )
        queued = self.failure(MESSAGES)
        if queued is not None:
            return web.json_response(queued.body, status=queued.status, headers=queued.headers)
        self.sent.append(body)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": wa_id}],
                "messages": [{"id": f"wamid.FAKE{next(self._ids):08d}"}],
            }
        )

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
    if not isinstance(body.get("to"), str) or not _TO.match(body["to"]):
        return "to is not a phone number"
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
    return f"unknown type {kind!r}"


def _template_shape(template: Any) -> str | None:
    if not isinstance(template, dict) or not isinstance(template.get("name"), str):
        return "template.name"
    language = template.get("language")
    if not isinstance(language, dict) or not isinstance(language.get("code"), str):
        return "template.language.code"
    components = template.get("components", [])
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        return "template.components"
    for component in components:
        parameters = component.get("parameters", [])
        if not isinstance(parameters, list) or not all(isinstance(v, dict) for v in parameters):
            return "template.components.parameters"
    return None


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
