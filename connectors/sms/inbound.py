"""Twilio's SMS webhook requests read into the common format (no I/O); they were verified
first (:mod:`connectors.twilio.signature`).

An incoming message (``POST /sms/twilio``) becomes an :class:`~bot.format.messages.InboundEvent`
(:func:`parse`): the sender's number is the channel identity and a verified phone attribute, our
number that received it is the address's ``bot_id`` (so replies go out from it), the body is
text, MMS media are attachments, and a compliance keyword is a command. A delivery status
callback (``POST /sms/twilio/status``) becomes a :class:`StatusReport` (:func:`parse_status`).

Refusals carry field names, never field values: phone numbers and texts stay out of logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from bot.errors import InboundRejected
from bot.format.messages import (
    Address,
    Attachment,
    AttachmentKind,
    Command,
    InboundEvent,
    VerifiedAttribute,
)
from bot.format.transcript import DeliveryStatus
from bot.http.untrusted import integer
from connectors.sms.compliance import Keyword, keyword
from connectors.sms.settings import CHANNEL
from connectors.twilio import status_callback
from connectors.twilio.forms import (
    ACCOUNT_SID,
    E164,
    SID,
    TwilioForm,
    same_account,
    validate,
)

SHORT_CODE = r"^[0-9]{3,8}$"


class IncomingForm(TwilioForm):
    """The fields of Twilio's incoming message webhook that omnibot uses."""

    message_sid: str = Field(alias="MessageSid", pattern=SID)
    account_sid: str = Field(alias="AccountSid", pattern=ACCOUNT_SID)
    sender: str = Field(alias="From", pattern=E164)
    recipient: str = Field(alias="To", pattern=f"{E164}|{SHORT_CODE}")
    body: str = Field(default="", alias="Body")
    num_media: int = Field(default=0, alias="NumMedia", ge=0)
    opt_out_type: Literal["STOP", "START", "HELP"] | None = Field(default=None, alias="OptOutType")


class StatusForm(status_callback.StatusForm):
    """Twilio's status callback for an SMS: to a number."""

    recipient: str = Field(alias="To", pattern=E164)


@dataclass(frozen=True, slots=True)
class Incoming:
    """An incoming message, read.

    ``event`` is ``None`` for a message with nothing in it (no text, no media): there is
    nothing to queue. ``keyword`` is set for a compliance keyword; ``answered_by_twilio`` when
    Twilio's Advanced Opt-Out has already confirmed it (``OptOutType`` was sent).
    """

    event: InboundEvent | None
    keyword: Keyword | None = None
    answered_by_twilio: bool = False


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What became of one of our messages (or one part of a split one)."""

    message_id: str
    recipient: str
    status: DeliveryStatus
    detail: str


def parse(form: Mapping[str, str], account_sid: str, language: str) -> Incoming:
    """Read an incoming message webhook's form; raises :class:`InboundRejected` (400 for a
    malformed form, 403 for another account's message). ``language`` is the bot's, for a
    keyword that only Twilio recognised."""
    fields = validate(IncomingForm, form)
    same_account(fields.account_sid, account_sid)
    attachments = _attachments(form, fields.num_media)
    word = _keyword(fields, language)
    common = _common(fields, attachments)
    if word is not None:
        command = Command(name=word.command)
        event = InboundEvent.model_validate({**common, "kind": "command", "command": command})
        return Incoming(event, word, answered_by_twilio=fields.opt_out_type is not None)
    if attachments:
        return Incoming(InboundEvent.model_validate({**common, "kind": "attachment"}))
    if common["text"] is None:
        return Incoming(None)
    return Incoming(InboundEvent.model_validate({**common, "kind": "text"}))


def _common(fields: IncomingForm, attachments: tuple[Attachment, ...]) -> dict[str, object]:
    """What every kind of event from this form has: the ids, the address (answered from the
    number the customer wrote to), the text and media, and the sender's number as a verified
    phone."""
    address = Address(
        channel=CHANNEL,
        user_id=fields.sender,
        conversation_id=fields.sender,
        bot_id=fields.recipient,
    )
    return {
        "event_id": fields.message_sid,
        "channel": CHANNEL,
        "address": address,
        "text": fields.body if fields.body.strip() else None,
        "attachments": attachments,
        "verified": (VerifiedAttribute(kind="phone", value=fields.sender, issuer=CHANNEL),),
    }


def _keyword(fields: IncomingForm, language: str) -> Keyword | None:
    """Our own keyword list first; then Twilio's word for it (a keyword configured in Advanced
    Opt-Out), except an opt-in we do not know, such as "yes" (see
    :mod:`connectors.sms.compliance`): staying silent is the safe side."""
    ours = keyword(fields.body)
    if ours is not None:
        return ours
    if fields.opt_out_type == "STOP":
        return Keyword("stop", language)
    if fields.opt_out_type == "HELP":
        return Keyword("help", language)
    return None


def _attachments(form: Mapping[str, str], count: int) -> tuple[Attachment, ...]:
    """``MediaUrl0``... with their ``MediaContentType0``...: all of them, or a 400."""
    found = []
    for index in range(count):
        url = form.get(f"MediaUrl{index}", "")
        if not url.startswith(("https://", "http://")) or len(url) > 2048:
            raise InboundRejected(400, f"MediaUrl{index} is missing or not a URL")
        content_type = form.get(f"MediaContentType{index}") or None
        if content_type is not None and len(content_type) > 128:
            raise InboundRejected(400, f"MediaContentType{index} is too long")
        found.append(Attachment(kind=_kind(content_type), url=url, content_type=content_type))
    return tuple(found)


def _kind(content_type: str | None) -> AttachmentKind:
    major = (content_type or "").split("/")[0].lower()
    kinds: dict[str, AttachmentKind] = {"image": "image", "audio": "audio", "video": "video"}
    return kinds.get(major, "file")


_STATUSES: dict[str, DeliveryStatus] = {
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "undeliverable",
    "canceled": "failed",
}
"""Final states only: ``queued``, ``sending``, ``sent`` and ``accepted`` come before them for
every message, and would double the transcript to say what the outbound entry already says."""

ERROR_MEANINGS = {
    30003: "the handset is unreachable (switched off or out of coverage)",
    30004: "the message was blocked by the recipient or their carrier",
    30005: "the number is unknown or no longer in service",
    30006: "the number is a landline or its carrier cannot take SMS",
    30007: "the carrier filtered the message as spam",
    30008: "the carrier gave no reason",
    21610: "the number has opted out (STOP)",
    21614: "the number is not a mobile number",
}


def parse_status(
    form: Mapping[str, str], query: Mapping[str, str], account_sid: str
) -> StatusReport | None:
    """Read a status callback; ``None`` when there is nothing to record (a state on the way,
    or a message that is not ours, without the ``m`` parameter we put in the callback URL)."""
    read = status_callback.read_status(StatusForm, form, query, account_sid, _STATUSES)
    if read is None:
        return None
    return StatusReport(read.message_id, read.fields.recipient, read.status, _detail(read, query))


def _detail(read: status_callback.Callback[StatusForm], query: Mapping[str, str]) -> str:
    fields = read.fields
    detail = f"twilio {fields.status} ({fields.message_sid})"
    part, parts = integer(query.get("part")), integer(query.get("parts"))
    if part is not None and parts is not None:
        detail += f", part {part} of {parts}"
    return detail + status_callback.error_said(fields.error_code, ERROR_MEANINGS)
