"""Standard Webhooks signatures (https://www.standardwebhooks.com/): the check ``POST /events``
makes, and the signing ``omnibot event`` does, both by the ``standardwebhooks`` package.

A request is the store's when ``webhook-signature`` holds the HMAC-SHA256, under the shared
secret, of ``webhook-id.webhook-timestamp.body`` (the body's bytes as received) and its
timestamp is within five minutes of now, either way: a captured request cannot be replayed
later, and its id makes a redelivery within those minutes a duplicate.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime

from standardwebhooks import Webhook, WebhookVerificationError

from bot.errors import InboundRejected

PREFIX = "whsec_"
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
UNSIGNED = "the event is not signed with this bot's events secret, or not within five minutes"


def webhook_key(secret: str) -> bytes | None:
    """The key a ``whsec_`` secret holds (24 to 64 bytes, as the standard says), or ``None``
    when ``secret`` is no such secret."""
    if not secret.startswith(PREFIX):
        return None
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES else None


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise :class:`~bot.errors.InboundRejected` (401) unless ``headers`` sign ``body`` with
    ``secret`` at a time within five minutes of now."""
    given = {name: headers[name] for name in HEADERS if name in headers}
    try:
        Webhook(secret).verify(body, given, json_parse=False)
    except (WebhookVerificationError, ValueError) as exc:  # ValueError: a malformed header
        raise InboundRejected(401, UNSIGNED) from exc


def sign(secret: str, webhook_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """The headers that sign ``body`` as sent at ``at`` with id ``webhook_id``."""
    signature = Webhook(secret).sign(webhook_id, at, body)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
