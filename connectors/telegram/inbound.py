"""Telegram updates into the common message format (pure: no I/O).

:func:`verify` checks the webhook's secret token, :func:`read` types an update's body (the part of
the Bot API omnibot reads, :mod:`.api_types`), and :func:`parse` finds what it asks of the bot.
What becomes what:

- a private message: always an event; in a group, only when the bot is addressed: a command
  for it (``/help``, ``/help@this_bot``), a mention of it, or a reply to one of its messages.
  The address is the chat (and forum topic); the customer is the sender, wherever they write.
- ``/start``, ``/stop``, ``/help``, ``/restart``: commands (``/start <payload>`` keeps the
  deep-link payload); any other command is read as its words ("/agent" as "agent").
- a button press (callback query): a ``button`` event with the payload and the button's title.
- a shared contact: ``contact``, verified only when it is the sender's own (its ``user_id`` is
  the sender's), and then the phone number is a verified attribute too.
- a location or venue: ``location``; a photo, document, voice note, audio, video, animation or
  sticker: an ``attachment`` carrying the ``file_id`` (and a signed link of ours, never
  Telegram's file URL, which contains the token), the caption as its text.
- everything else, edited messages included, is ignored (see docs/channels/telegram.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pydantic import ValidationError

from bot.errors import InboundRejected
from bot.format.messages import (
    Address,
    Attachment,
    AttachmentKind,
    Command,
    Contact,
    InboundEvent,
    Location,
    VerifiedAttribute,
)
from bot.http.untrusted import same_secret
from connectors.telegram import api_types as tg
from connectors.telegram.callbacks import digest_in
from connectors.telegram.settings import CHANNEL

COMMANDS = frozenset({"start", "stop", "help", "restart"})
MAX_NAME = 100
MAX_ARGUMENT = 512
_NON_DIGITS = re.compile(r"\D")
_SPACES = re.compile(r"[ \t]{2,}")

FileLink = Callable[[str], str]
"""Makes our signed link for a Telegram ``file_id``."""


@dataclass(frozen=True, slots=True)
class BotProfile:
    """Who the bot is, to tell whether a group message is addressed to it."""

    id: int
    username: str | None = None

    def is_named(self, name: str) -> bool:
        """Whether ``name`` (with or without ``@``) is the bot's username."""
        return self.username is not None and name.lstrip("@").casefold() == (
            self.username.casefold()
        )


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one update asks of the bot.

    ``event`` to submit (``None``: nothing to do); ``callback_id`` of a button press to answer
    so that the client stops spinning, with ``notice`` as the answer's text if any; ``digest``
    when the pressed button's payload was too long for Telegram and must be looked up.
    """

    event: InboundEvent | None
    callback_id: str | None = None
    digest: str | None = None
    notice: str | None = None

    def with_payload(self, payload: str | None, expired: str) -> Parsed:
        """This press with its looked-up payload, or without an event (and ``expired`` as the
        answer) when the button is too old to be found."""
        if self.event is None:
            return self
        if payload is None:
            return replace(self, event=None, digest=None, notice=expired)
        event = self.event.model_copy(update={"payload": payload})
        return replace(self, event=event, digest=None)


IGNORED = Parsed(None)


def verify(given: str | None, secret: bytes) -> None:
    """Raise :class:`InboundRejected` (401) unless ``given``, the webhook's secret token, is
    ``secret`` (compared in constant time); without a secret, no request is Telegram's."""
    if not secret or not same_secret(given, secret):
        raise InboundRejected(401, "missing or wrong secret token")


def read(body: bytes) -> tg.Update:
    """The update a webhook's body holds; raises :class:`InboundRejected` (400) for anything
    else."""
    try:
        return tg.Update.model_validate_json(body)
    except ValidationError as exc:
        raise InboundRejected(400, "the body is not a Telegram update") from exc


def parse(update: tg.Update, bot: BotProfile, link: FileLink | None = None) -> Parsed:
    """The event an update carries, if it is one the bot answers."""
    if update.message is not None:
        return Parsed(_message(update.update_id, update.message, bot, link))
    if update.callback_query is not None:
        return _press(update.update_id, update.callback_query, bot)
    return IGNORED


def event_id(bot: BotProfile, update_id: int) -> str:
    """The provider id of an update: ``update_id`` is unique per bot, so the bot is part of it
    (a bot replaced by another within the deduplication window cannot collide)."""
    return f"{bot.id}:{update_id}"


def _message(
    update_id: int, message: tg.Message, bot: BotProfile, link: FileLink | None
) -> InboundEvent | None:
    sender = message.from_user
    if sender is None or sender.is_bot:
        return None  # channel posts, anonymous admins, other bots
    text, entities = _words(message)
    private = message.chat.type == "private"
    if not private and not _addressed(message, text, entities, bot):
        return None
    fields = _kind(message, sender, _strip_mentions(text, entities, bot), entities, link)
    if fields is None:
        return None
    return InboundEvent.model_validate(
        {
            "event_id": event_id(bot, update_id),
            "channel": CHANNEL,
            "address": _address(message, sender, bot),
            "locale": sender.language_code,
            "name": _name(sender.first_name, sender.last_name),
            **fields,
        }
    )


def _words(message: tg.Message) -> tuple[str, Sequence[tg.MessageEntity]]:
    """The text or caption, and its entities."""
    if message.text is not None:
        return message.text, message.entities or ()
    return message.caption or "", message.caption_entities or ()


def _address(
    message: tg.Message | tg.InaccessibleMessage, sender: tg.User, bot: BotProfile
) -> Address:
    """Replies go to the chat, and to the forum topic the message is in; the customer is the
    sender, so in a group each member is their own customer."""
    topic = None
    if isinstance(message, tg.Message) and message.is_topic_message:
        topic = message.message_thread_id
    return Address(
        channel=CHANNEL,
        user_id=str(sender.id),
        conversation_id=str(message.chat.id),
        thread_id=str(topic) if topic is not None else None,
        bot_id=str(bot.id),
    )


def _name(first: str | None, last: str | None) -> str | None:
    name = " ".join(part for part in (first, last) if part).strip()
    return name[:MAX_NAME] or None


def _addressed(
    message: tg.Message, text: str, entities: Sequence[tg.MessageEntity], bot: BotProfile
) -> bool:
    """In a group: a command for this bot, a mention of it, or a reply to it."""
    if _replies_to_bot(message, bot):
        return True
    for entity in entities:
        if entity.type == "bot_command" and entity.offset == 0:
            _, _, target = _piece(text, entity).partition("@")
            return not target or bot.is_named(target)
        if _names_bot(text, entity, bot):
            return True
    return False


def _names_bot(text: str, entity: tg.MessageEntity, bot: BotProfile) -> bool:
    """Whether ``entity`` is a mention of the bot, by username or as a user."""
    if entity.type == "mention":
        return bot.is_named(_piece(text, entity))
    return entity.type == "text_mention" and entity.user is not None and entity.user.id == bot.id


def _replies_to_bot(message: tg.Message, bot: BotProfile) -> bool:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
        return False
    # In a forum, every message of a topic "replies" to the topic's creation; that is not a
    # reply to the bot even if the bot opened the topic.
    return replied.forum_topic_created is None


def _kind(
    message: tg.Message,
    sender: tg.User,
    text: str,
    entities: Sequence[tg.MessageEntity],
    link: FileLink | None,
) -> dict[str, object] | None:
    """The event's kind and the fields that go with it."""
    if message.contact is not None:
        return _contact(message.contact, sender)
    if message.location is not None:
        venue = message.venue
        location = Location(
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            title=venue.title[:256] if venue is not None else None,
        )
        return {"kind": "location", "location": location}
    attachment = _attachment(message, link)
    if attachment is not None:
        return {"kind": "attachment", "attachments": (attachment,), "text": text or None}
    if message.text is None or not text:
        return None
    if text.startswith("/") and any(entity.type == "bot_command" for entity in entities):
        return _command(text)
    return {"kind": "text", "text": text}


def _command(text: str) -> dict[str, object]:
    """``/name [argument]``: a command the core knows, else its words as text ("/order_status"
    reads as "order status", so a command menu set up in BotFather can name flows)."""
    head, *rest = text.split(maxsplit=1)
    name = head[1:].partition("@")[0].casefold()
    argument = rest[0][:MAX_ARGUMENT] if rest else None
    shown = f"/{name}" + (f" {argument}" if argument else "")
    if name in COMMANDS:
        command = Command.model_validate({"name": name, "argument": argument})
        return {"kind": "command", "command": command, "text": shown}
    words = " ".join(part for part in (name.replace("_", " "), argument) if part)
    return {"kind": "text", "text": words or shown}


def _contact(contact: tg.Contact, sender: tg.User) -> dict[str, object]:
    own = contact.user_id is not None and contact.user_id == sender.id
    # Telegram gives the owner's number in international form without the "+"; a card from
    # someone's phone book is kept as it was typed, and proves nothing.
    phone = "+" + _NON_DIGITS.sub("", contact.phone_number) if own else contact.phone_number
    phone = phone.strip()
    fields: dict[str, object] = {
        "kind": "contact",
        "contact": Contact(
            phone=phone,
            name=_name(contact.first_name, contact.last_name),
            user_id=str(contact.user_id) if contact.user_id is not None else None,
            verified=own,
        ),
    }
    if own:
        fields["verified"] = (VerifiedAttribute(kind="phone", value=phone, issuer=CHANNEL),)
    return fields


def _attachment(message: tg.Message, link: FileLink | None) -> Attachment | None:
    found = _file(message)
    if found is None:
        return None
    kind, file_id, content_type, name, size = found
    return Attachment(
        kind=kind,
        file_id=file_id,
        url=link(file_id) if link is not None else None,
        content_type=content_type,
        name=name[:256] if name else None,
        size=size,
    )


_FileFields = tuple[AttachmentKind, str, str | None, str | None, int | None]
_Media = tg.Animation | tg.Video | tg.Audio | tg.Document


def _file(message: tg.Message) -> _FileFields | None:
    """(kind, file_id, content type, name, size) of the message's file, if it has one."""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return "image", largest.file_id, "image/jpeg", None, largest.file_size
    if message.sticker is not None:
        sticker = message.sticker
        content = "video/webm" if sticker.is_video else "image/webp"
        content = "application/x-tgsticker" if sticker.is_animated else content
        return "sticker", sticker.file_id, content, None, sticker.file_size
    if message.voice is not None:
        voice = message.voice
        return "voice", voice.file_id, voice.mime_type or "audio/ogg", None, voice.file_size
    # An animation also fills ``document`` (for old clients), so it is looked at first.
    files: tuple[tuple[AttachmentKind, _Media | None], ...] = (
        ("video", message.animation),
        ("video", message.video),
        ("audio", message.audio),
        ("file", message.document),
    )
    for kind, media in files:
        if media is not None:
            return kind, media.file_id, media.mime_type, media.file_name, media.file_size
    if message.video_note is not None:
        note = message.video_note
        return "video", note.file_id, "video/mp4", None, note.file_size
    return None


def _press(update_id: int, query: tg.CallbackQuery, bot: BotProfile) -> Parsed:
    """A callback query: always answered; an event when it comes from one of our buttons."""
    message = query.message
    if query.data is None or message is None or query.from_user.is_bot:
        return Parsed(None, callback_id=query.id)
    event = InboundEvent(
        event_id=event_id(bot, update_id),
        channel=CHANNEL,
        address=_address(message, query.from_user, bot),
        kind="button",
        payload=query.data,
        text=_title(message, query.data),
        locale=query.from_user.language_code,
        name=_name(query.from_user.first_name, query.from_user.last_name),
    )
    return Parsed(event, callback_id=query.id, digest=digest_in(query.data))


def _title(message: tg.Message | tg.InaccessibleMessage, data: str) -> str | None:
    """The pressed button's title, from the keyboard Telegram sends back with the press."""
    if not isinstance(message, tg.Message) or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _strip_mentions(text: str, entities: Sequence[tg.MessageEntity], bot: BotProfile) -> str:
    """The text without mentions of the bot ("@store_bot where is my order" reads as "where is
    my order"), and ``/cmd@store_bot`` as ``/cmd``; unchanged if nothing else is left."""
    cuts = [entity for entity in entities if _names_bot(text, entity, bot)]
    stripped = text
    if cuts:
        units = text.encode("utf-16-le")
        for entity in sorted(cuts, key=lambda e: e.offset, reverse=True):
            units = units[: entity.offset * 2] + units[(entity.offset + entity.length) * 2 :]
        stripped = _SPACES.sub(" ", units.decode("utf-16-le", errors="replace")).strip()
    head, at, rest = stripped.partition("@")
    if head.startswith("/") and " " not in head and at:
        target, space, words = rest.partition(" ")
        if bot.is_named(target):
            stripped = head + space + words
    return stripped or text


def _piece(text: str, entity: tg.MessageEntity) -> str:
    """The part of ``text`` an entity covers (its offsets count UTF-16 code units)."""
    units = text.encode("utf-16-le")[entity.offset * 2 : (entity.offset + entity.length) * 2]
    return units.decode("utf-16-le", errors="replace")
