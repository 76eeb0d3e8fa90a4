"""Bot Framework activities a Direct Line client posts, read into the common format (pure).

What a client posts is read tolerantly (Web Chat sends locale, entities, timestamps and more that
the bot has no use for) but strictly where it matters: the text, the pressed button's value, the
client's activity id. :func:`read` types a posted body, :func:`parse` makes the customer's event
of it. A pressed button comes as Web Chat sends it: a ``messageBack`` with the payload as the
``value`` and its title as ``displayText``, or a ``postBack`` with the payload as the text.
Who may post at all is for the credentials to say (:mod:`.tokens`).
"""

from __future__ import annotations

import secrets

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from bot.format.messages import Address, InboundEvent
from bot.http.limits import MAX_PAYLOAD
from connectors.webchat.directline.tokens import DirectLineRefused
from connectors.webchat.settings import CHANNEL

IGNORED_TYPES = frozenset({"typing", "event"})


class Wire(BaseModel):
    """A Bot Framework schema object: camelCase on the wire."""

    model_config = ConfigDict(
        frozen=True, alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True
    )


class Posted(Wire):
    """Anything a client sends: unknown fields are ignored, as the real service does."""

    model_config = ConfigDict(extra="ignore")


class PostedAccount(Posted):
    """``from``: only the name is read; the conversation, not the client, says who the customer
    is, and its tokens carry the user id that echoes show."""

    name: str | None = Field(default=None, max_length=256)


class PostedMessageBack(Posted):
    """``channelData.messageBack``: what Web Chat showed for a pressed button."""

    display_text: str | None = Field(default=None, max_length=256)


class PostedChannelData(Posted):
    """The parts of ``channelData`` that Web Chat fills in."""

    client_activity_id: str | None = Field(
        default=None, alias="clientActivityID", min_length=1, max_length=128
    )
    post_back: bool = False
    message_back: PostedMessageBack | None = None


class PostedActivity(Posted):
    """An activity a client posts."""

    type: str = Field(min_length=1, max_length=64)
    text: str | None = None
    value: str | None = Field(default=None, max_length=MAX_PAYLOAD)
    sender: PostedAccount | None = Field(default=None, alias="from")
    locale: str | None = Field(default=None, max_length=35)
    channel_data: PostedChannelData | None = None
    attachments: tuple[object, ...] = ()


def read(body: bytes) -> PostedActivity:
    """The posted activity; raises :class:`DirectLineRefused` (400) naming what is wrong."""
    try:
        return PostedActivity.model_validate_json(body)
    except ValidationError as exc:
        raise DirectLineRefused(400, "BadArgument", _first_error(exc)) from exc


def parse(
    activity: PostedActivity, conversation_id: str, client: str | None = None
) -> InboundEvent | None:
    """The customer's event, or ``None`` for what the bot does not act on (typing, events);
    ``client`` is who posted it (:func:`bot.http.sources.client_source`)."""
    if activity.type in IGNORED_TYPES:
        return None
    if activity.type != "message":
        raise DirectLineRefused(400, "BadArgument", f"unsupported activity type {activity.type!r}")
    if activity.attachments:
        raise DirectLineRefused(400, "BadArgument", "this bot takes no attachments")
    data = activity.channel_data or PostedChannelData()
    event_id = data.client_activity_id or secrets.token_urlsafe(16)
    name = (activity.sender.name or None) if activity.sender else None
    payload, shown = _pressed(activity, data)
    try:
        return InboundEvent(
            event_id=event_id,
            channel=CHANNEL,
            address=address_of(conversation_id),
            kind="text" if payload is None else "button",
            text=activity.text if payload is None else shown,
            payload=payload,
            locale=activity.locale,
            name=name[:100] if name else None,
            client=client,
            anonymous=True,
        )
    except ValidationError as exc:
        raise DirectLineRefused(400, "BadArgument", "a message needs a text or a value") from exc


def address_of(conversation_id: str) -> Address:
    """Where a Direct Line conversation is answered: a web chat conversation of its own."""
    key = f"dl:{conversation_id}"
    return Address(channel=CHANNEL, user_id=key, conversation_id=key)


def _pressed(activity: PostedActivity, data: PostedChannelData) -> tuple[str | None, str | None]:
    """The payload and title of a pressed button: ``messageBack`` carries the payload as the
    value (and the title as ``displayText``), ``postBack`` as the text."""
    if activity.value is not None:
        shown = data.message_back.display_text if data.message_back else None
        return activity.value, shown or activity.text
    if data.post_back and activity.text:
        return activity.text, None
    return None, None


def _first_error(exc: ValidationError) -> str:
    detail = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in detail["loc"])
    return f"{where}: {detail['msg']}" if where else detail["msg"]
