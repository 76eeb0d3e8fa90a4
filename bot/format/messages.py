"""The inbound side of the common message format.

Every connector turns what its channel delivers into an :class:`InboundEvent`; the core never sees
a vendor object. Internal writers of customer state (timers, proactive notifications, later agent
replies) use :class:`SystemEvent`. Both travel through the same per-customer turn path, so the
union :data:`TurnInput` is what a customer's inbox holds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
    field_validator,
    model_validator,
)

from bot.http.limits import MAX_ATTACHMENTS, MAX_PAYLOAD, MAX_TEXT

__all__ = ["MAX_ATTACHMENTS", "MAX_TEXT"]  # re-exported: connectors import them from here

CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class Model(BaseModel):
    """Base of every message-format model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __eq__(self, other: object) -> bool:
        # Immutable, so one instance equals itself without pydantic comparing its fields: a
        # record saved without its defaults is compared with the shared ones on every save.
        return self is other or super().__eq__(other)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _check_channel(value: str) -> str:
    if not CHANNEL_NAME.match(value):
        raise ValueError(f"channel name {value!r} must be lowercase letters, digits, '-' or '_'")
    return value


class ChannelIdentity(Model):
    """Who the customer is on one channel: the channel's own user id."""

    channel: str
    user_id: str = Field(min_length=1, max_length=256)

    _channel = field_validator("channel")(_check_channel)

    @property
    def key(self) -> str:
        """A stable string form, ``channel:user_id``."""
        return f"{self.channel}:{self.user_id}"


class Address(Model):
    """Where to answer: a serialisable conversation reference.

    Any process can send to a customer later with only this (proactive messages, agent replies):
    ``conversation_id`` is the chat, channel, phone number or web chat session; ``thread_id`` a
    thread inside it; ``bot_id`` which of our own identities on the channel received the message
    (a Twilio number, a Slack team).
    """

    channel: str
    user_id: str = Field(min_length=1, max_length=256)
    conversation_id: str = Field(min_length=1, max_length=256)
    thread_id: str | None = Field(default=None, max_length=256)
    bot_id: str | None = Field(default=None, max_length=256)

    _channel = field_validator("channel")(_check_channel)

    @property
    def identity(self) -> ChannelIdentity:
        """The customer's identity on this address's channel."""
        return ChannelIdentity(channel=self.channel, user_id=self.user_id)


VerifiedKind = Literal["phone", "email", "external_id"]


_PHONE = re.compile(r"^\+[\d\s().-]+$")


def canonical(kind: str, value: str) -> str:
    """The one form in which two values of ``kind`` are compared, indexed and stored.

    An e-mail is compared without case (the channels that vouch for one, a workspace or a host
    site, verified that mail reaches it, and mail systems treat addresses without case); a
    phone is E.164, ``+`` and digits, whatever punctuation it came with; a site's user id is
    opaque and kept exactly as the site gave it: ``User42`` and ``user42`` are two people.
    """
    if kind == "email":
        return value.strip().lower()
    if kind == "phone" and value[1:].isdigit() and value[:1] == "+":
        return value  # already E.164, as most channels give it: no copy
    if kind == "phone" and _PHONE.match(value):
        return "+" + "".join(ch for ch in value if ch.isdigit())
    return value


class VerifiedAttribute(Model):
    """A fact about the customer that the channel itself vouches for.

    Only connectors create these, and only for what their channel has verified: the SMS sender's
    number, a Telegram contact shared by its owner, a Slack workspace e-mail, a web chat identity
    signed by the host site. ``issuer`` says who vouched (``sms``, ``webchat:shop.example``).
    ``value`` is held in its :func:`canonical` form, so two attributes name the same thing
    exactly when :meth:`same` says so, with no other normalising anywhere.
    """

    kind: VerifiedKind
    value: str = Field(min_length=1, max_length=320)
    issuer: str = Field(min_length=1, max_length=128)

    @model_validator(mode="before")
    @classmethod
    def _canonical(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("value"), str):
            return {**data, "value": canonical(str(data.get("kind")), data["value"])}
        return data

    def same(self, other: VerifiedAttribute) -> bool:
        """Whether ``other`` names the same thing: the same phone or e-mail whoever vouched
        for it; the same user id of the same site."""
        scoped = self.kind == "external_id"
        return (self.kind, self.value) == (other.kind, other.value) and (
            not scoped or self.issuer == other.issuer
        )


AttachmentKind = Literal["image", "audio", "voice", "video", "file", "sticker"]


class Attachment(Model):
    """A file the customer sent; ``url`` when the channel gives one, else ``file_id``."""

    kind: AttachmentKind
    url: str | None = Field(default=None, max_length=2048)
    file_id: str | None = Field(default=None, max_length=512)
    content_type: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=256)
    size: int | None = Field(default=None, ge=0)
    note: str | None = Field(default=None, max_length=256)
    """Why the file itself is not at hand when it is not (too big to keep, say)."""

    @model_validator(mode="after")
    def _has_reference(self) -> Attachment:
        if self.url is None and self.file_id is None:
            raise ValueError("an attachment needs a url or a file_id")
        return self


class Location(Model):
    """A point the customer shared."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    title: str | None = Field(default=None, max_length=256)


class Contact(Model):
    """A contact card the customer shared.

    ``verified`` is true only when the channel proves that the contact is the sender's own (a
    Telegram contact whose ``user_id`` is the sender's); a forwarded card is never verified.
    """

    phone: str = Field(min_length=3, max_length=32)
    name: str | None = Field(default=None, max_length=256)
    user_id: str | None = Field(default=None, max_length=256)
    verified: bool = False


CommandName = Literal["start", "stop", "help", "restart"]


class Command(Model):
    """A channel command such as Telegram's ``/start <payload>`` or SMS ``STOP``."""

    name: CommandName
    argument: str | None = Field(default=None, max_length=512)


EventKind = Literal["text", "button", "attachment", "location", "contact", "command"]


class Cut(Model):
    """What was cut from a customer's message to fit :mod:`bot.http.limits`: the text's length and
    the number of attachments as they arrived (``None``: that part was whole)."""

    text_length: int | None = Field(default=None, gt=MAX_TEXT)
    attachments: int | None = Field(default=None, gt=MAX_ATTACHMENTS)

    def describe(self) -> str:
        """One line for the transcript."""
        parts = []
        if self.text_length is not None:
            parts.append(f"its text to {MAX_TEXT:,} of {self.text_length:,} characters")
        if self.attachments is not None:
            parts.append(f"its attachments to {MAX_ATTACHMENTS} of {self.attachments}")
        return "the customer's message was cut: " + " and ".join(parts)


class InboundEvent(Model):
    """One thing a customer did on a channel, in the channel-neutral form.

    ``event_id`` is the provider's own id (Telegram ``update_id``, Slack ``event_id``, Twilio
    ``MessageSid``, the web chat's client message id): a redelivery carries the same id and is
    processed once. ``name`` is the sender's name as the channel shows it, if it does.
    ``client`` is who presented it, on channels whose clients connect to us themselves (the
    web chat, Direct Line): a digest of their network address
    (:func:`bot.http.sources.client_source`), so that limits can count one client however many
    sessions it opens.

    A text longer than :data:`~bot.http.limits.MAX_TEXT` is cut to it, and attachments past
    :data:`~bot.http.limits.MAX_ATTACHMENTS` are dropped, when the event is made: ``cut`` then says
    what arrived (the pipeline notes it in the transcript).
    """

    source: Literal["customer"] = "customer"
    event_id: str = Field(min_length=1, max_length=256)
    channel: str
    address: Address
    received_at: AwareDatetime = Field(default_factory=utcnow)
    kind: EventKind
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    payload: str | None = Field(default=None, max_length=MAX_PAYLOAD)
    command: Command | None = None
    attachments: tuple[Attachment, ...] = Field(default=(), max_length=MAX_ATTACHMENTS)
    location: Location | None = None
    contact: Contact | None = None
    locale: str | None = Field(default=None, max_length=35)
    name: str | None = Field(default=None, max_length=100)
    verified: tuple[VerifiedAttribute, ...] = Field(default=(), max_length=8)
    client: str | None = Field(default=None, max_length=64)
    cut: Cut | None = None
    anonymous: bool = False
    """Whether anyone can make identities like the sender's at no cost (an unsigned web chat
    session, a Direct Line conversation): it vouches for nothing, and the limits on guessing
    codes treat it apart (see :mod:`bot.identity.link_codes`)."""

    _channel = field_validator("channel")(_check_channel)

    @property
    def sender(self) -> ChannelIdentity:
        """The customer's identity on the channel the event came from."""
        return self.address.identity

    def said(self) -> tuple[str, ...]:
        """What the customer put in this event, for logs to hide (:func:`bot.app.logs.hiding`)."""
        values: list[str | None] = [self.text, self.payload, self.name]
        values.append(self.command.argument if self.command else None)
        values += [self.contact.phone, self.contact.name] if self.contact else []
        values.append(self.location.title if self.location else None)
        values += [attachment.name for attachment in self.attachments]
        values += [attribute.value for attribute in self.verified]
        return tuple(value for value in values if value)

    @model_validator(mode="before")
    @classmethod
    def _fit(cls, data: Any) -> Any:
        """Cut what is over the content limits, and say so in ``cut``."""
        if not isinstance(data, dict) or data.get("cut") is not None:
            return data
        text, attachments = data.get("text"), data.get("attachments")
        fitted, cut = dict(data), {}
        if isinstance(text, str) and len(text) > MAX_TEXT:
            fitted["text"], cut["text_length"] = text[:MAX_TEXT], len(text)
        if isinstance(attachments, list | tuple) and len(attachments) > MAX_ATTACHMENTS:
            fitted["attachments"] = tuple(attachments[:MAX_ATTACHMENTS])
            cut["attachments"] = len(attachments)
        return {**fitted, "cut": Cut(**cut)} if cut else data

    @model_validator(mode="after")
    def _consistent(self) -> InboundEvent:
        if self.address.channel != self.channel:
            raise ValueError("address.channel must be the event's channel")
        required = {
            "text": self.text,
            "button": self.payload,
            "command": self.command,
            "location": self.location,
            "contact": self.contact,
            "attachment": self.attachments or None,
        }[self.kind]
        if required is None or required == "":
            raise ValueError(f"a {self.kind!r} event needs its {_PART[self.kind]}")
        return self


_PART = {
    "text": "text",
    "button": "payload",
    "command": "command",
    "location": "location",
    "contact": "contact",
    "attachment": "attachments",
}


class SystemEvent(Model):
    """A writer of customer state that is not the customer: a timer, a proactive notice.

    It goes through the same per-customer turn path as a customer's message; ``event_id``, when
    given, deduplicates it like a provider id.
    """

    source: Literal["system"] = "system"
    event_id: str | None = Field(default=None, min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=128)
    data: dict[str, JsonValue] = Field(default_factory=dict)
    received_at: AwareDatetime = Field(default_factory=utcnow)

    def said(self) -> tuple[str, ...]:
        """What a person wrote in this event (an agent's reply or note), for logs to hide."""
        text = self.data.get("text")
        return (text,) if isinstance(text, str) and text else ()


TurnInput = Annotated[InboundEvent | SystemEvent, Field(discriminator="source")]
TURN_INPUT: TypeAdapter[InboundEvent | SystemEvent] = TypeAdapter(TurnInput)
