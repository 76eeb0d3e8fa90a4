"""Reading a customer's answer for a slot: the slot definition chooses the parser and its limits."""

from __future__ import annotations

import re
from functools import lru_cache

from dialogs.content import sources
from dialogs.schema import OptionDef, SlotDef
from dialogs.slot_types import (
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
