"""The dialog language: what a file in ``flows/`` may say, as pydantic models.

These models validate each file as it is written (positions come from :mod:`bot.yaml_source`),
and generate the JSON Schema that ``omnibot schema`` prints for editors. The pieces they are
made of (texts, messages, buttons, fallbacks) are in :mod:`dialogs.parts`, slots in
:mod:`dialogs.slots`, HTTP actions in :mod:`dialogs.http_actions`. Cross-file checks
(unknown names, unreachable steps, missing translations) live in :mod:`dialogs.checks`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Tag,
    model_validator,
)

from dialogs.defaults import MESSAGES
from dialogs.http_actions import HttpAction
from dialogs.parts import ButtonDef, Fallback, Localized, MessageDef, Name, Part
from dialogs.slots import SlotDef

LANGUAGE_KEY = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


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
