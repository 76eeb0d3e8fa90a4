"""Rendered messages into Bot API calls (pure: no I/O).

The core has already degraded messages to Telegram's capabilities; this module only writes
Telegram's syntax:

- text as HTML (``parse_mode: HTML``), every character of the message escaped and the markup
  subset's spans written as tags, so nothing a customer or a designer typed can break the
  formatting or inject a link;
- buttons as an inline keyboard (one per row); quick replies in a private chat as a one-time
  reply keyboard, where "share my phone" and "share my location" can live; a message with
  neither removes a reply keyboard left open, so a stale "Share my phone" does not linger;
- media by URL with a caption of at most 1,024 characters (the rest follows as text);
- typing as ``sendChatAction``.

Telegram allows one keyboard per message: when a message has both buttons and quick replies,
or is for a group (reply keyboards there would pop up for every member), quick replies join the
inline keyboard and share requests are left out (the customer can still type the answer).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

from bot.format.markup import Span, parse
from bot.format.messages import Address
from bot.format.outbound import Button, Card, Media, OutboundMessage, Text, TextFormat, Typing
from bot.format.text_split import split_text
from connectors.telegram.callbacks import encode

MAX_TEXT = 4096
MAX_CAPTION = 1024
PARSE_MODE = "HTML"

Method = Literal[
    "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendChatAction"
]
_MEDIA: dict[str, tuple[Method, str]] = {
    "image": ("sendPhoto", "photo"),
    "file": ("sendDocument", "document"),
    "video": ("sendVideo", "video"),
    "audio": ("sendAudio", "audio"),
}


class InlineButton(TypedDict):
    """An inline keyboard button: a postback (``callback_data``) or a link (``url``)."""

    text: str
    callback_data: NotRequired[str]
    url: NotRequired[str]


class KeyboardButton(TypedDict):
    """A reply keyboard button: sends its text, or shares the phone or the location."""

    text: str
    request_contact: NotRequired[bool]
    request_location: NotRequired[bool]


class InlineKeyboard(TypedDict):
    """``InlineKeyboardMarkup``."""

    inline_keyboard: list[list[InlineButton]]


class ReplyKeyboard(TypedDict):
    """``ReplyKeyboardMarkup``."""

    keyboard: list[list[KeyboardButton]]
    one_time_keyboard: bool
    resize_keyboard: bool


class RemoveKeyboard(TypedDict):
    """``ReplyKeyboardRemove``."""

    remove_keyboard: bool


Markup = InlineKeyboard | ReplyKeyboard | RemoveKeyboard
Params = dict[str, str | int | bool | Markup]


@dataclass(frozen=True, slots=True)
class Target:
    """Where the calls go: a chat, maybe a forum topic; private chats have positive ids."""

    chat_id: int
    thread_id: int | None = None

    @property
    def private(self) -> bool:
        """A one-to-one chat with the customer (groups and channels have negative ids)."""
        return self.chat_id > 0

    @classmethod
    def of(cls, address: Address) -> Target:
        """The target of an address; raises ``ValueError`` if it is not a Telegram chat."""
        thread = int(address.thread_id) if address.thread_id is not None else None
        return cls(int(address.conversation_id), thread)

    def params(self) -> Params:
        """The parameters every call to this target starts with."""
        base: Params = {"chat_id": self.chat_id}
        if self.thread_id is not None:
            base["message_thread_id"] = self.thread_id
        return base


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Bot API request; ``fallback`` is sent instead if Telegram refuses this one as a bad
    request (a media URL it cannot fetch becomes a text with the link)."""

    method: Method
    params: Params
    fallback: ApiCall | None = None


def render(message: OutboundMessage, target: Target) -> list[ApiCall]:
    """The calls that show ``message`` in ``target``, in order."""
    if isinstance(message, Text):
        return _text(message.text, message.format, target, message.buttons, message.quick_replies)
    if isinstance(message, Media):
        return _media(message, target)
    if isinstance(message, Card):
        return _card(message, target)
    if isinstance(message, Typing):
        return [ApiCall("sendChatAction", {**target.params(), "action": "typing"})]
    raise TypeError(f"unknown message {message!r}")


def to_html(text: str, fmt: TextFormat = "plain") -> str:
    """``text`` as Telegram HTML: escaped, with the markup subset's spans as tags."""
    if fmt == "plain":
        return _escape(text)
    return "".join(_span(span) for span in parse(text))


def fit(text: str, limit: int) -> list[str]:
    """``text`` in chunks Telegram accepts, cut where :func:`split_text` prefers.

    Telegram counts UTF-16 code units, in which an emoji outside the basic plane is two, so a
    chunk of ``limit`` characters can still be too long; the cut moves back until it fits.
    """
    size = limit
    while True:
        chunks = split_text(text, size)
        if all(utf16_length(chunk) <= limit for chunk in chunks):
            return chunks
        size = size * 9 // 10


def utf16_length(text: str) -> int:
    """The length Telegram sees."""
    return len(text.encode("utf-16-le")) // 2


def keyboard(
    buttons: Sequence[Button], quick_replies: Sequence[Button], target: Target
) -> Markup | None:
    """The one keyboard a message can carry (see the module docstring for the choices)."""
    inline = [b for b in buttons if b.kind in ("postback", "url")]
    inline += [b for b in quick_replies if b.kind == "url"]
    suggested = [b for b in quick_replies if b.kind == "postback"]
    shares = [b for b in quick_replies if b.kind in ("share_phone", "share_location")]
    if suggested and (inline or not target.private):
        inline, suggested, shares = inline + suggested, [], []
    if not target.private or inline:
        shares = []
    if inline:
        return {"inline_keyboard": [[_inline(button)] for button in inline]}
    if suggested or shares:
        return {
            "keyboard": _rows([_reply(button) for button in suggested + shares]),
            "one_time_keyboard": True,
            "resize_keyboard": True,
        }
    return {"remove_keyboard": True} if target.private else None


def _text(
    text: str,
    fmt: TextFormat,
    target: Target,
    buttons: Sequence[Button] = (),
    quick_replies: Sequence[Button] = (),
) -> list[ApiCall]:
    chunks = fit(text, MAX_TEXT)
    markup = keyboard(buttons, quick_replies, target)
    calls = [_send_message(target, chunk, fmt, None) for chunk in chunks[:-1]]
    calls.append(_send_message(target, chunks[-1], fmt, markup))
    return calls


def _send_message(target: Target, text: str, fmt: TextFormat, markup: Markup | None) -> ApiCall:
    params: Params = {**target.params(), "text": to_html(text, fmt), "parse_mode": PARSE_MODE}
    if markup is not None:
        params["reply_markup"] = markup
    return ApiCall("sendMessage", params)


def _media(message: Media, target: Target) -> list[ApiCall]:
    method, field = _MEDIA[message.kind]
    caption, rest = _caption(message.caption)
    params: Params = {**target.params(), field: message.url}
    if caption:
        params.update(caption=to_html(caption), parse_mode=PARSE_MODE)
    markup = keyboard(message.buttons, (), target) if message.buttons and not rest else None
    if markup is not None:
        params["reply_markup"] = markup
    # At most 1,024 + 1 + 2,048 characters: always one message.
    link = "\n".join(part for part in (caption, message.url) if part)
    calls = [ApiCall(method, params, fallback=_send_message(target, link, "plain", markup))]
    if rest:
        calls += _text(rest, "plain", target, message.buttons)
    return calls


def _caption(caption: str | None) -> tuple[str | None, str | None]:
    """The caption that fits under the media, and the rest (sent as text after it)."""
    if caption is None or not caption.strip():
        return None, None
    first = fit(caption, MAX_CAPTION)[0]
    rest = caption.strip()[len(first) :].strip()
    return first, rest or None


def _card(card: Card, target: Target) -> list[ApiCall]:
    """A card, should one arrive (Telegram's capabilities have none): its image, then its title
    and subtitle as text, with its buttons."""
    body = "\n".join(part for part in (card.title, card.subtitle) if part)
    calls = _media(Media(kind="image", url=card.image_url), target) if card.image_url else []
    return calls + _text(body, "plain", target, card.buttons)


def _inline(button: Button) -> InlineButton:
    if button.kind == "url" and button.url is not None:
        return {"text": button.title, "url": button.url}
    return {"text": button.title, "callback_data": encode(button.payload or "")}


def _reply(button: Button) -> KeyboardButton:
    if button.kind == "share_phone":
        return {"text": button.title, "request_contact": True}
    if button.kind == "share_location":
        return {"text": button.title, "request_location": True}
    return {"text": button.title}


def _rows(buttons: list[KeyboardButton]) -> list[list[KeyboardButton]]:
    """Short answers ("Yes", "No") side by side; anything longer, one per row."""
    if len(buttons) <= 3 and all(len(button["text"]) <= 16 for button in buttons):
        return [buttons]
    return [[button] for button in buttons]


def _span(span: Span) -> str:
    body = _escape(span.text)
    if span.code:
        return f"<code>{body}</code>"  # Telegram allows nothing inside code
    if span.italic:
        body = f"<i>{body}</i>"
    if span.bold:
        body = f"<b>{body}</b>"
    if span.url is not None:
        body = f'<a href="{html.escape(span.url, quote=True)}">{body}</a>'
    return body


def _escape(text: str) -> str:
    """Telegram HTML needs ``&``, ``<`` and ``>`` escaped, and knows no other named entity."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
