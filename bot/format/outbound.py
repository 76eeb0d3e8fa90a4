"""The outbound side of the common message format.

Handlers and dialogs produce these channel-neutral messages; :mod:`bot.format.rendering` degrades
them to what a channel can show, and each connector converts the result to its vendor's payload.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, model_validator

from bot.format.messages import Model

ButtonKind = Literal["postback", "url", "share_phone", "share_location"]
MediaKind = Literal["image", "video", "audio", "file"]
TextFormat = Literal["plain", "markdown"]
LONGEST_TEXT = 65_536
"""A message the bot writes may be long: rendering splits it to what each channel takes."""
LONGEST_CAPTION = 16_384


class Button(Model):
    """A choice offered to the customer.

    ``postback`` buttons send ``payload`` back as a button event; ``url`` buttons open a link;
    ``share_phone`` and ``share_location`` ask the channel's client to share them (Telegram's
    reply keyboard), and are dropped where the channel cannot.
    """

    title: str = Field(min_length=1, max_length=256)
    kind: ButtonKind = "postback"
    payload: str | None = Field(default=None, max_length=1024)
    url: str | None = Field(default=None, max_length=2048)

    @model_validator(mode="after")
    def _target(self) -> Button:
        if self.kind == "postback" and self.payload is None:
            raise ValueError("a postback button needs a payload")
        if self.kind == "url" and self.url is None:
            raise ValueError("a url button needs a url")
        return self


class Text(Model):
    """A text message, optionally with buttons attached and quick replies for the next answer."""

    type: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=LONGEST_TEXT, pattern=r"\S")
    format: TextFormat = "plain"
    buttons: tuple[Button, ...] = ()
    quick_replies: tuple[Button, ...] = ()


class Media(Model):
    """An image, video, audio clip or file, by URL, with an optional caption and buttons."""

    type: Literal["media"] = "media"
    kind: MediaKind
    url: str = Field(min_length=1, max_length=2048)
    caption: str | None = Field(default=None, max_length=LONGEST_CAPTION)
    name: str | None = Field(default=None, max_length=256)
    buttons: tuple[Button, ...] = ()


class Card(Model):
    """A title, subtitle, optional image and buttons: a hero card, a Block Kit section."""

    type: Literal["card"] = "card"
    title: str = Field(min_length=1, max_length=512)
    subtitle: str | None = Field(default=None, max_length=LONGEST_CAPTION)
    image_url: str | None = Field(default=None, max_length=2048)
    buttons: tuple[Button, ...] = ()


class Template(Model):
    """An approved message that a channel with a customer-service window sends outside it
    (WhatsApp's message templates): the name and language it was approved under, the values of
    its parameters in order, and ``text``, what it stands for in the transcript."""

    type: Literal["template"] = "template"
    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=2, max_length=16)
    parameters: tuple[str, ...] = Field(default=(), max_length=20)
    text: str = Field(min_length=1, max_length=LONGEST_TEXT)


class Typing(Model):
    """Show that the bot is typing, where the channel can."""

    type: Literal["typing"] = "typing"


OutboundMessage = Annotated[Text | Media | Card | Template | Typing, Field(discriminator="type")]
OUTBOUND: TypeAdapter[Text | Media | Card | Template | Typing] = TypeAdapter(OutboundMessage)
