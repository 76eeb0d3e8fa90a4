"""Transcript entries as the Bot Framework activities a Direct Line client is shown (pure).

What a client is shown is built from transcript entries, so a customer's own messages come back
as their echo (with the client's ``clientActivityID``, which is how Web Chat knows that a message
it sent arrived) and the bot's as messages with cards and suggested actions (:func:`render`).

Buttons that send a payload are ``messageBack`` actions: Web Chat shows their title as what the
customer said (as the web chat's own widget does) and posts the payload as the ``value``.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field

from bot.format.messages import InboundEvent
from bot.format.outbound import Button, Card, Media, Template, Text, Typing
from bot.format.transcript import InboundEntry, Logged, OutboundEntry
from connectors.webchat.directline.inbound import Wire, address_of
from connectors.webchat.directline.tokens import user_of

CHANNEL_ID = "directline"
HERO_CARD = "application/vnd.microsoft.card.hero"


class Account(Wire):
    """``from``."""

    id: str
    name: str | None = None
    role: Literal["user", "bot"]


class ConversationAccount(Wire):
    """``conversation``."""

    id: str


class CardAction(Wire):
    """A button: ``messageBack`` sends its value, ``openUrl`` opens it."""

    type: Literal["messageBack", "openUrl"]
    title: str
    value: str
    display_text: str | None = None


class SuggestedActions(Wire):
    """Buttons under the latest message, gone once one is pressed."""

    actions: tuple[CardAction, ...]


class CardImage(Wire):
    """An image of a card."""

    url: str


class HeroCard(Wire):
    """A title, subtitle, image and buttons."""

    title: str
    subtitle: str | None = None
    images: tuple[CardImage, ...] | None = None
    buttons: tuple[CardAction, ...] | None = None


class Attachment(Wire):
    """A file by URL, or a card."""

    content_type: str
    content_url: str | None = None
    name: str | None = None
    content: HeroCard | None = None


class ShownMessageBack(Wire):
    """``channelData.messageBack`` of an echoed button press."""

    display_text: str


class ShownChannelData(Wire):
    """``channelData`` of an echo: the client's own id for the activity."""

    client_activity_id: str | None = Field(default=None, alias="clientActivityID")
    post_back: bool | None = None
    message_back: ShownMessageBack | None = None


class Activity(Wire):
    """A message activity as clients are shown it."""

    type: Literal["message"] = "message"
    id: str
    timestamp: datetime
    channel_id: str = CHANNEL_ID
    conversation: ConversationAccount
    sender: Account = Field(alias="from")
    text: str | None = None
    text_format: Literal["plain", "markdown"] | None = None
    value: str | None = None
    attachments: tuple[Attachment, ...] | None = None
    suggested_actions: SuggestedActions | None = None
    channel_data: ShownChannelData | None = None


class ActivitySet(Wire):
    """What the stream and the polling endpoint send: activities, and the watermark to resume
    from (a transcript entry id)."""

    activities: tuple[Activity, ...]
    watermark: str | None = None


@dataclass(frozen=True, slots=True)
class _Head:
    """What every activity of one entry carries."""

    id: str
    at: datetime
    conversation: ConversationAccount


def render(logged: Logged, conversation_id: str, bot_name: str) -> Activity | None:
    """The activity for one transcript entry, or ``None`` for what a customer does not see."""
    entry = logged.entry
    head = _Head(
        f"{conversation_id}|{logged.id}", entry.at, ConversationAccount(id=conversation_id)
    )
    if isinstance(entry, InboundEntry) and isinstance(entry.event, InboundEvent):
        return _echo(head, entry.event)
    if isinstance(entry, OutboundEntry) and not isinstance(entry.message, Typing):
        author = Account(id="bot", name=bot_name, role="bot")
        if entry.author != "bot":
            author = Account(id="agent", name="Agent", role="bot")
        return _from_bot(head, author, entry.message)
    return None


def _message(
    head: _Head,
    sender: Account,
    text: str | None,
    *,
    text_format: Literal["plain", "markdown"] | None = None,
    value: str | None = None,
    attachments: tuple[Attachment, ...] | None = None,
    suggested_actions: SuggestedActions | None = None,
    channel_data: ShownChannelData | None = None,
) -> Activity:
    return Activity(
        id=head.id,
        timestamp=head.at,
        conversation=head.conversation,
        sender=sender,
        text=text,
        text_format=text_format,
        value=value,
        attachments=attachments,
        suggested_actions=suggested_actions,
        channel_data=channel_data,
    )


def _echo(head: _Head, event: InboundEvent) -> Activity:
    """A customer's own message, from any of their channels; with ``clientActivityID`` when
    this conversation posted it, so that the client matches it to what it sent."""
    conversation = head.conversation.id
    client_id = event.event_id if event.address == address_of(conversation) else None
    sender = Account(id=user_of(conversation), name=event.name, role="user")
    if event.kind != "button" or event.payload is None:
        return _message(
            head, sender, said(event), channel_data=ShownChannelData(client_activity_id=client_id)
        )
    if event.text:
        shown = ShownMessageBack(display_text=event.text)
        data = ShownChannelData(client_activity_id=client_id, message_back=shown)
    else:
        data = ShownChannelData(client_activity_id=client_id, post_back=True)
    return _message(
        head, sender, event.text or event.payload, value=event.payload, channel_data=data
    )


def said(event: InboundEvent) -> str:
    """What a customer's event reads as, whatever channel it came from."""
    if event.kind == "location" and event.location is not None:
        return f"{event.location.latitude:.5f}, {event.location.longitude:.5f}"
    if event.kind == "contact":
        return "(a contact card)"
    if event.kind == "attachment":
        return event.text or ", ".join(f"({a.kind})" for a in event.attachments)
    if event.kind == "command" and event.command is not None:
        return event.text or f"/{event.command.name}"
    return event.text or event.payload or ""


def _from_bot(head: _Head, author: Account, message: Text | Media | Card | Template) -> Activity:
    if isinstance(message, Template):  # what a WhatsApp template said, in the same conversation
        return _message(head, author, message.text, text_format="plain")
    if isinstance(message, Text):
        return _message(
            head,
            author,
            message.text,
            text_format=message.format,
            suggested_actions=_suggested((*message.buttons, *message.quick_replies)),
        )
    if isinstance(message, Media):
        return _message(
            head,
            author,
            message.caption,
            text_format="plain" if message.caption else None,
            attachments=(_media(message),),
            suggested_actions=_suggested(message.buttons),
        )
    return _message(head, author, None, attachments=(_hero(message),))


def _suggested(buttons: tuple[Button, ...]) -> SuggestedActions | None:
    actions = _actions(buttons)
    return SuggestedActions(actions=actions) if actions else None


def _actions(buttons: tuple[Button, ...]) -> tuple[CardAction, ...]:
    return tuple(action for button in buttons if (action := card_action(button)) is not None)


def card_action(button: Button) -> CardAction | None:
    """A button as a card action; buttons that ask to share a phone or a place have none."""
    if button.kind == "postback" and button.payload is not None:
        return CardAction(
            type="messageBack", title=button.title, value=button.payload, display_text=button.title
        )
    if button.kind == "url" and button.url is not None:
        return CardAction(type="openUrl", title=button.title, value=button.url)
    return None


def _media(message: Media) -> Attachment:
    return Attachment(
        content_type=_content_type(message.kind, message.url),
        content_url=message.url,
        name=message.name,
    )


def _content_type(kind: str, url: str) -> str:
    """Web Chat picks its player by the content type's major part, so it must be right."""
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    if kind == "file":
        return guessed or "application/octet-stream"
    if guessed and guessed.startswith(f"{kind}/"):
        return guessed
    return f"{kind}/*"


def _hero(card: Card) -> Attachment:
    images = (CardImage(url=card.image_url),) if card.image_url else None
    hero = HeroCard(
        title=card.title, subtitle=card.subtitle, images=images, buttons=_actions(card.buttons)
    )
    return Attachment(content_type=HERO_CARD, content=hero)
