"""The pieces flow files are made of: names, texts, messages, buttons and fallbacks.

Every section of a flows file (:mod:`dialogs.design.schema`) and every step kind
(:mod:`dialogs.steps`) is built from these; like them, each piece is immutable and an unknown key
in it is an error with a hint.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from bot.yaml_source import shown_key

NAME = r"^[a-z][a-z0-9_]*$"
_NAME = re.compile(NAME)


def _name(value: str) -> str:
    if not _NAME.match(value) or len(value) > 64:
        raise ValueError(
            f"'{shown_key(value)}' is not a valid name: use lowercase letters, digits and _, "
            "starting with a letter (like order_status)"
        )
    return value


Name = Annotated[str, AfterValidator(_name), Field(json_schema_extra={"pattern": NAME})]


class Part(BaseModel):
    """A piece of a flow file: immutable, and an unknown key is an error with a hint."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _text_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "~text"
    return "~localized" if isinstance(value, dict) else None


# Unions are told apart by a function; their tags start with '~' so that error locations can
# drop them (they are not keys of the YAML; see bot.yaml_source.validation_problems).
Localized = Annotated[
    Annotated[str, Tag("~text")] | Annotated[dict[str, str], Tag("~localized")],
    Discriminator(
        _text_kind,
        custom_error_type="text",
        custom_error_message="expected a text, or a text per language such as {en: ..., pt: ...}",
    ),
    Field(description="A text, or the same text per language: {en: ..., pt: ...}"),
]

RICH_KEYS = frozenset({"text", "buttons", "quick_replies", "image", "media", "card", "markdown"})


class ButtonDef(Part):
    """A button: a ``payload`` for branches and choices, a step to ``goto``, a ``flow`` to
    start, or a ``url`` to open."""

    title: Localized
    payload: str | None = Field(
        default=None,
        max_length=200,
        description="what pressing it sends: matched by branches and choice slots",
    )
    goto: str | None = Field(default=None, description="the id of a step of this flow to go on at")
    flow: Name | None = Field(default=None, description="a flow to start")
    url: str | None = Field(default=None, description="a web page to open")

    @model_validator(mode="after")
    def _one_target(self) -> ButtonDef:
        targets = [k for k in ("payload", "goto", "flow", "url") if getattr(self, k) is not None]
        if len(targets) > 1:
            raise ValueError(f"a button does one thing; it has {', '.join(targets)}")
        return self


class MediaDef(Part):
    """A file to show: an image, a video, an audio clip or a document."""

    kind: Literal["image", "video", "audio", "file"] = Field(
        default="image", description="image, video, audio or file"
    )
    url: str = Field(description="where the file is")
    caption: Localized | None = Field(default=None, description="a text shown with it")


class CardDef(Part):
    """A title, a subtitle, an image and buttons, shown together where the channel can."""

    title: Localized
    subtitle: Localized | None = Field(default=None, description="a line under the title")
    image: str | None = Field(default=None, description="the URL of its picture")
    buttons: list[ButtonDef] = Field(default_factory=list, description="buttons on the card")


class RichMessage(Part):
    """A message with more than text: buttons, quick replies, an image, media or a card."""

    text: Localized | None = Field(default=None, description="the text")
    markdown: bool = Field(default=False, description="the text is Markdown (bold, italics, links)")
    buttons: list[ButtonDef] = Field(default_factory=list, description="buttons under the message")
    quick_replies: list[ButtonDef] = Field(
        default_factory=list, description="replies offered as one-tap chips"
    )
    image: str | None = Field(default=None, description="the URL of an image to show")
    media: MediaDef | None = Field(
        default=None, description="a file to show: image, video, audio or document"
    )
    card: CardDef | None = Field(
        default=None, description="a card: title, subtitle, image and buttons"
    )

    @model_validator(mode="after")
    def _says_something(self) -> RichMessage:
        if not (self.text or self.image or self.media or self.card):
            raise ValueError("a message needs text, an image, media or a card")
        return self


def _message_kind(value: Any) -> str | None:
    """A mapping with any message key is a rich message; any other mapping is a text per
    language (pydantic alone would take ``{text: Hi}`` for a language map)."""
    if isinstance(value, RichMessage):
        return "~rich"
    if isinstance(value, dict):
        return "~rich" if RICH_KEYS & set(value) else "~localized"
    return "~text" if isinstance(value, str) else None


_MESSAGE_ERROR = "a message is a text, a text per language, or a mapping with text and buttons"
SingleMessage = Annotated[
    Annotated[RichMessage, Tag("~rich")]
    | Annotated[str, Tag("~text")]
    | Annotated[dict[str, str], Tag("~localized")],
    Discriminator(_message_kind, custom_error_type="message", custom_error_message=_MESSAGE_ERROR),
]


def _messages_kind(value: Any) -> str | None:
    return "~list" if isinstance(value, list) else _message_kind(value)


MessageDef = Annotated[
    Annotated[list[SingleMessage], Tag("~list")]
    | Annotated[RichMessage, Tag("~rich")]
    | Annotated[str, Tag("~text")]
    | Annotated[dict[str, str], Tag("~localized")],
    Discriminator(_messages_kind, custom_error_type="message", custom_error_message=_MESSAGE_ERROR),
    Field(description="What the bot says: a text, a text per language, a rich message, or a list"),
]


class Fallback(Part):
    """What to do after too many invalid answers or a failed action."""

    say: MessageDef | None = Field(default=None, description="what to say first")
    goto: str | None = Field(default=None, description="the id of a step of this flow to go on at")
    flow: Name | None = Field(default=None, description="a flow to go on with")
    handoff: bool = Field(default=False, description="hand the conversation to a person")
    skip: bool = Field(default=False, description="go on to the next step without the value")

    @model_validator(mode="after")
    def _one_way(self) -> Fallback:
        ways = [k for k in ("goto", "flow", "handoff", "skip") if getattr(self, k)]
        if len(ways) > 1:
            raise ValueError(f"choose one of goto, flow, handoff or skip; got {', '.join(ways)}")
        return self
