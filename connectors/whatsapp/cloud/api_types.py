"""The part of the Cloud API's webhook notifications that omnibot reads, typed.

A notification is ``{"object": "whatsapp_business_account", "entry": [{"id", "changes":
[{"field", "value"}]}]}``; only changes of the ``messages`` field are read, and their ``value``
holds the number that received them (``metadata.phone_number_id``), the senders' profiles
(``contacts``), the customers' ``messages`` and the ``statuses`` of ours. Unknown keys are
ignored (Meta adds fields without notice); what omnibot reads is checked, so that a malformed
notification is refused whole with a 400 before anything is queued.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

WA_ID = r"^[1-9][0-9]{6,14}$"
"""A WhatsApp user id: the number in international form, digits only."""
USER_ID = r"^[A-Za-z][A-Za-z0-9._-]{0,159}$"
"""A business-scoped user id (BSUID, ``BR.1502576394655843``; a parent one has ``.ENT.``): a
country code, then letters and digits; it never starts with a digit or ``+``, so it is never
taken for a phone number."""
MEDIA_ID = r"^[A-Za-z0-9_-]{1,512}$"
MESSAGE_ID = r"^[A-Za-z0-9._=:+/-]{1,256}$"
MANY = 100
"""The most items of one list read in a notification (Meta batches far fewer)."""
EPOCH_MAX = 2**40
"""Beyond any real ``timestamp`` (Unix seconds, which Meta writes as a string of digits)."""


class Wire(BaseModel):
    """A part of a notification."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Profile(Wire):
    """The sender's profile name, as they set it in WhatsApp, and their username if any."""

    name: str | None = Field(default=None, max_length=1024)
    username: str | None = Field(default=None, max_length=256)


class Contact(Wire):
    """A sender of messages in this notification: their number (``wa_id``), withheld when they
    chose a username, and their business-scoped user id (``user_id``)."""

    wa_id: str | None = Field(default=None, pattern=WA_ID)
    user_id: str | None = Field(default=None, pattern=USER_ID)
    profile: Profile | None = None


class TextBody(Wire):
    """A text message's ``text``."""

    body: str = Field(max_length=65_536)


class Reply(Wire):
    """The button or list row a customer chose: the ``id`` we gave it and its title."""

    id: str = Field(min_length=1, max_length=256)
    title: str = Field(default="", max_length=256)


class Interactive(Wire):
    """An answer to an interactive message: a reply button or a list row."""

    type: str = Field(max_length=64)
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class TemplateButton(Wire):
    """A quick-reply button of a template message: its ``payload`` and ``text``."""

    payload: str | None = Field(default=None, max_length=1024)
    text: str | None = Field(default=None, max_length=256)


class Place(Wire):
    """A location the customer shared."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = Field(default=None, max_length=1024)


class MediaFile(Wire):
    """An image, audio clip, video, document or sticker: its media ``id`` (fetched with the
    access token, see :mod:`.media`), its type, and what the sender wrote with it."""

    id: str = Field(pattern=MEDIA_ID)
    mime_type: str | None = Field(default=None, max_length=128)
    caption: str | None = Field(default=None, max_length=65_536)
    filename: str | None = Field(default=None, max_length=1024)
    voice: bool = False


class CardName(Wire):
    """A shared contact's name."""

    formatted_name: str | None = Field(default=None, max_length=1024)
    first_name: str | None = Field(default=None, max_length=1024)


class CardPhone(Wire):
    """One of a shared contact's numbers, with its WhatsApp id when it has one."""

    phone: str | None = Field(default=None, max_length=64)
    wa_id: str | None = Field(default=None, pattern=WA_ID)


class Card(Wire):
    """A contact card the customer shared (its other fields, e-mails and addresses, are not
    read)."""

    name: CardName | None = None
    phones: tuple[CardPhone, ...] = Field(default=(), max_length=MANY)


class Message(Wire):
    """A customer's message: its id (``wamid...``), sender and ``type`` with that type's
    object. Types omnibot does not read (reactions, ``unsupported``...) are kept as their type
    alone. ``from`` is the sender's number, absent when they chose a username and withheld it;
    ``from_user_id`` their business-scoped user id."""

    id: str = Field(pattern=MESSAGE_ID)
    sender: str | None = Field(default=None, alias="from", pattern=WA_ID)
    sender_user_id: str | None = Field(default=None, alias="from_user_id", pattern=USER_ID)
    timestamp: int = Field(ge=0, le=EPOCH_MAX)
    type: str = Field(max_length=64)
    text: TextBody | None = None
    interactive: Interactive | None = None
    button: TemplateButton | None = None
    location: Place | None = None
    image: MediaFile | None = None
    audio: MediaFile | None = None
    video: MediaFile | None = None
    document: MediaFile | None = None
    sticker: MediaFile | None = None
    contacts: tuple[Card, ...] = Field(default=(), max_length=MANY)


class StatusError(Wire):
    """Why a message failed, as WhatsApp says it."""

    code: int
    title: str | None = Field(default=None, max_length=1024)


class Status(Wire):
    """What became of one of our messages: ``sent``, ``delivered``, ``read`` or ``failed``;
    ``biz_opaque_callback_data`` is what we sent with it (our message id)."""

    id: str = Field(pattern=MESSAGE_ID)
    status: str = Field(pattern=r"^[a-z_]{1,32}$")
    timestamp: int = Field(ge=0, le=EPOCH_MAX)
    recipient_id: str | None = Field(default=None, pattern=WA_ID)
    recipient_user_id: str | None = Field(default=None, pattern=USER_ID)
    biz_opaque_callback_data: str | None = Field(default=None, max_length=512)
    errors: tuple[StatusError, ...] = Field(default=(), max_length=MANY)


class Metadata(Wire):
    """The business number that received the change."""

    phone_number_id: str = Field(pattern=r"^[0-9]{1,32}$")


class Value(Wire):
    """A ``messages`` change: messages from customers, statuses of ours, or both."""

    messaging_product: Literal["whatsapp"]
    metadata: Metadata
    contacts: tuple[Contact, ...] = Field(default=(), max_length=MANY)
    messages: tuple[Message, ...] = Field(default=(), max_length=MANY)
    statuses: tuple[Status, ...] = Field(default=(), max_length=MANY)


class Change(Wire):
    """One change; its ``value`` is read only for the ``messages`` field (the account's
    other fields, such as template reviews, have shapes of their own)."""

    field: str = Field(max_length=128)
    value: Value | None = None

    @model_validator(mode="before")
    @classmethod
    def _only_messages(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("field") != "messages":
            return {"field": data.get("field"), "value": None}
        return data


class Entry(Wire):
    """The changes of one WhatsApp Business Account."""

    id: str = Field(max_length=64)
    changes: tuple[Change, ...] = Field(default=(), max_length=MANY)


class Notification(Wire):
    """A webhook notification of the Cloud API."""

    object: Literal["whatsapp_business_account"]
    entry: tuple[Entry, ...] = Field(max_length=MANY)
