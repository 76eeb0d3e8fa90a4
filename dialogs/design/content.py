"""Messages as designers write them, walked (for checks) and rendered (for a turn)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.format import language_tags
from bot.format.outbound import Button, Card, Media, OutboundMessage, Text
from bot.yaml_source import Loc
from dialogs.design.parts import ButtonDef, CardDef, Localized, MediaDef, MessageDef, RichMessage
from dialogs.design.templates import Templates

GOTO = "goto:"
FLOW = "flow:"


@dataclass(frozen=True, slots=True)
class Piece:
    """A translatable value inside a message, with its place relative to the message."""

    loc: Loc
    value: str | dict[str, str]


def pieces(message: MessageDef | None) -> Iterator[Piece]:
    """Every translatable text of a message (texts, captions, titles)."""
    if message is None:
        return
    if isinstance(message, list):
        for index, item in enumerate(message):
            for piece in pieces(item):
                yield Piece((index, *piece.loc), piece.value)
        return
    if not isinstance(message, RichMessage):
        yield Piece((), message)
        return
    if message.text is not None:
        yield Piece(("text",), message.text)
    yield from _button_pieces(message.buttons, "buttons")
    yield from _button_pieces(message.quick_replies, "quick_replies")
    if message.media is not None and message.media.caption is not None:
        yield Piece(("media", "caption"), message.media.caption)
    if message.card is not None:
        yield Piece(("card", "title"), message.card.title)
        if message.card.subtitle is not None:
            yield Piece(("card", "subtitle"), message.card.subtitle)
        for piece in _button_pieces(message.card.buttons, "buttons"):
            yield Piece(("card", *piece.loc), piece.value)


def _button_pieces(buttons: list[ButtonDef], key: str) -> Iterator[Piece]:
    for index, button in enumerate(buttons):
        yield Piece((key, index, "title"), button.title)


def buttons(message: MessageDef | None) -> Iterator[tuple[Loc, ButtonDef]]:
    """Every button of a message, with its place."""
    if isinstance(message, list):
        for index, item in enumerate(message):
            for loc, button in buttons(item):
                yield (index, *loc), button
    elif isinstance(message, RichMessage):
        for key in ("buttons", "quick_replies"):
            for index, button in enumerate(getattr(message, key)):
                yield (key, index), button
        if message.card is not None:
            for index, button in enumerate(message.card.buttons):
                yield ("card", "buttons", index), button


def sources(value: str | dict[str, str]) -> Iterator[tuple[Loc, str | None, str]]:
    """The texts of one translatable value: ``(loc, language, text)``."""
    if isinstance(value, str):
        yield (), None, value
    else:
        for language, text in value.items():
            yield (language,), language, text


@dataclass(frozen=True, slots=True)
class Speaker:
    """Renders designers' messages for one turn: its language, its template context."""

    templates: Templates
    language: str
    fallback: str
    context: Mapping[str, Any]
    flow: str | None = None

    def say(self, message: MessageDef | None) -> list[OutboundMessage]:
        """The outbound messages for ``message`` (empty texts are left out)."""
        if message is None:
            return []
        if isinstance(message, list):
            return [out for item in message for out in self.say(item)]
        if not isinstance(message, RichMessage):
            return self._text(self.text(message))
        return self._rich(message)

    def text(self, value: Localized) -> str:
        """One translatable value in this turn's language, rendered."""
        return self.templates.render(self.pick(value), self.context)

    def pick(self, value: Localized) -> str:
        """The source text for this turn's language: the exact tag (``pt-BR``), its base language
        (``pt``), then the bot's first language (see :func:`bot.format.language_tags.lookup`)."""
        if isinstance(value, str):
            return value
        chosen = language_tags.pick(value, self.language, self.fallback)
        return chosen if chosen is not None else next(iter(value.values()), "")

    def button(self, button: ButtonDef) -> Button:
        """A button, its target turned into a payload the engine understands."""
        title = self.text(button.title) or "…"
        if button.url is not None:
            return Button(
                title=title, kind="url", url=self.templates.render(button.url, self.context)
            )
        if button.goto is not None:
            return Button(title=title, payload=f"{GOTO}{self.flow}:{button.goto}")
        if button.flow is not None:
            return Button(title=title, payload=f"{FLOW}{button.flow}")
        return Button(title=title, payload=button.payload or title)

    def _text(self, text: str, **extra: Any) -> list[OutboundMessage]:
        return [Text(text=text, **extra)] if text.strip() else []

    def _rich(self, message: RichMessage) -> list[OutboundMessage]:
        out: list[OutboundMessage] = []
        if message.image is not None:
            out.append(Media(kind="image", url=self.templates.render(message.image, self.context)))
        if message.media is not None:
            out.append(self._media(message.media))
        if message.card is not None:
            out.append(self._card(message.card))
        attached = tuple(self.button(b) for b in message.buttons)
        quick = tuple(self.button(b) for b in message.quick_replies)
        if message.text is not None:
            fmt = "markdown" if message.markdown else "plain"
            out += self._text(
                self.text(message.text), format=fmt, buttons=attached, quick_replies=quick
            )
        return out

    def _media(self, media: MediaDef) -> Media:
        caption = self.text(media.caption) if media.caption is not None else None
        url = self.templates.render(media.url, self.context)
        return Media(kind=media.kind, url=url, caption=caption or None)

    def _card(self, card: CardDef) -> Card:
        subtitle = self.text(card.subtitle) if card.subtitle is not None else None
        image = self.templates.render(card.image, self.context) if card.image else None
        return Card(
            title=self.text(card.title) or "…",
            subtitle=subtitle or None,
            image_url=image,
            buttons=tuple(self.button(b) for b in card.buttons),
        )


def attach(
    messages: list[OutboundMessage], buttons: tuple[Button, ...], quick: tuple[Button, ...]
) -> list[OutboundMessage]:
    """Add buttons and quick replies to the last text of ``messages``."""
    if not buttons and not quick:
        return messages
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, Text):
            update = {
                "buttons": message.buttons + buttons,
                "quick_replies": message.quick_replies + quick,
            }
            return [*messages[:index], message.model_copy(update=update), *messages[index + 1 :]]
    return messages


def as_label(message: MessageDef) -> Localized:
    """A built-in message used as a label (``yes``, ``no``) as one translatable text."""
    return message if isinstance(message, str | dict) else "?"
