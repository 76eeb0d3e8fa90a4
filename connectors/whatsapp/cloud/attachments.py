"""Media and contact cards a customer sent, in the common format (pure: no I/O).

- An image, audio clip, voice note (an audio with ``voice``), video, document or sticker is an
  ``attachment`` event: the attachment keeps WhatsApp's media id as its ``file_id``, and its
  ``url`` is a signed link of ours (:mod:`connectors.file_links`, served by :mod:`.media`),
  never Graph's URL, which only the access token opens. A caption is the event's text.
- A shared contact card is a ``contact`` event with its first number (and that number's
  WhatsApp id, when it has one). It is verified only when the card is the sender's own number,
  which WhatsApp already vouches for; a card of someone else proves nothing about them.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.format.messages import Attachment, AttachmentKind, Contact
from connectors.whatsapp.cloud import api_types as wa

MediaLink = Callable[[str], str]
"""Makes our signed link for a WhatsApp media id."""
_KINDS: dict[str, AttachmentKind] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "file",
    "sticker": "sticker",
}


def attachment(message: wa.Message, link: MediaLink | None) -> dict[str, object] | None:
    """The fields of an ``attachment`` event for a media message, or ``None``."""
    kind = _KINDS.get(message.type)
    media: wa.MediaFile | None = getattr(message, message.type, None) if kind else None
    if kind is None or media is None:
        return None
    if kind == "audio" and media.voice:
        kind = "voice"
    name = media.filename[:256] if media.filename else None
    found = Attachment(
        kind=kind,
        file_id=media.id,
        url=link(media.id) if link is not None else None,
        content_type=(media.mime_type or "")[:128] or None,
        name=name,
    )
    caption = (media.caption or "").strip()
    return {"kind": "attachment", "attachments": (found,), "text": caption or None}


def contact(message: wa.Message, sender_number: str | None) -> dict[str, object] | None:
    """The fields of a ``contact`` event for the first shared card that has a number."""
    for card in message.contacts:
        for number in card.phones:
            written = (number.phone or "").strip() or (f"+{number.wa_id}" if number.wa_id else "")
            if len(written) < 3:
                continue
            own = number.wa_id is not None and number.wa_id == sender_number
            shared = Contact(
                phone=written[:32],
                name=_card_name(card),
                user_id=number.wa_id,
                verified=own,
            )
            return {"kind": "contact", "contact": shared}
    return None


def _card_name(card: wa.Card) -> str | None:
    if card.name is None:
        return None
    name = (card.name.formatted_name or card.name.first_name or "").strip()
    return name[:256] or None
