"""Cloud API webhook notifications, as Meta builds and signs them: the shapes of
developers.facebook.com/docs/whatsapp/cloud-api/webhooks, signed with the real algorithm
(``X-Hub-Signature-256: sha256=`` and the HMAC-SHA256 of the exact bytes with the app secret)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Sequence
from typing import Any

from tests.fakes.whatsapp import PHONE_NUMBER_ID

APP_SECRET = "fake-app-secret-0123456789abcdef"
VERIFY_TOKEN = "fake-verify-token-omnibot"
BUSINESS_ACCOUNT = "102290129340398"
_ids = itertools.count(1)


def now() -> str:
    """A notification's ``timestamp``: Unix seconds, as a string of digits."""
    return str(int(time.time()))


def message_id() -> str:
    """A fresh WhatsApp message id."""
    return f"wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNB{next(_ids):010d}"


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """The ``X-Hub-Signature-256`` Meta sends with ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(notification: dict[str, Any]) -> bytes:
    """The bytes Meta posts (its JSON escapes non-ASCII text, as here)."""
    return json.dumps(notification).encode()


def notification(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    """A notification with one change."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": BUSINESS_ACCOUNT, "changes": [{"value": value, "field": field}]}],
    }


def _value(number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": number_id},
    }


def incoming(
    wa_id: str | None,
    content: dict[str, Any],
    *,
    name: str = "Ana",
    mid: str | None = None,
    number_id: str = PHONE_NUMBER_ID,
    user_id: str | None = None,
    at: float | str | None = None,
) -> dict[str, Any]:
    """A customer's message of ``content`` (``{"type": "text", "text": {...}}``...) from the
    number ``wa_id``, sent now or ``at`` (Unix seconds); with ``user_id``, their
    business-scoped user id too (Meta's 2026 shape), and with ``wa_id=None`` that id alone, as
    for a customer who withheld their number."""
    stamp = now() if at is None else str(int(float(at)))
    message: dict[str, Any] = {"id": mid or message_id(), "timestamp": stamp, **content}
    contact: dict[str, Any] = {"profile": {"name": name}}
    if wa_id is not None:
        message["from"] = contact["wa_id"] = wa_id
    if user_id is not None:
        message["from_user_id"] = contact["user_id"] = user_id
        contact["profile"]["username"] = "@" + name.lower()
    return notification({**_value(number_id), "contacts": [contact], "messages": [message]})


def media(wa_id: str, kind: str, media_id: str, **fields: Any) -> dict[str, Any]:
    """An image, audio (``voice=True`` for a voice note), video, document or sticker."""
    content = {"id": media_id, "sha256": "ZmFrZQ==", **fields}
    return incoming(wa_id, {"type": kind, kind: content})


def contacts(wa_id: str, cards: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Contact cards shared (``[{"name": {...}, "phones": [{"phone", "wa_id"}]}]``)."""
    return incoming(wa_id, {"type": "contacts", "contacts": list(cards)})


def text(wa_id: str | None, body: str, **options: Any) -> dict[str, Any]:
    """A text message."""
    return incoming(wa_id, {"type": "text", "text": {"body": body}}, **options)


def button_reply(wa_id: str, ident: str, title: str, **options: Any) -> dict[str, Any]:
    """A reply button pressed."""
    reply = {"type": "button_reply", "button_reply": {"id": ident, "title": title}}
    return incoming(wa_id, {"type": "interactive", "interactive": reply}, **options)


def list_reply(wa_id: str, ident: str, title: str, **options: Any) -> dict[str, Any]:
    """A list row chosen."""
    reply = {"type": "list_reply", "list_reply": {"id": ident, "title": title}}
    return incoming(wa_id, {"type": "interactive", "interactive": reply}, **options)


def reaction(wa_id: str, to_message: str) -> dict[str, Any]:
    """An emoji reaction to a message."""
    content = {"type": "reaction", "reaction": {"message_id": to_message, "emoji": "\U0001f44d"}}
    return incoming(wa_id, content)


def status(
    wa_id: str,
    wamid: str,
    state: str,
    ours: str | None,
    errors: Sequence[dict[str, Any]] = (),
    at: str | None = None,
) -> dict[str, Any]:
    """A status of the message ``wamid`` we sent with ``ours`` as its callback data, reported
    now or ``at`` (Unix seconds)."""
    entry: dict[str, Any] = {
        "id": wamid,
        "status": state,
        "timestamp": at or now(),
        "recipient_id": wa_id,
    }
    if ours is not None:
        entry["biz_opaque_callback_data"] = ours
    if errors:
        entry["errors"] = list(errors)
    return notification({**_value(), "statuses": [entry]})
