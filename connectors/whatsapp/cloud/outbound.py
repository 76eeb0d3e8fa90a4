"""Rendered messages into Cloud API message bodies (pure: no I/O).

The core has already degraded messages to WhatsApp's capabilities (at most 10 choices, titles
of at most 24 characters, no markup); this module chooses the shape and writes it:

- a text of up to 4,096 characters per message, cut where :func:`~bot.format.text_split.split_text`
  prefers;
- choices on the last message: up to 3 with titles of at most 20 characters as reply buttons,
  otherwise (up to 10) a list message that ``list_button`` opens; an interactive message's body
  holds at most 1,024 characters, so the text before that goes first as a text message;
- media by their link (:func:`media`), with the caption when it fits;
- a choice's id is its payload, which WhatsApp sends back when it is chosen; a payload too long
  for an id (200 characters, a list row's limit) is replaced by a digest: that press is then no
  offered payload, and the pipeline reads it as its typed title, which names the option.

A template (what the core sends outside the 24-hour window, :mod:`bot.turn.window`) goes as
``type: template`` with its name, language code and its body's parameters as text.

Every body is ``{"messaging_product": "whatsapp", "recipient_type": "individual", "to", "type",
...}`` (``recipient`` instead of ``to`` for a business-scoped user id), with
``biz_opaque_callback_data`` set to our message id so that its statuses name it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Literal, NotRequired, TypedDict

from bot.format.outbound import Button, Card, Media, OutboundMessage, Template, Text, Typing
from bot.format.text_split import split_text

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ID = 200
MAX_CAPTION = 1024
MAX_FILENAME = 240
DIGEST_MARK = "#~"
CHOOSE = "\u2b06\ufe0f"
"""The body of choices that follow a media message without a caption (an interactive message
needs one): an arrow pointing at the media."""
MEDIA_TYPES: dict[str, MediaType] = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "file": "document",
}


class TextContent(TypedDict):
    """A text message's ``text``."""

    body: str
    preview_url: bool


class ReplyId(TypedDict):
    """A reply button's ``reply``."""

    id: str
    title: str


class ReplyButton(TypedDict):
    """One of ``action.buttons``."""

    type: Literal["reply"]
    reply: ReplyId


class Row(TypedDict):
    """A list row."""

    id: str
    title: str


class Section(TypedDict):
    """A list's section (one, untitled)."""

    rows: list[Row]


class Action(TypedDict):
    """An interactive message's ``action``: ``buttons``, or a list's ``button`` and
    ``sections``."""

    buttons: NotRequired[list[ReplyButton]]
    button: NotRequired[str]
    sections: NotRequired[list[Section]]


class BodyText(TypedDict):
    """An interactive message's ``body``."""

    text: str


class InteractiveContent(TypedDict):
    """An interactive message's ``interactive``."""

    type: Literal["button", "list"]
    body: BodyText
    action: Action


class TextParameter(TypedDict):
    """A template parameter's value."""

    type: Literal["text"]
    text: str


class Component(TypedDict):
    """A template's component whose parameters are given (the body's)."""

    type: Literal["body"]
    parameters: list[TextParameter]


class LanguageCode(TypedDict):
    """A template's ``language``."""

    code: str


class TemplateContent(TypedDict):
    """A template message's ``template``."""

    name: str
    language: LanguageCode
    components: NotRequired[list[Component]]


class MediaContent(TypedDict):
    """A media message's ``image``, ``video``, ``audio`` or ``document``: by link."""

    link: str
    caption: NotRequired[str]
    filename: NotRequired[str]


MediaType = Literal["image", "video", "audio", "document"]


class MessageBody(TypedDict):
    """The JSON body of ``POST /{phone_number_id}/messages``: to a number (``to``) or to a
    business-scoped user id (``recipient``)."""

    messaging_product: Literal["whatsapp"]
    recipient_type: Literal["individual"]
    to: NotRequired[str]
    recipient: NotRequired[str]
    type: Literal["text", "interactive", "template"] | MediaType
    biz_opaque_callback_data: str
    text: NotRequired[TextContent]
    interactive: NotRequired[InteractiveContent]
    template: NotRequired[TemplateContent]
    image: NotRequired[MediaContent]
    video: NotRequired[MediaContent]
    audio: NotRequired[MediaContent]
    document: NotRequired[MediaContent]


def render(
    message: OutboundMessage, to: str, message_id: str, list_button: str
) -> list[MessageBody]:
    """The bodies that show ``message`` to the WhatsApp user ``to`` (the number's digits, or a
    business-scoped user id), in order."""
    if isinstance(message, Text):
        return _text(message.text, message.buttons, to, message_id, list_button)
    if isinstance(message, Media):
        return media(message, to, message_id, list_button)
    if isinstance(message, Card):
        words = "\n".join(part for part in (message.title, message.subtitle) if part)
        return _text(words, message.buttons, to, message_id, list_button)
    if isinstance(message, Template):
        return [_template(message, to, message_id)]
    if isinstance(message, Typing):
        return []
    raise TypeError(f"unknown message {message!r}")


def choice_id(payload: str) -> str:
    """The id a choice carries: its payload, or a digest of one too long for an id."""
    if 0 < len(payload) <= MAX_ID and not payload.startswith(DIGEST_MARK):
        return payload
    raw = hashlib.blake2b(payload.encode(), digest_size=16, person=b"omnibot-wa-id").digest()
    return DIGEST_MARK + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _text(
    text: str, buttons: Sequence[Button], to: str, message_id: str, list_button: str
) -> list[MessageBody]:
    choices = [b for b in buttons if b.kind == "postback" and b.payload is not None]
    chunks = split_text(text, MAX_TEXT)
    if not chunks:
        return []
    if not choices:
        return [_plain(chunk, to, message_id) for chunk in chunks]
    last = chunks.pop()
    head, body = _body(last)
    if head:
        chunks.append(head)
    bodies = [_plain(chunk, to, message_id) for chunk in chunks]
    content = _interactive(body, choices, list_button)
    bodies.append({**_envelope(to, message_id), "type": "interactive", "interactive": content})
    return bodies


def _body(text: str) -> tuple[str, str]:
    """``text`` cut into what goes first as text and the interactive body (1,024 at most)."""
    if len(text) <= MAX_BODY:
        return "", text
    body = split_text(text, MAX_BODY)[-1]
    head = text.rstrip()[: -len(body)].rstrip()
    return head, body


def _interactive(body: str, choices: Sequence[Button], list_button: str) -> InteractiveContent:
    short = all(len(button.title) <= MAX_BUTTON_TITLE for button in choices)
    if len(choices) <= MAX_BUTTONS and short:
        replies: list[ReplyButton] = [
            {"type": "reply", "reply": {"id": _id(b), "title": b.title}} for b in choices
        ]
        return {"type": "button", "body": {"text": body}, "action": {"buttons": replies}}
    rows: list[Row] = [{"id": _id(b), "title": b.title[:MAX_ROW_TITLE]} for b in choices[:MAX_ROWS]]
    action: Action = {"button": list_button, "sections": [{"rows": rows}]}
    return {"type": "list", "body": {"text": body}, "action": action}


def _id(button: Button) -> str:
    return choice_id(button.payload or "")


def _template(message: Template, to: str, message_id: str) -> MessageBody:
    content: TemplateContent = {"name": message.name, "language": {"code": message.language}}
    if message.parameters:
        values: list[TextParameter] = [{"type": "text", "text": v} for v in message.parameters]
        content["components"] = [{"type": "body", "parameters": values}]
    return {**_envelope(to, message_id), "type": "template", "template": content}


def _plain(text: str, to: str, message_id: str) -> MessageBody:
    content: TextContent = {"body": text, "preview_url": False}
    return {**_envelope(to, message_id), "type": "text", "text": content}


def _envelope(to: str, message_id: str) -> MessageBody:
    body: MessageBody = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": "text",
        "biz_opaque_callback_data": message_id,
    }
    if to.isdigit():
        body["to"] = to
    else:
        body["recipient"] = to
    return body


def media(message: Media, to: str, message_id: str, list_button: str) -> list[MessageBody]:
    """A picture, video, audio clip or document by its link. The caption (at most 1,024
    characters; an audio clip has none) goes with it when it fits and there are no choices;
    otherwise the media goes bare and the caption follows as a text, with the choices."""
    kind = MEDIA_TYPES[message.kind]
    caption = (message.caption or "").strip()
    choices = [b for b in message.buttons if b.kind == "postback" and b.payload is not None]
    content: MediaContent = {"link": message.url}
    if kind == "document" and message.name:
        content["filename"] = message.name[:MAX_FILENAME]
    together = caption and not choices and kind != "audio" and len(caption) <= MAX_CAPTION
    if together:
        content["caption"] = caption
    first: MessageBody = {**_envelope(to, message_id), "type": kind}
    first[kind] = content
    if together or not (caption or choices):
        return [first]
    words = caption or message.name or CHOOSE
    return [first, *_text(words, message.buttons, to, message_id, list_button)]
