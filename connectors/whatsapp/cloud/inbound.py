"""Cloud API webhooks: verified, and read into the common format (pure: no I/O).

:func:`subscribe` answers Meta's subscription check (``GET``): ``hub.mode=subscribe`` with our
verify token, compared in constant time, is answered with ``hub.challenge``. :func:`verify`
checks a notification's ``X-Hub-Signature-256``, the HMAC-SHA256 of the raw body with the app
secret, before anything reads the body (a body parsed and serialised again would not hash the
same: Portuguese text is escaped differently). :func:`read` types the body
(:mod:`.api_types`), and :func:`parse` finds what it asks of the bot:

- a text: a ``text`` event; a shared location: ``location``; a shared contact card:
  ``contact``; an image, audio clip, voice note, video, document or sticker: an ``attachment``
  behind a signed link of ours (both in :mod:`.attachments`);
- a reply button or a list row chosen, or a template's quick-reply button: a ``button`` event
  with the id we gave the choice as the payload and its title as the text (the pipeline honours
  only payloads the bot offered, :func:`bot.format.offered.interpret`);
- reactions, edits and every other type: ignored, deliberately;
- a status of one of our messages: a :class:`StatusReport` for the transcript, when it is final
  and names the message (``biz_opaque_callback_data``, which the connector sends with each).

The sender's number is vouched for by WhatsApp: it is the identity (``+`` and the digits of
``wa_id``, as SMS writes it) and a verified phone attribute, so that the same number on SMS is
the same customer; a sender who withheld their number is their business-scoped user id, an
identity of its own kind (:mod:`.senders`). Messages for another number of the same business
account are left alone.
Refusals carry reasons, never the body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from bot.errors import InboundRejected
from bot.format.messages import Address, InboundEvent, Location
from bot.format.transcript import DeliveryStatus
from bot.http.untrusted import parse_json, same_secret
from connectors.whatsapp.cloud import api_types as wa
from connectors.whatsapp.cloud import attachments, senders
from connectors.whatsapp.cloud.attachments import MediaLink
from connectors.whatsapp.rules import CHANNEL, StatusReport

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one notification holds for the bot: events to queue, statuses to record."""

    events: tuple[InboundEvent, ...] = ()
    statuses: tuple[StatusReport, ...] = ()


def subscribe(query: Mapping[str, str], verify_token: str) -> str:
    """The ``hub.challenge`` to answer a subscription check with; raises
    :class:`InboundRejected` (403) unless it is one, with our verify token."""
    mode = query.get("hub.mode")
    if mode != "subscribe" or not same_secret(query.get("hub.verify_token"), verify_token):
        raise InboundRejected(403, "not a subscription check with our verify token")
    challenge = query.get("hub.challenge", "")
    if not challenge or len(challenge) > 256:
        raise InboundRejected(400, "no hub.challenge")
    return challenge


def verify(body: bytes, signature: str | None, app_secret: bytes) -> None:
    """Raise :class:`InboundRejected` unless ``signature`` is the body's HMAC-SHA256 with the
    app secret (401 when there is none, 403 when it does not match)."""
    if not signature:
        raise InboundRejected(401, f"no {SIGNATURE_HEADER}")
    expected = _PREFIX + hmac.new(app_secret, body, hashlib.sha256).hexdigest()
    if not app_secret or not same_secret(signature.strip().lower(), expected):
        raise InboundRejected(403, f"{SIGNATURE_HEADER} does not match (is it this app's secret?)")


def read(body: bytes) -> wa.Notification:
    """The notification a webhook's body holds; raises :class:`InboundRejected` (400) for
    anything else."""
    try:
        return wa.Notification.model_validate(parse_json(body))
    except ValidationError as exc:
        raise InboundRejected(400, "the body is not a WhatsApp notification") from exc


def parse(
    notification: wa.Notification, phone_number_id: str, link: MediaLink | None = None
) -> Parsed:
    """The events and statuses of ``notification`` for our number; ``link`` makes the signed
    links of media (without it, attachments carry their media id alone)."""
    events: list[InboundEvent] = []
    statuses: list[StatusReport] = []
    for entry in notification.entry:
        for change in entry.changes:
            value = change.value
            if value is None or value.metadata.phone_number_id != phone_number_id:
                continue
            for message in value.messages:
                event = _event(message, phone_number_id, value.contacts, link)
                if event is not None:
                    events.append(event)
            statuses.extend(report for s in value.statuses if (report := _status(s)) is not None)
    return Parsed(tuple(events), tuple(statuses))


def _event(
    message: wa.Message,
    bot_id: str,
    contacts: Sequence[wa.Contact],
    link: MediaLink | None,
) -> InboundEvent | None:
    who = senders.sender(message, contacts)
    if who is None:
        return None
    fields = _kind(message, who, link)
    if fields is None:
        return None
    user = who.user_id
    address = Address(channel=CHANNEL, user_id=user, conversation_id=user, bot_id=bot_id)
    return InboundEvent.model_validate(
        {
            "event_id": message.id,
            "channel": CHANNEL,
            "address": address,
            "name": who.name,
            "verified": who.verified,
            **fields,
        }
    )


def _kind(
    message: wa.Message, who: senders.Sender, link: MediaLink | None
) -> dict[str, object] | None:
    """The event's kind and what goes with it; ``None`` for what the bot leaves alone."""
    if message.type == "text" and message.text is not None and message.text.body.strip():
        return {"kind": "text", "text": message.text.body}
    if message.type == "interactive" and message.interactive is not None:
        chosen = message.interactive.button_reply or message.interactive.list_reply
        if chosen is not None:
            return {"kind": "button", "payload": chosen.id, "text": chosen.title or None}
    if message.type == "button" and message.button is not None and message.button.payload:
        return {"kind": "button", "payload": message.button.payload, "text": message.button.text}
    if message.type == "location" and message.location is not None:
        place = message.location
        title = place.name[:256] if place.name else None
        location = Location(latitude=place.latitude, longitude=place.longitude, title=title)
        return {"kind": "location", "location": location}
    if message.type == "contacts":
        number = who.user_id.removeprefix("+") if senders.is_phone(who.user_id) else None
        return attachments.contact(message, number)
    return attachments.attachment(message, link)


_STATUSES: dict[str, DeliveryStatus] = {
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}
"""What is recorded: ``sent`` comes before the others for every message and would only repeat
what the outbound entry says."""
UNDELIVERABLE = frozenset({131026})
REENGAGEMENT = 131047
ERROR_MEANINGS = {
    131026: "the number is not on WhatsApp or cannot receive this message",
    131047: "more than 24 hours since the customer last wrote: only a template may go",
    131049: "WhatsApp held the message back to keep the customer's experience good",
    131050: "the customer stopped marketing messages from this business",
    131051: "WhatsApp does not support this message type",
    130472: "the customer's number is part of an experiment",
}


def _status(status: wa.Status) -> StatusReport | None:
    """A final status of a message of ours, or ``None``."""
    kind = _STATUSES.get(status.status)
    message_id = status.biz_opaque_callback_data
    if kind is None or not message_id:
        return None
    codes = [error.code for error in status.errors]
    if kind == "failed" and any(code in UNDELIVERABLE for code in codes):
        kind = "undeliverable"
    detail = f"whatsapp {status.status} ({status.id})"
    for code in codes[:3]:
        detail += f": error {code}, {ERROR_MEANINGS.get(code, 'see the Cloud API error codes')}"
    recipients = [senders.phone(status.recipient_id)] if status.recipient_id else []
    recipients += [status.recipient_user_id] if status.recipient_user_id else []
    if not recipients:
        return None
    closed = kind == "failed" and REENGAGEMENT in codes
    return StatusReport(message_id, tuple(recipients), kind, detail, closed)
