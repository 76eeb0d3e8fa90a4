"""Degrading channel-neutral messages to what one channel can show.

The rules, in short: choices that do not fit as buttons become numbered lines ("1. Courier") and
are remembered as :class:`~bot.format.offered.Option` so that a reply of "1" or "Courier" maps back
to the payload (a channel with ``linked_options`` also gets those buttons on the message, to link
each option); links that cannot be buttons become "Title: url" lines; quick replies become buttons
where a channel has buttons but no quick replies; media a channel cannot show becomes its caption
and link; cards become an image and a text; markup is stripped where unsupported; texts are split
at the channel's length limit; typing is dropped where unsupported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.format.capabilities import Capabilities
from bot.format.markup import to_plain
from bot.format.offered import OfferedOptions, Option
from bot.format.outbound import Button, Card, Media, OutboundMessage, Template, Text, Typing
from bot.format.text_split import split_text

_TAKES_ROOM = ("postback", "url")


@dataclass(frozen=True, slots=True)
class Rendered:
    """Messages ready for one channel, and the options they offered (if any)."""

    messages: tuple[OutboundMessage, ...]
    offered: OfferedOptions | None


def render(messages: Sequence[OutboundMessage], caps: Capabilities, channel: str) -> Rendered:
    """Degrade ``messages`` to ``caps``; numbering of options runs across the whole batch."""
    renderer = _Renderer(caps)
    for message in messages:
        renderer.add(message)
    offered = OfferedOptions(channel=channel, options=tuple(renderer.options))
    return Rendered(tuple(renderer.out), offered if renderer.options else None)


@dataclass(slots=True)
class _Choices:
    """Buttons that fit, and the lines of text that replace the ones that do not."""

    buttons: tuple[Button, ...] = ()
    lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Renderer:
    caps: Capabilities
    out: list[OutboundMessage] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)

    def add(self, message: OutboundMessage) -> None:
        if isinstance(message, Text):
            self._text(message)
        elif isinstance(message, Media):
            self._media(message)
        elif isinstance(message, Card):
            self._card(message)
        elif isinstance(message, Template):
            self._template(message)
        elif isinstance(message, Typing) and self.caps.typing:
            self.out.append(message)

    def _template(self, message: Template) -> None:
        """A template goes as it is where the channel keeps a window, as its words elsewhere."""
        if self.caps.window is not None:
            self.out.append(message)
        else:
            self._text(Text(text=message.text))

    def _text(self, message: Text) -> None:
        buttons, quick = message.buttons, message.quick_replies
        if not self.caps.quick_replies:
            buttons, quick = buttons + tuple(b for b in quick if b.kind in _TAKES_ROOM), ()
        attached = self._choices(buttons, self.caps.buttons)
        suggested = self._choices(quick, self.caps.quick_replies, share=self.caps.share_requests)
        markdown = message.format == "markdown" and self.caps.markdown
        body = message.text if markdown or message.format == "plain" else to_plain(message.text)
        body = "\n".join([body, *attached.lines, *suggested.lines])
        chunks = split_text(body, self.caps.max_text)
        if not chunks:
            return
        fmt = "markdown" if markdown else "plain"
        for chunk in chunks[:-1]:
            self.out.append(Text(text=chunk, format=fmt))
        self.out.append(
            Text(
                text=chunks[-1],
                format=fmt,
                buttons=attached.buttons,
                quick_replies=suggested.buttons,
            )
        )

    def _media(self, message: Media) -> None:
        if message.kind not in self.caps.media:
            lines = [message.caption, message.url] if message.caption else [message.url]
            self._text(Text(text="\n".join(lines), buttons=message.buttons))
            return
        choices = self._choices(message.buttons, self.caps.buttons)
        self.out.append(message.model_copy(update={"buttons": choices.buttons}))
        self._trailing_lines(choices)

    def _card(self, message: Card) -> None:
        if self.caps.cards:
            choices = self._choices(message.buttons, self.caps.buttons)
            self.out.append(message.model_copy(update={"buttons": choices.buttons}))
            self._trailing_lines(choices)
            return
        if message.image_url:
            self._media(Media(kind="image", url=message.image_url))
        title = f"**{message.title}**" if self.caps.markdown else message.title
        body = "\n".join(part for part in (title, message.subtitle) if part)
        fmt = "markdown" if self.caps.markdown else "plain"
        self._text(Text(text=body, format=fmt, buttons=message.buttons))

    def _trailing_lines(self, choices: _Choices) -> None:
        if choices.lines:
            self.out.append(Text(text="\n".join(choices.lines)))

    def _choices(self, buttons: tuple[Button, ...], room: int, share: bool = False) -> _Choices:
        """Keep ``buttons`` if they all fit in ``room``; otherwise turn them into lines."""
        taking_room = [b for b in buttons if b.kind in _TAKES_ROOM]
        links_fit = self.caps.url_buttons or not any(b.kind == "url" for b in taking_room)
        shares = tuple(b for b in buttons if b.kind not in _TAKES_ROOM and share)
        if taking_room and len(taking_room) <= room and links_fit:
            return _Choices(buttons=tuple(self._as_button(b) for b in taking_room) + shares)
        choices = _Choices(buttons=shares)
        for button in taking_room:
            choices.lines.append(self._as_line(button))
        if self.caps.linked_options:
            choices.buttons += tuple(b for b in taking_room if b.kind == "postback")
        return choices

    def _as_button(self, button: Button) -> Button:
        if button.kind == "postback" and button.payload is not None:
            self.options.append(_option(button.title, button.payload))
        limit = self.caps.button_title
        if len(button.title) <= limit:
            return button
        return button.model_copy(update={"title": button.title[: limit - 1].rstrip() + "…"})

    def _as_line(self, button: Button) -> str:
        if button.kind == "url":
            return f"{button.title}: {button.url}"
        number = len([o for o in self.options if o.number is not None]) + 1
        payload = button.payload or ""  # a postback button always has one (validated)
        self.options.append(Option(title=button.title, payload=payload, number=number))
        return f"{number}. {button.title}"


@lru_cache(maxsize=1024)
def _option(title: str, payload: str) -> Option:
    """An offered button (frozen, so shared): the bot offers the same few on turn after turn."""
    return Option(title=title, payload=payload)
