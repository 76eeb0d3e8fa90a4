"""The dialog language: what a file in ``flows/`` may say, as pydantic models.

These models validate each file as it is written (positions come from :mod:`bot.yaml_source`),
and generate the JSON Schema that ``omnibot schema`` prints for editors. Cross-file checks
(unknown names, unreachable steps, missing translations) live in :mod:`dialogs.checks`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Tag,
    model_validator,
)

from bot.yaml_source import shown_key
from dialogs.defaults import MESSAGES

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
LANGUAGE_KEY = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


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
    payload: str | None = Field(default=None, max_length=200)
    goto: str | None = None
    flow: Name | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ButtonDef:
        targets = [k for k in ("payload", "goto", "flow", "url") if getattr(self, k) is not None]
        if len(targets) > 1:
            raise ValueError(f"a button does one thing; it has {', '.join(targets)}")
        return self


class MediaDef(Part):
    """A file to show: an image, a video, an audio clip or a document."""

    kind: Literal["image", "video", "audio", "file"] = "image"
    url: str
    caption: Localized | None = None


class CardDef(Part):
    """A title, a subtitle, an image and buttons, shown together where the channel can."""

    title: Localized
    subtitle: Localized | None = None
    image: str | None = None
    buttons: list[ButtonDef] = Field(default_factory=list)


class RichMessage(Part):
    """A message with more than text: buttons, quick replies, an image, media or a card."""

    text: Localized | None = None
    markdown: bool = False
    buttons: list[ButtonDef] = Field(default_factory=list)
    quick_replies: list[ButtonDef] = Field(default_factory=list)
    image: str | None = None
    media: MediaDef | None = None
    card: CardDef | None = None

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


class TriggerDef(Part):
    """What starts a flow, answers an FAQ or fires an intent.

    Example phrases are listed per language (``en: [where is my order, ...]``); ``keywords``
    must appear as whole words; ``patterns`` are regular expressions searched in the message
    after it is lowercased and stripped of accents; ``start`` runs the flow when a conversation
    begins.
    """

    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, list[str]] = Field(init=False)  # examples per language

    start: bool = False
    keywords: dict[str, list[str]] = Field(default_factory=dict)
    patterns: list[str] = Field(default_factory=list)

    def examples(self) -> dict[str, list[str]]:
        """Example phrases by language."""
        return dict(self.__pydantic_extra__ or {})


class Fallback(Part):
    """What to do after too many invalid answers or a failed action."""

    say: MessageDef | None = None
    goto: str | None = None
    flow: Name | None = None
    handoff: bool = False
    skip: bool = False

    @model_validator(mode="after")
    def _one_way(self) -> Fallback:
        ways = [k for k in ("goto", "flow", "handoff", "skip") if getattr(self, k)]
        if len(ways) > 1:
            raise ValueError(f"choose one of goto, flow, handoff or skip; got {', '.join(ways)}")
        return self


class StepBase(Part):
    """What every step may have: an ``id`` to jump to."""

    id: Name | None = None


class SayStep(StepBase):
    """Say something; with ``to``, on another of the customer's channels (where they wrote
    from before) instead of the one they are using now."""

    say: MessageDef
    to: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,31}$")


class AskStep(StepBase):
    """Ask for a slot, unless it is already known; retry on an invalid answer."""

    ask: Name
    prompt: MessageDef | None = None
    retry: MessageDef | None = None
    buttons: list[ButtonDef] = Field(default_factory=list)
    always: bool = Field(default=False, description="ask even when the slot is already filled")
    attempts: int | None = Field(default=None, ge=1, le=10)
    fallback: Fallback | None = None


class Case(Part):
    """One branch: when the condition holds, go to a step, start a flow, or end."""

    when: str
    goto: str | None = None
    flow: Name | None = None
    run: Name | None = None
    end: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> Case:
        targets = [k for k in ("goto", "flow", "run", "end") if getattr(self, k)]
        if len(targets) != 1:
            raise ValueError("a case needs exactly one of goto, flow, run or end")
        return self


class ElseDef(Part):
    """Where to go when no case holds (otherwise the next step runs)."""

    goto: str | None = None
    flow: Name | None = None
    run: Name | None = None
    end: bool = False


class BranchStep(StepBase):
    """Choose the way on by conditions over slots, profile and the channel."""

    branch: list[Case] = Field(min_length=1)
    else_: ElseDef | None = Field(default=None, alias="else")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class SetStep(StepBase):
    """Set slots or profile fields: ``slots.x``, ``profile.x`` or a bare slot name.

    A value is taken as written; ``"{{ ... }}"`` is a template; ``"= expression"`` is evaluated
    (numbers, lists, ``none``).
    """

    set: dict[str, JsonValue] = Field(min_length=1)


class CallStep(StepBase):
    """Call an action (Python in ``actions.py`` or HTTP); its result goes ``into`` a slot."""

    call: Name
    args: dict[str, JsonValue] = Field(default_factory=dict)
    into: Name | None = None
    on_error: Fallback | None = None


class GotoStep(StepBase):
    """Continue at another step of this flow."""

    goto: str


class FlowStep(StepBase):
    """Leave this flow for another one."""

    flow: Name


class RunStep(StepBase):
    """Run another flow, then come back and continue after this step."""

    run: Name


class HandoffStep(StepBase):
    """Hand the conversation to a person."""

    handoff: str = Field(description="the reason, shown to the agent")
    say: MessageDef | None = None


class EndStep(StepBase):
    """End this flow (and the conversation, if no flow is waiting for it to return)."""

    end: Literal[True] = True
    say: MessageDef | None = None


STEP_KINDS: dict[str, type[StepBase]] = {
    "say": SayStep,
    "ask": AskStep,
    "branch": BranchStep,
    "set": SetStep,
    "call": CallStep,
    "goto": GotoStep,
    "flow": FlowStep,
    "run": RunStep,
    "handoff": HandoffStep,
    "end": EndStep,
}
# A step may carry another kind's key as a modifier: the `say` of a handoff or an end.
_MODIFIERS = {"handoff": {"say"}, "end": {"say"}}


def step_kind(value: Any) -> str:
    """Which kind of step a mapping is; raises ``ValueError`` with a readable reason."""
    if isinstance(value, StepBase):
        return next(kind for kind, model in STEP_KINDS.items() if isinstance(value, model))
    if value == "end":
        return "end"
    if not isinstance(value, dict):
        raise ValueError("a step is a mapping such as 'say: Hello' (or the word 'end')")
    found = [key for key in STEP_KINDS if key in value]
    for kind in list(found):
        found = [k for k in found if k not in _MODIFIERS.get(kind, set())]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(f"a step needs one of: {', '.join(STEP_KINDS)}")
    raise ValueError(f"a step does one thing; this one has {' and '.join(found)}")


def _checked_step(value: Any) -> Any:
    step_kind(value)  # a clear message for a step of no kind, or of two
    return {"end": True} if value == "end" else value


Step = Annotated[
    Annotated[SayStep, Tag("~say")]
    | Annotated[AskStep, Tag("~ask")]
    | Annotated[BranchStep, Tag("~branch")]
    | Annotated[SetStep, Tag("~set")]
    | Annotated[CallStep, Tag("~call")]
    | Annotated[GotoStep, Tag("~goto")]
    | Annotated[FlowStep, Tag("~flow")]
    | Annotated[RunStep, Tag("~run")]
    | Annotated[HandoffStep, Tag("~handoff")]
    | Annotated[EndStep, Tag("~end")],
    Discriminator(lambda value: f"~{step_kind(value)}"),
    BeforeValidator(_checked_step),
]


class FlowDef(Part):
    """A flow: what starts it, and the steps it runs. A flow with a ``title`` is offered as a
    button in the help and fallback menus."""

    title: Localized | None = None
    description: str | None = None
    triggers: TriggerDef | None = None
    resume: MessageDef | None = Field(
        default=None, description="said when the customer comes back to this flow later"
    )
    steps: list[Step] = Field(min_length=1)


SlotType = Literal[
    "text", "number", "integer", "email", "phone", "date", "choice", "yes_no", "pattern"
]


class OptionDef(Part):
    """One option of a choice slot: the ``value`` stored, its title and synonyms."""

    value: str = Field(min_length=1, max_length=100)
    title: Localized
    synonyms: dict[str, list[str]] = Field(default_factory=dict)


class SlotDef(Part):
    """A typed value the bot can ask for, validate and remember."""

    type: SlotType = "text"
    prompt: MessageDef | None = None
    invalid: MessageDef | None = Field(default=None, description="said when an answer is invalid")
    remember: bool = Field(default=False, description="keep it in the profile: never ask twice")
    options: list[OptionDef] = Field(default_factory=list)
    pattern: str | None = None
    transform: Literal["upper", "lower", "strip_spaces"] | None = None
    min: float | None = None
    max: float | None = None
    min_length: int = Field(default=1, ge=1)
    max_length: int = Field(default=500, ge=1, le=4000)
    past: bool = True
    future: bool = True

    @model_validator(mode="after")
    def _type_needs(self) -> SlotDef:
        if self.type == "choice" and not self.options:
            raise ValueError("a choice slot needs options")
        if self.type == "pattern" and not self.pattern:
            raise ValueError("a pattern slot needs a pattern")
        for field, types in _FIELDS_OF_TYPES.items():
            if field in self.model_fields_set and self.type not in types:
                raise ValueError(f"'{field}' means nothing for a {self.type} slot")
        return self


_FIELDS_OF_TYPES = {
    "options": ("choice",),
    "pattern": ("pattern",),
    "transform": ("pattern",),
    "min": ("number", "integer"),
    "max": ("number", "integer"),
    "min_length": ("text",),
    "max_length": ("text",),
    "past": ("date",),
    "future": ("date",),
}


class IntentDef(Part):
    """A global intent (cancel, help, human, restart, elsewhere): switch it off, or give its
    triggers.

    What it says is under ``messages:`` (``cancel``, ``help``, ``restart``, ``handoff``).
    """

    enabled: bool = True
    triggers: TriggerDef | None = None


class FaqDef(Part):
    """A question answered wherever it is asked; the pending question is asked again."""

    triggers: TriggerDef
    say: MessageDef


class HttpAction(Part):
    """An action that calls an HTTP endpoint; its JSON answer is the result.

    ``url``, header values and ``body`` are templates over ``args``, ``slots`` and ``profile``.
    The URL's scheme and host are written out; a value in its path is one segment, in its query
    one component. ``${NAME}`` in a header value is read from the server's environment (where
    secrets live), and only there: never from what a template put in.
    """

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: dict[str, JsonValue] | None = None
    timeout: float = Field(default=5.0, gt=0, le=60)


class ActionDef(Part):
    """An action declared in YAML (Python actions are declared in ``actions.py``)."""

    http: HttpAction


def _message_name(value: str) -> str:
    if value not in MESSAGES:
        raise ValueError(f"{value!r} is not a message name; known: {', '.join(MESSAGES)}")
    return value


MessageName = Annotated[str, AfterValidator(_message_name)]


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # a key that names a folder of the time zone database ("America"), or too long for a
        # file name, fails as the file it is looked up as
        raise ValueError(f"{value!r} is not a time zone like 'America/Sao_Paulo'") from exc
    return value


TimeZone = Annotated[str, AfterValidator(_time_zone)]


class Settings(Part):
    """How the bot converses, whatever the flow."""

    start: Name | None = Field(default=None, description="the flow that greets a new customer")
    attempts: int = Field(default=3, ge=1, le=10, description="invalid answers before fallback")
    fallback: Fallback | None = None
    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    date_order: Literal["DMY", "MDY"] | None = None
    match_threshold: float = Field(default=0.5, gt=0, le=1)
    timezone: TimeZone = Field(
        default="UTC", description="the time zone of times told to customers (America/Sao_Paulo)"
    )


class FlowFile(Part):
    """One file in ``flows/``. Every section is optional; names are shared across files."""

    settings: Settings | None = None
    slots: dict[Name, SlotDef] = Field(default_factory=dict)
    flows: dict[Name, FlowDef] = Field(default_factory=dict)
    intents: dict[Literal["cancel", "help", "human", "restart", "elsewhere"], IntentDef] = Field(
        default_factory=dict
    )
    faqs: dict[Name, FaqDef] = Field(default_factory=dict)
    actions: dict[Name, ActionDef] = Field(default_factory=dict)
    messages: dict[MessageName, MessageDef] = Field(default_factory=dict)
