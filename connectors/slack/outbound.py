"""From the core's outbound messages to Block Kit ``chat.postMessage`` arguments. Pure.

A text becomes sections of mrkdwn (at most 3,000 characters each, split at natural boundaries
after escaping, since escaping and markup change the length), its buttons an actions block
whose button values carry the core's payloads; an image becomes an image block; a card a
section with the image as its accessory, then its buttons. A message never has more than 50
blocks: a longer one is posted as several. Every message also carries a plain ``text``, which
Slack shows in notifications and where blocks cannot be shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from bot.format.outbound import Button, Card, Media, OutboundMessage, Text
from bot.format.text_split import split_text
from connectors.slack.mrkdwn import escape, link, read, write

T = TypeVar("T")

SECTION_TEXT = 3000
BLOCKS = 50
ACTIONS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ALT_TEXT = 2000
IMAGE_TITLE = 2000
FALLBACK = 3000
URL = 3000


class Block(BaseModel):
    """A piece of Block Kit, as Slack's API takes it (``model_dump(exclude_none=True)``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PlainText(Block):
    """A ``plain_text`` object: shown as is (button labels, image titles)."""

    type: Literal["plain_text"] = "plain_text"
    text: str = Field(min_length=1)
    emoji: bool = True


class Markdown(Block):
    """A ``mrkdwn`` object: the section text, already escaped."""

    type: Literal["mrkdwn"] = "mrkdwn"
    text: str = Field(min_length=1, max_length=SECTION_TEXT)


class ButtonElement(Block):
    """A button: ``value`` comes back in the click as the core's payload; ``url`` opens a link."""

    type: Literal["button"] = "button"
    text: PlainText
    action_id: str = Field(min_length=1, max_length=255)
    value: str | None = Field(default=None, max_length=BUTTON_VALUE)
    url: str | None = Field(default=None, max_length=URL)
    style: Literal["primary", "danger"] | None = None


class ImageElement(Block):
    """A small image beside a section's text (a card's picture)."""

    type: Literal["image"] = "image"
    image_url: str = Field(max_length=URL)
    alt_text: str = Field(min_length=1, max_length=ALT_TEXT)


class Section(Block):
    """A ``section`` block: text, with an optional accessory."""

    type: Literal["section"] = "section"
    text: Markdown
    accessory: ImageElement | None = None


class Actions(Block):
    """An ``actions`` block of buttons."""

    type: Literal["actions"] = "actions"
    elements: tuple[ButtonElement, ...] = Field(min_length=1, max_length=ACTIONS)


class Image(Block):
    """An ``image`` block."""

    type: Literal["image"] = "image"
    image_url: str = Field(max_length=URL)
    alt_text: str = Field(min_length=1, max_length=ALT_TEXT)
    title: PlainText | None = None


AnyBlock = Section | Actions | Image


class SlackMessage(Block):
    """The content of one ``chat.postMessage``: the blocks, and the ``text`` notifications show."""

    text: str = Field(min_length=1)
    blocks: tuple[AnyBlock, ...] = Field(min_length=1, max_length=BLOCKS)

    def wire_blocks(self) -> list[dict[str, object]]:
        """The blocks as the Web API takes them."""
        return [block.model_dump(mode="json", exclude_none=True) for block in self.blocks]


def render(message: OutboundMessage) -> list[SlackMessage]:
    """The ``chat.postMessage`` contents that show ``message``, in order (none for typing,
    which bots cannot show on Slack; one unless the message needs more than 50 blocks)."""
    if isinstance(message, Text):
        blocks = text_blocks(message.text, message.format == "markdown")
        blocks += actions(message.buttons + message.quick_replies)
    elif isinstance(message, Media):
        blocks = media_blocks(message) + actions(message.buttons)
    elif isinstance(message, Card):
        blocks = card_blocks(message) + actions(message.buttons)
    else:
        return []
    parts = batched(blocks, BLOCKS)
    return [SlackMessage(text=fallback(part), blocks=part) for part in parts]


def text_blocks(text: str, markdown: bool) -> list[AnyBlock]:
    """Sections holding ``text``, each within Slack's 3,000 characters."""
    return [Section(text=Markdown(text=chunk)) for chunk in chunks(text, markdown, SECTION_TEXT)]


def chunks(text: str, markdown: bool, limit: int, size: int | None = None) -> list[str]:
    """``text`` written as mrkdwn in pieces of at most ``limit`` characters.

    The source is split (at the most natural boundary, see :func:`bot.format.text_split.split_text`)
    before it is written; a piece whose escaped form is still too long is split again, smaller.
    """
    size = size or limit
    written: list[str] = []
    for piece in split_text(text, size):
        mrkdwn = write(piece, markdown)
        if len(mrkdwn) <= limit:
            written.append(mrkdwn)
        else:
            written += chunks(piece, markdown, limit, max(1, size * limit // len(mrkdwn)))
    return written


def actions(buttons: Sequence[Button]) -> list[AnyBlock]:
    """Actions blocks for the buttons Slack can show (postback and link buttons); a button's
    ``action_id`` is unique in the message, which is what Slack asks of a block."""
    elements = [
        element
        for index, button in enumerate(buttons)
        if (element := _button(button, f"choice-{index + 1}")) is not None
    ]
    return [Actions(elements=group) for group in batched(elements, ACTIONS)]


def _button(button: Button, action_id: str) -> ButtonElement | None:
    label = PlainText(text=_clip(button.title, BUTTON_TEXT))
    if button.kind == "postback":
        return ButtonElement(text=label, action_id=action_id, value=button.payload)
    if button.kind == "url":
        return ButtonElement(text=label, action_id=action_id, url=button.url)
    return None  # sharing a phone or a location is not something Slack can ask for


def media_blocks(media: Media) -> list[AnyBlock]:
    """An image block (with its caption as the title when it fits, else as sections after it);
    anything but an image, which the core only sends if the capabilities change, as a link."""
    caption = media.caption or ""
    if media.kind != "image":
        shown = link(media.url, _clip(media.name or "file", 256))
        return [Section(text=Markdown(text=shown))] + (
            text_blocks(caption, False) if caption.strip() else []
        )
    alt = _clip(caption or media.name or "image", ALT_TEXT)
    fits = 0 < len(caption) <= IMAGE_TITLE
    title = PlainText(text=caption) if fits else None
    image = Image(image_url=media.url, alt_text=alt, title=title)
    long_caption = caption.strip() and not fits
    return [image, *(text_blocks(caption, False) if long_caption else [])]


def card_blocks(card: Card) -> list[AnyBlock]:
    """A section with the title in bold, the subtitle under it and the image beside it."""
    title = f"*{escape(card.title)}*"
    accessory = (
        ImageElement(image_url=card.image_url, alt_text=_clip(card.title, ALT_TEXT))
        if card.image_url
        else None
    )
    subtitle = card.subtitle or ""
    pieces = chunks(subtitle, False, SECTION_TEXT - len(title) - 1) if subtitle.strip() else []
    first = f"{title}\n{pieces[0]}" if pieces else title
    sections: list[AnyBlock] = [Section(text=Markdown(text=first), accessory=accessory)]
    return sections + [Section(text=Markdown(text=piece)) for piece in pieces[1:]]


def fallback(blocks: Sequence[AnyBlock]) -> str:
    """The message's plain ``text``: what its sections say, else its image and buttons."""
    said = [read(block.text.text) for block in blocks if isinstance(block, Section)]
    said += [block.title.text if block.title else block.alt_text for block in _images(blocks)]
    if not said:
        said = [element.text.text for block in _actions(blocks) for element in block.elements]
    return escape(_clip("\n".join(said) or "…", FALLBACK))


def _images(blocks: Sequence[AnyBlock]) -> list[Image]:
    return [block for block in blocks if isinstance(block, Image)]


def _actions(blocks: Sequence[AnyBlock]) -> list[Actions]:
    return [block for block in blocks if isinstance(block, Actions)]


def batched(items: Sequence[T], size: int) -> Iterator[tuple[T, ...]]:
    """``items`` in consecutive groups of at most ``size`` (``itertools.batched`` from 3.12)."""
    iterator = iter(items)
    while group := tuple(islice(iterator, size)):
        yield group


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
