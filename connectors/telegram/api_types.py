"""The Bot API's types, as much of them as omnibot reads: an ``Update`` with its message or
button press, the bot's own ``User`` (``getMe``) and a ``File`` (``getFile``).

Each model declares the fields :mod:`.inbound`, :mod:`.connector`, :mod:`.polling` and
:mod:`.files` read, and every field the Bot API marks required on the objects that hold them,
with the types https://core.telegram.org/bots/api gives; anything else is ignored unread. So an
update is refused when what omnibot reads is missing or malformed (as aiogram's ``Update``
refused it, which ``tests/telegram/test_contract.py`` checks, aiogram serving as the oracle),
and one whose unread parts are malformed is taken on what omnibot reads.

Validation is pydantic's own, with no Python validator on any object: a text message takes
about a fifth of the time aiogram's ``Update`` took to validate, a button press a tenth, and
importing these models costs milliseconds, not the seconds aiogram spends building its ~450.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Wire(BaseModel):
    """A Bot API object: immutable; the fields omnibot does not read are ignored.

    A field whose JSON name differs from its Python name (``from``) is also taken by its Python
    name (``from_user``), as aiogram took it, so that changing library changed nothing.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class User(Wire):
    """A Telegram user or bot (the sender of a message or a press; ``getMe``'s answer)."""

    id: int
    is_bot: bool
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class Chat(Wire):
    """The chat a message is in; ``type`` is ``private``, ``group``, ``supergroup`` or
    ``channel``."""

    id: int
    type: str


class MessageEntity(Wire):
    """A span of a text: a command, a mention... Offsets count UTF-16 code units."""

    type: str
    offset: int
    length: int
    user: User | None = None


class Contact(Wire):
    """A shared contact: the sender's own when ``user_id`` is theirs."""

    phone_number: str
    first_name: str
    last_name: str | None = None
    user_id: int | None = None


class Location(Wire):
    """A point on the map."""

    latitude: float
    longitude: float


class Venue(Wire):
    """A named place (a message with a venue has its ``location`` too)."""

    location: Location
    title: str
    address: str


class PhotoSize(Wire):
    """One size of a photo."""

    file_id: str
    file_unique_id: str
    width: int
    height: int
    file_size: int | None = None


class Sticker(Wire):
    """A sticker: a WebP picture, a TGS animation or a WebM video."""

    file_id: str
    file_unique_id: str
    type: str
    width: int
    height: int
    is_animated: bool
    is_video: bool
    file_size: int | None = None


class Voice(Wire):
    """A voice note."""

    file_id: str
    file_unique_id: str
    duration: int
    mime_type: str | None = None
    file_size: int | None = None


class Audio(Wire):
    """An audio file, to be shown as music."""

    file_id: str
    file_unique_id: str
    duration: int
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Video(Wire):
    """A video file."""

    file_id: str
    file_unique_id: str
    width: int
    height: int
    duration: int
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Animation(Wire):
    """A GIF or a soundless video."""

    file_id: str
    file_unique_id: str
    width: int
    height: int
    duration: int
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Document(Wire):
    """Any other file."""

    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class VideoNote(Wire):
    """A round video message."""

    file_id: str
    file_unique_id: str
    length: int
    duration: int
    file_size: int | None = None


class ForumTopicCreated(Wire):
    """The service message that opens a forum topic."""

    name: str
    icon_color: int


class InlineKeyboardButton(Wire):
    """A button under a message; ``callback_data`` is what a press on it sends back."""

    text: str
    callback_data: str | None = None


class InlineKeyboardMarkup(Wire):
    """The buttons under a message, row by row."""

    inline_keyboard: tuple[tuple[InlineKeyboardButton, ...], ...]


class Message(Wire):
    """A message. ``date`` is read only to refuse what Telegram would never send."""

    message_id: int
    date: datetime
    chat: Chat
    message_thread_id: int | None = None
    from_user: User | None = Field(default=None, alias="from")
    is_topic_message: bool | None = None
    reply_to_message: Message | None = None
    text: str | None = None
    entities: tuple[MessageEntity, ...] | None = None
    animation: Animation | None = None
    audio: Audio | None = None
    document: Document | None = None
    photo: tuple[PhotoSize, ...] | None = None
    sticker: Sticker | None = None
    video: Video | None = None
    video_note: VideoNote | None = None
    voice: Voice | None = None
    caption: str | None = None
    caption_entities: tuple[MessageEntity, ...] | None = None
    contact: Contact | None = None
    venue: Venue | None = None
    location: Location | None = None
    forum_topic_created: ForumTopicCreated | None = None
    reply_markup: InlineKeyboardMarkup | None = None


class InaccessibleMessage(Wire):
    """A message the bot can no longer see (a press on a button of one): its ``date`` is 0."""

    chat: Chat
    message_id: int
    date: Literal[0] = 0


class CallbackQuery(Wire):
    """A press on an inline button."""

    id: str
    from_user: User = Field(alias="from")
    chat_instance: str
    # The order and pydantic's "smart" union decide between the two as aiogram's did: the
    # model that takes more of the given fields, the exact match on a tie, then Message.
    message: Message | InaccessibleMessage | None = None
    data: str | None = None


class Update(Wire):
    """One update, by webhook or ``getUpdates``: of its kinds, only those the bot asks for are
    read (see ``ALLOWED_UPDATES`` in :mod:`.connector`)."""

    update_id: int
    message: Message | None = None
    callback_query: CallbackQuery | None = None


class File(Wire):
    """``getFile``'s answer: ``file_path`` is where the file server has it (for an hour)."""

    file_id: str
    file_unique_id: str
    file_size: int | None = None
    file_path: str | None = None
