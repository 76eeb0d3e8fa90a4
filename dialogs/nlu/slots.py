"""Slots: a typed value the bot asks for, as a flows file declares it, and reading a customer's
answer for one (the definition chooses the parser and its limits)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator

from dialogs.design.content import sources
from dialogs.design.parts import Localized, MessageDef, Part
from dialogs.nlu.slot_types import (
    ChoiceOption,
    Invalid,
    ParseContext,
    Parsed,
    parse_choice,
    parse_date,
    parse_email,
    parse_integer,
    parse_number,
    parse_pattern,
    parse_phone,
    parse_text,
    parse_yes_no,
)

SlotType = Literal[
    "text", "number", "integer", "email", "phone", "date", "choice", "yes_no", "pattern"
]


class OptionDef(Part):
    """One option of a choice slot: the ``value`` stored, its title and synonyms."""

    value: str = Field(
        min_length=1, max_length=100, description="what the slot holds when this option is chosen"
    )
    title: Localized
    synonyms: dict[str, list[str]] = Field(
        default_factory=dict, description="other words for it, per language"
    )


class SlotDef(Part):
    """A typed value the bot can ask for, validate and remember."""

    type: SlotType = Field(
        default="text",
        description="what an answer must be: a text, a number, an e-mail, a date, a choice...",
    )
    label: Localized | None = Field(
        default=None,
        description="what the slot is called where agents read it (the handoff summary)",
    )
    prompt: MessageDef | None = Field(default=None, description="how the bot asks for it")
    invalid: MessageDef | None = Field(default=None, description="said when an answer is invalid")
    remember: bool = Field(default=False, description="keep it in the profile: never ask twice")
    options: list[OptionDef] = Field(
        default_factory=list, description="the options of a choice slot"
    )
    pattern: str | None = Field(
        default=None, description="a regular expression the answer must match (pattern slots)"
    )
    transform: Literal["upper", "lower", "strip_spaces"] | None = Field(
        default=None,
        description="how a pattern slot's answer is normalised: upper, lower or strip_spaces",
    )
    min: float | None = Field(
        default=None, description="the smallest number accepted (number and integer slots)"
    )
    max: float | None = Field(
        default=None, description="the largest number accepted (number and integer slots)"
    )
    min_length: int = Field(
        default=1, ge=1, description="the fewest characters a text answer may have"
    )
    max_length: int = Field(
        default=500, ge=1, le=4000, description="the most characters a text answer may have"
    )
    judge: bool | None = Field(
        default=None,
        description=(
            "a text slot refuses an answer that is a question or a flow's or FAQ's trigger, "
            "answers that and asks again; on by default for remembered text slots"
        ),
    )
    past: bool = Field(default=True, description="a date slot accepts dates before today")
    future: bool = Field(default=True, description="a date slot accepts dates after today")

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

    @property
    def judges(self) -> bool:
        """Whether a text answer is judged before it is taken (see ``judge``)."""
        return self.type == "text" and (self.judge if self.judge is not None else self.remember)


_FIELDS_OF_TYPES = {
    "options": ("choice",),
    "pattern": ("pattern",),
    "transform": ("pattern",),
    "min": ("number", "integer"),
    "max": ("number", "integer"),
    "min_length": ("text",),
    "max_length": ("text",),
    "judge": ("text",),
    "past": ("date",),
    "future": ("date",),
}


def parse_answer(slot: SlotDef, answer: str, context: ParseContext) -> Parsed:
    """The value ``answer`` gives ``slot``, or why it gives none."""
    kind = slot.type
    if kind == "text":
        return parse_text(answer, context, min_length=slot.min_length, max_length=slot.max_length)
    if kind == "number":
        return parse_number(answer, context, minimum=slot.min, maximum=slot.max)
    if kind == "integer":
        low = int(slot.min) if slot.min is not None else None
        high = int(slot.max) if slot.max is not None else None
        return parse_integer(answer, context, minimum=low, maximum=high)
    if kind == "email":
        return parse_email(answer, context)
    if kind == "phone":
        return parse_phone(answer, context)
    if kind == "date":
        return parse_date(answer, context, past=slot.past, future=slot.future)
    if kind == "choice":
        return parse_choice(answer, context, choice_options(slot.options))
    if kind == "yes_no":
        return parse_yes_no(answer, context)
    if kind == "pattern" and slot.pattern is not None:
        return parse_pattern(
            answer, context, pattern=_compiled(slot.pattern), transform=slot.transform
        )
    return Invalid(f"slot type {kind!r} cannot be parsed")


def choice_options(options: list[OptionDef]) -> tuple[ChoiceOption, ...]:
    """A choice slot's options with every title and synonym, in every language."""
    return tuple(
        ChoiceOption(
            value=option.value,
            titles=tuple(text for _, _, text in sources(option.title))
            + tuple(word for words in option.synonyms.values() for word in words),
        )
        for option in options
    )


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
