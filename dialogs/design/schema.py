"""The dialog language: what a file in ``flows/`` may say, as pydantic models.

These models validate each file as it is written (positions come from :mod:`bot.yaml_source`),
and generate the JSON Schema that ``omnibot schema`` prints for editors. The pieces they are
made of (texts, messages, buttons, fallbacks) are in :mod:`dialogs.design.parts`; the steps are in
:mod:`dialogs.steps`, one module per kind. Cross-file checks (unknown names, unreachable steps,
missing translations) live in :mod:`dialogs.validation.checks`.
"""

from __future__ import annotations

import difflib
import operator
import re
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    GetPydanticSchema,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from bot.outreach.events.business import EventType
from dialogs.actions.http import HttpAction
from dialogs.design.defaults import MESSAGES
from dialogs.design.parts import Fallback, Localized, MessageDef, Name, Part
from dialogs.nlu.slots import SlotDef
from dialogs.steps import KINDS
from dialogs.steps.ask import AskStep
from dialogs.steps.base import StepBase
from dialogs.steps.wait import WaitFor, WaitStep

LANGUAGE_KEY = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
_LANGUAGE = re.compile(LANGUAGE_KEY)


class TriggerDef(Part):
    """What starts a flow, answers an FAQ or fires an intent.

    Example phrases are listed per language (``en: [where is my order, ...]``); ``keywords``
    must appear as whole words; ``patterns`` are regular expressions searched in the message
    after it is lowercased and stripped of accents; ``start`` runs the flow when a conversation
    begins; ``event`` runs it when the store sends a business event of that type (a flow's
    trigger only; see docs/outreach.md). Any other key must look like a language.
    """

    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, list[str]] = Field(init=False)  # examples per language

    start: bool = Field(default=False, description="run this flow when a conversation begins")
    keywords: dict[str, list[str]] = Field(
        default_factory=dict,
        description="words per language that start it when they appear as whole words",
    )
    patterns: list[str] = Field(
        default_factory=list,
        description="regular expressions searched in the message, lowercased and without accents",
    )
    event: EventType | None = Field(
        default=None, description="the type of business event that runs this flow (order.shipped)"
    )

    @model_validator(mode="before")
    @classmethod
    def _languages_only(cls, value: Any) -> Any:
        """A key that is neither a field nor a language is a typo (``evnt:``), reported as an
        unknown key with a did-you-mean rather than as a language nobody speaks."""
        if not isinstance(value, dict):
            return value
        for key, given in value.items():
            if key not in cls.model_fields and not _LANGUAGE.match(str(key).lower()):
                error = {"type": "extra_forbidden", "loc": (key,), "input": given}
                raise ValidationError.from_exception_data(cls.__name__, [error])  # type: ignore[list-item]
        return value

    def examples(self) -> dict[str, list[str]]:
        """Example phrases by language."""
        return dict(self.__pydantic_extra__ or {})


STEP_KINDS: dict[str, type[StepBase]] = KINDS
"""Each step kind by its key (registered in :mod:`dialogs.steps`)."""
_SHORTHANDS = [kind for kind, model in STEP_KINDS.items() if model.shorthand]


def step_kind(value: Any) -> str:
    """Which kind of step a mapping is; raises ``ValueError`` with a readable reason."""
    if isinstance(value, StepBase):
        return next(kind for kind, model in STEP_KINDS.items() if isinstance(value, model))
    if value in _SHORTHANDS:
        return str(value)
    if not isinstance(value, dict):
        words = " or ".join(f"the word '{kind}'" for kind in _SHORTHANDS)
        hint = _kind_hint([value]) if isinstance(value, str) else ""
        raise ValueError(f"a step is a mapping such as 'say: Hello' (or {words}){hint}")
    found = _kinds_named(value)
    if len(found) == 1:
        return found[0]
    if not found:
        hint = _kind_hint([str(key) for key in value])
        raise ValueError(f"a step needs one of: {', '.join(STEP_KINDS)}{hint}")
    raise ValueError(f"a step does one thing; this one has {' and '.join(found)}")


def _kind_hint(written: list[str]) -> str:
    """A did-you-mean for a misspelt step kind (``sya: Hello``)."""
    for word in written:
        close = difflib.get_close_matches(word, list(STEP_KINDS), n=1)
        if close:
            return f" (did you mean '{close[0]}'?)"
    return ""


def _kinds_named(mapping: dict[Any, Any]) -> list[str]:
    """The kinds whose key ``mapping`` has, but for those there as another kind's field."""
    found = [key for key in STEP_KINDS if key in mapping]
    for kind in list(found):
        found = [k for k in found if k not in STEP_KINDS[kind].modifiers]
    return found


def _checked_step(value: Any) -> Any:
    kind = step_kind(value)  # a clear message for a step of no kind, or of two
    return {kind: True} if isinstance(value, str) else value


def _step_json_schema(schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
    """A step in the JSON Schema: a mapping of one kind, or a kind's key alone (``- end``)."""
    kinds = handler(schema)
    members = kinds.get("anyOf") or kinds.get("oneOf") or [kinds]
    alone = [
        {"const": kind, "description": f"the step {{{kind}: true}}, written as its key alone"}
        for kind in _SHORTHANDS
    ]
    return {"anyOf": [*members, *alone]}


if TYPE_CHECKING:
    Step: TypeAlias = StepBase
else:
    # Told apart by a function, like the unions of dialogs.parts; one member per kind.
    Step = Annotated[
        reduce(operator.or_, (Annotated[model, Tag(f"~{kind}")] for kind, model in KINDS.items())),
        Discriminator(lambda value: f"~{step_kind(value)}"),
        BeforeValidator(_checked_step),
        GetPydanticSchema(get_pydantic_json_schema=_step_json_schema),
    ]


# The steps written inside a step (on_timeout:) are steps too: resolved once Step exists.
AskStep.model_rebuild(_types_namespace={"Step": Step})
WaitFor.model_rebuild(_types_namespace={"Step": Step})
WaitStep.model_rebuild(force=True)


class FlowDef(Part):
    """A flow: what starts it, and the steps it runs. A flow with a ``title`` is offered as a
    button in the help and fallback menus."""

    title: Localized | None = Field(
        default=None, description="the flow's name on the buttons of the help and fallback menus"
    )
    description: str | None = Field(
        default=None, description="what the flow is for, for the people who read the file"
    )
    triggers: TriggerDef | None = Field(
        default=None,
        description="what starts the flow: example phrases per language, keywords, patterns",
    )
    resume: MessageDef | None = Field(
        default=None, description="said when the customer comes back to this flow later"
    )
    purpose: Literal["transactional", "marketing"] = Field(
        default="transactional",
        description=(
            "why the flow speaks when the business starts it: transactional (about something "
            "the customer did) or marketing (needs the customer's opt-in)"
        ),
    )
    steps: list[Step] = Field(
        min_length=1,
        description="what the flow does, in order: each step a mapping with one kind's key",
    )


class IntentDef(Part):
    """A global intent (cancel, help, human, restart, elsewhere, prefer): switch it off, or give its
    triggers.

    What it says is under ``messages:`` (``cancel``, ``help``, ``restart``, ``handoff``).
    """

    enabled: bool = Field(default=True, description="false switches the intent off")
    triggers: TriggerDef | None = Field(
        default=None,
        description="phrases, keywords or patterns that fire it, instead of the built-in ones",
    )


class FaqDef(Part):
    """A question answered wherever it is asked; the pending question is asked again."""

    triggers: TriggerDef = Field(
        description="what asks the question: example phrases per language, keywords, patterns"
    )
    say: MessageDef = Field(description="the answer")


class ActionDef(Part):
    """An action declared in YAML (Python actions are declared in ``actions.py``)."""

    http: HttpAction = Field(description="the HTTP endpoint the action calls")


def _message_name(value: str) -> str:
    if value not in MESSAGES:
        raise ValueError(f"{value!r} is not a message name; known: {', '.join(MESSAGES)}")
    return value


MessageName = Annotated[
    str, AfterValidator(_message_name), Field(json_schema_extra={"enum": list(MESSAGES)})
]


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # a key that names a folder of the time zone database ("America"), or too long for a
        # file name, fails as the file it is looked up as
        raise ValueError(f"{value!r} is not a time zone like 'America/Sao_Paulo'") from exc
    return value


TimeZone = Annotated[str, AfterValidator(_time_zone)]


class SemanticDef(Part):
    """The semantic stage of understanding: sentence vectors from a model shipped in a package,
    asked when no keyword, pattern or close example phrase decides (docs/dialogs.md,
    "Understanding paraphrases")."""

    model: Literal["e5-small", "off"] = Field(
        default="e5-small",
        description=(
            "e5-small: multilingual-e5-small in 4 bits (its English+Portuguese variant when the"
            " bot speaks only those); off: example phrases are compared by their words only"
        ),
    )
    threshold: float = Field(
        default=0.82, gt=0, le=1, description="the score (0 to 1) a flow or FAQ must reach"
    )
    margin: float = Field(
        default=0.005,
        ge=0,
        le=1,
        description="how far ahead of the runner-up flow or FAQ the best must be",
    )
    out_of_scope_margin: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="how far ahead of the nearest out-of-scope phrase the best must be",
    )
    out_of_scope: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "phrases per language the bot must not take for any flow or FAQ (what the business"
            " does not do), besides the built-in small talk"
        ),
    )


class Settings(Part):
    """How the bot converses, whatever the flow."""

    start: Name | None = Field(default=None, description="the flow that greets a new customer")
    attempts: int = Field(default=3, ge=1, le=10, description="invalid answers before fallback")
    fallback: Fallback | None = Field(
        default=None, description="what to do after too many invalid answers or a failed action"
    )
    phone_region: str = Field(
        default="US",
        pattern=r"^[A-Z]{2}$",
        description="the country of phone numbers given without +, as two capital letters (BR)",
    )
    date_order: Literal["DMY", "MDY"] | None = Field(
        default=None,
        description="how to read dates such as 03/04: day first (DMY) or month first (MDY)",
    )
    match_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="how sure the matcher must be (0 to 1) before a message starts a flow",
    )
    timezone: TimeZone = Field(
        default="UTC", description="the time zone of times told to customers (America/Sao_Paulo)"
    )
    semantic: SemanticDef | None = Field(
        default=None,
        description="understanding paraphrases with a sentence model (absent: words only)",
    )


class FlowFile(Part):
    """One file in ``flows/``. Every section is optional; names are shared across files."""

    settings: Settings | None = Field(
        default=None, description="how the bot converses, whatever the flow"
    )
    slots: dict[Name, SlotDef] = Field(
        default_factory=dict, description="the values the bot asks for, by name"
    )
    flows: dict[Name, FlowDef] = Field(
        default_factory=dict, description="the conversations the bot can have, by name"
    )
    intents: dict[
        Literal["cancel", "help", "human", "restart", "elsewhere", "prefer"], IntentDef
    ] = Field(
        default_factory=dict,
        description="the global intents: switched off, or fired by other phrases",
    )
    faqs: dict[Name, FaqDef] = Field(
        default_factory=dict, description="questions answered wherever they are asked, by name"
    )
    actions: dict[Name, ActionDef] = Field(
        default_factory=dict, description="actions declared in YAML (HTTP calls), by name"
    )
    messages: dict[MessageName, MessageDef] = Field(
        default_factory=dict, description="the built-in texts, said otherwise"
    )
