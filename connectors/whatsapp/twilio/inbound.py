"""Twilio's WhatsApp webhooks read into the common format (pure: no I/O); the signature was
checked first, as for SMS (:func:`connectors.twilio.signature.verified_form`).

An incoming message (``POST /whatsapp/twilio``) becomes an
:class:`~bot.format.messages.InboundEvent` (:func:`parse`), its ``MessageSid`` the event id that
deduplicates Twilio's retries:

- ``From`` is ``whatsapp:+5511...``: the number, vouched for by WhatsApp, is the identity and a
  verified phone attribute, exactly as the Cloud API's ``wa_id`` and SMS's ``From`` are, so one
  number is one customer on all three; ``To`` (our sender) is the address's ``bot_id``, which
  also tells :mod:`connectors.whatsapp.providers` that the customer wrote through Twilio;
- a text is ``text``; a shared place (``Latitude``/``Longitude``) is ``location``;
- a quick-reply button or a list item chosen (``ButtonPayload``/``ButtonText``, ``ListId``/
  ``ListTitle``) is a ``button`` event with the id we gave it; only an offered one counts
  (:func:`bot.format.offered.interpret`);
- media (``NumMedia``, ``MediaUrl{N}``, ``MediaContentType{N}``) are an ``attachment`` event,
  their caption its text; an attachment's ``url`` is a signed link of ours (:mod:`.media`),
  never Twilio's URL, which only the account's credentials open.

A status callback (``POST /whatsapp/twilio/status?m=<our message id>``) becomes a
:class:`~connectors.whatsapp.cloud.inbound.StatusReport` (:func:`parse_status`), final states only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import Field, field_validator

from bot.errors import InboundRejected
from bot.format.messages import (
    Address,
    Attachment,
    AttachmentKind,
    InboundEvent,
    Location,
    VerifiedAttribute,
)
from bot.format.transcript import DeliveryStatus
from connectors.twilio import status_callback
from connectors.twilio.forms import ACCOUNT_SID, SID, TwilioForm, same_account, validate
from connectors.whatsapp.rules import CHANNEL, MAX_NAME, StatusReport
from connectors.whatsapp.twilio.media import file_id

WHATSAPP_NUMBER = r"^whatsapp:\+[1-9][0-9]{6,14}$"
MAX_MEDIA = 10
"""The most media Twilio puts in one message."""
MediaLink = Callable[[str], str]
"""Makes our signed link for a medium's id (:func:`.media.file_id`)."""


class IncomingForm(TwilioForm):
    """The fields of Twilio's incoming WhatsApp webhook that omnibot uses."""

    message_sid: str = Field(alias="MessageSid", pattern=SID)
    account_sid: str = Field(alias="AccountSid", pattern=ACCOUNT_SID)
    sender: str = Field(alias="From", pattern=WHATSAPP_NUMBER)
    recipient: str = Field(alias="To", pattern=WHATSAPP_NUMBER)
    body: str = Field(default="", alias="Body")
    profile_name: str = Field(default="", alias="ProfileName", max_length=1024)
    button_payload: str = Field(default="", alias="ButtonPayload", max_length=1024)
    button_text: str = Field(default="", alias="ButtonText", max_length=1024)
    list_id: str = Field(default="", alias="ListId", max_length=1024)
    list_title: str = Field(default="", alias="ListTitle", max_length=1024)
    latitude: float | None = Field(default=None, alias="Latitude", ge=-90, le=90)
    longitude: float | None = Field(default=None, alias="Longitude", ge=-180, le=180)
    label: str = Field(default="", alias="Label", max_length=1024)
    num_media: int = Field(default=0, alias="NumMedia", ge=0, le=MAX_MEDIA)

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


class StatusForm(status_callback.StatusForm):
    """Twilio's status callback for a WhatsApp message: to a ``whatsapp:`` number."""

    recipient: str = Field(alias="To", pattern=WHATSAPP_NUMBER)


def parse(
    form: Mapping[str, str], account_sid: str, link: MediaLink | None = None
) -> InboundEvent | None:
    """Read an incoming message's form: its event, or ``None`` for what the bot leaves alone;
    raises :class:`InboundRejected` (400 malformed, 403 another account's). ``link`` makes the
    links to its media (none without it: the attachments keep Twilio's ids only)."""
    fields = validate(IncomingForm, form)
    same_account(fields.account_sid, account_sid)
    attachments = _attachments(form, fields.num_media, account_sid, link)
    kind = _kind(fields) if not attachments else _with_media(fields, attachments)
    if kind is None:
        return None
    number = phone(fields.sender)
    address = Address(
        channel=CHANNEL, user_id=number, conversation_id=number, bot_id=fields.recipient
    )
    name = fields.profile_name.strip()[:MAX_NAME] or None
    return InboundEvent.model_validate(
        {
            "event_id": fields.message_sid,
            "channel": CHANNEL,
            "address": address,
            "name": name,
            "verified": (VerifiedAttribute(kind="phone", value=number, issuer=CHANNEL),),
            **kind,
        }
    )


def phone(address: str) -> str:
    """``whatsapp:+5511...`` as the E.164 number ``+5511...``."""
    return address.removeprefix("whatsapp:")


def _kind(fields: IncomingForm) -> dict[str, object] | None:
    """The event's kind and what goes with it; ``None`` for what the bot leaves alone."""
    payload = fields.button_payload or fields.list_id
    if payload:
        shown = fields.button_text or fields.list_title
        return {"kind": "button", "payload": payload, "text": shown or None}
    if fields.latitude is not None and fields.longitude is not None:
        label = fields.label[:256] or None
        place = Location(latitude=fields.latitude, longitude=fields.longitude, title=label)
        return {"kind": "location", "location": place}
    if fields.body.strip():
        return {"kind": "text", "text": fields.body}
    return None


def _with_media(fields: IncomingForm, attachments: tuple[Attachment, ...]) -> dict[str, object]:
    caption = fields.body.strip()
    return {"kind": "attachment", "attachments": attachments, "text": caption or None}


def _attachments(
    form: Mapping[str, str], count: int, account_sid: str, link: MediaLink | None
) -> tuple[Attachment, ...]:
    """``MediaUrl0``... with their ``MediaContentType0``...; a URL not of our account's media
    is a 400 (Twilio signed the form, so it is a change of Twilio's, or a forgery)."""
    found = []
    for index in range(count):
        ident = file_id(form.get(f"MediaUrl{index}", ""), account_sid)
        if ident is None:
            raise InboundRejected(400, f"MediaUrl{index} is not a medium of this account's")
        content_type = form.get(f"MediaContentType{index}", "")[:128].strip() or None
        url = link(ident) if link is not None else None
        found.append(
            Attachment(
                kind=_media_kind(content_type), file_id=ident, url=url, content_type=content_type
            )
        )
    return tuple(found)


def _media_kind(content_type: str | None) -> AttachmentKind:
    """By the type alone: Twilio says no more. A voice note is Opus in Ogg (a shared audio file
    is MP3, AAC or AMR); a sticker, WebP."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "audio/ogg":
        return "voice"
    if kind == "image/webp":
        return "sticker"
    kinds: dict[str, AttachmentKind] = {"image": "image", "audio": "audio", "video": "video"}
    return kinds.get(kind.split("/")[0], "file")


_STATUSES: dict[str, DeliveryStatus] = {
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "undeliverable",
}
"""Final states only: ``queued``, ``sent`` and ``accepted`` would only repeat the outbound
entry."""
UNDELIVERABLE = frozenset({63003, 63024})
REENGAGEMENT = 63016
ERROR_MEANINGS = {
    63003: "the number is not on WhatsApp",
    63016: "more than 24 hours since the customer last wrote: only a template may go",
    63024: "WhatsApp refused the recipient",
    63018: "WhatsApp's rate limit for this sender",
    63049: "WhatsApp held the message back to keep the customer's experience good",
}


def parse_status(
    form: Mapping[str, str], query: Mapping[str, str], account_sid: str
) -> StatusReport | None:
    """Read a status callback; ``None`` when there is nothing to record (a state on the way,
    or a message that is not ours, without the ``m`` we put in the callback URL)."""
    read = status_callback.read_status(StatusForm, form, query, account_sid, _STATUSES)
    if read is None:
        return None
    fields = read.fields
    undeliverable = read.status == "failed" and fields.error_code in UNDELIVERABLE
    status: DeliveryStatus = "undeliverable" if undeliverable else read.status
    detail = f"twilio whatsapp {fields.status} ({fields.message_sid})"
    detail += status_callback.error_said(fields.error_code, ERROR_MEANINGS)
    closed = status == "failed" and fields.error_code == REENGAGEMENT
    return StatusReport(read.message_id, (phone(fields.recipient),), status, detail, closed)
