"""Rendered messages into the parameters of Twilio's ``Messages.json``: pure functions.

The core has already degraded every message to what SMS shows (plain text, choices as numbered
lines, images); what is left here is what only SMS cares about:

- **Length.** One SMS body is at most ``max_segments`` segments (4 by default: 612 GSM-7
  characters, 268 UCS-2). A longer text is split at its most natural boundary (paragraph, line,
  sentence, word) into separate messages, each costed on its own. Nothing is ever cut off.
  Handsets join the segments of one message, but long concatenated messages are the ones some
  networks deliver partly or out of order; a few medium messages arrive intact.
- **Encoding.** Typographic quotes, dashes and ellipses become their GSM-7 look-alikes when that
  is all that kept a text out of GSM-7 (see :func:`~connectors.sms.segments.gsm_friendly`).
  Accented letters are never changed: "não" is not "nao".
- **Pictures.** An image goes as MMS (``MediaUrl``) to numbers that can receive MMS through
  Twilio (the US and Canada); elsewhere it becomes its caption and its link.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import phonenumbers

from bot.connector import Outgoing
from bot.format.outbound import Card, Media, OutboundMessage, Text
from bot.format.text_split import split_text
from connectors.sms.segments import gsm_friendly, split_by_segments

MAX_BODY = 1600
"""Twilio refuses a longer body (error 21617)."""
MMS_REGIONS = frozenset({"US", "CA"})
"""Where Twilio delivers MMS; other countries get the picture's link."""
DEFAULT_MAX_SEGMENTS = 4
STATUS_PATH = "/sms/twilio/status"


@dataclass(frozen=True, slots=True)
class SmsPart:
    """One ``Messages.json`` request: a body, pictures, or both; ``part`` counts from 1 among
    the ``parts`` requests one rendered message became."""

    message_id: str
    part: int
    parts: int
    body: str | None = None
    media_urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sender:
    """Who a message is from: one of our numbers, or a Messaging Service that picks one."""

    from_number: str | None = None
    messaging_service_sid: str | None = None


def can_receive_mms(number: str) -> bool:
    """Whether Twilio can deliver MMS to ``number`` (by its country)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.region_code_for_number(parsed) in MMS_REGIONS


def render(outgoing: Outgoing, *, mms: bool, max_segments: int) -> list[SmsPart]:
    """The requests that send one rendered message (none for a typing indicator)."""
    pieces = _pieces(outgoing.message, mms, max_segments)
    return [
        SmsPart(outgoing.message_id, index, len(pieces), body, media)
        for index, (body, media) in enumerate(pieces, start=1)
    ]


_Piece = tuple[str | None, tuple[str, ...]]


def _pieces(message: OutboundMessage, mms: bool, max_segments: int) -> list[_Piece]:
    if isinstance(message, Text):
        return _texts(message.text, max_segments)
    if isinstance(message, Media):
        if mms and message.kind == "image":
            return _picture(message.url, message.caption)
        shown = "\n".join(part for part in (message.caption, message.url) if part)
        return _texts(shown, max_segments)
    if isinstance(message, Card):
        text = "\n".join(part for part in (message.title, message.subtitle) if part)
        if message.image_url is None:
            return _texts(text, max_segments)
        if mms:
            return _picture(message.image_url, text)
        return _texts(f"{text}\n{message.image_url}", max_segments)
    return []


def _texts(text: str, max_segments: int) -> list[_Piece]:
    return [(body, ()) for body in split_by_segments(gsm_friendly(text), max_segments)]


def _picture(url: str, caption: str | None) -> list[_Piece]:
    """An MMS is billed as one message whatever its text, so the caption rides along whole
    (up to Twilio's body limit; any rest follows as text)."""
    if not caption or not caption.strip():
        return [(None, (url,))]
    first, *rest = split_text(caption, MAX_BODY)
    return [(first, (url,)), *((chunk, ()) for chunk in rest)]


def create_parameters(
    part: SmsPart, to: str, sender: Sender, public_url: str | None
) -> dict[str, str | list[str]]:
    """The form fields of ``POST /2010-04-01/Accounts/{sid}/Messages.json`` for ``part``."""
    fields: dict[str, str | list[str]] = {"To": to}
    if sender.messaging_service_sid:
        fields["MessagingServiceSid"] = sender.messaging_service_sid
    elif sender.from_number:
        fields["From"] = sender.from_number
    if part.body is not None:
        fields["Body"] = part.body
    if part.media_urls:
        fields["MediaUrl"] = list(part.media_urls)
    if public_url:
        fields["StatusCallback"] = status_callback(public_url, part)
    return fields


def status_callback(public_url: str, part: SmsPart) -> str:
    """Where Twilio reports on ``part``: our message id travels in the URL, which Twilio signs,
    so any worker can record the status without a lookup table."""
    query = {"m": part.message_id}
    if part.parts > 1:
        query |= {"part": str(part.part), "parts": str(part.parts)}
    return f"{public_url.rstrip('/')}{STATUS_PATH}?{urlencode(query)}"


def sender_for(bot_id: str | None, from_number: str | None, service: str | None) -> Sender:
    """A Messaging Service when there is one (its sticky sender keeps answering a customer
    from the same number); else the number the customer wrote to; else the configured one."""
    if service:
        return Sender(messaging_service_sid=service)
    return Sender(from_number=bot_id or from_number)
