"""A handoff's summary in the flows' own words, for the agent who takes the conversation.

The raw summary a handoff keeps names slots and flows; this reads it with the designer's
words instead: the goal is the title of the first flow of the conversation (what the customer
came for, not the last thing tried), each slot the customer gave is shown by its ``label`` with
a choice's title instead of its value, and a structured value an action left (its JSON answer)
is left out, unless it says something was not found (``{found: false, id: A-12345}``: "Order
A-12345 not found"). Slots the flows set themselves (``set:``, an action's ``into:``) are not
what the customer said, and are not shown. Pure: no I/O, the flow set passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import JsonValue

from bot.desk.summary import Readable, humanised, reopening, scalar
from bot.format import language_tags
from dialogs.design.content import as_label
from dialogs.design.flowset import FlowSet
from dialogs.design.parts import Localized
from dialogs.nlu.slots import SlotDef


def summarise(
    flowset: FlowSet, summary: Mapping[str, JsonValue], languages: Sequence[str] = ()
) -> Readable:
    """``summary`` in words, in the first of ``languages`` the bot speaks (else the customer's,
    else the bot's first)."""
    language = _language(flowset, [*languages, str(summary.get("language") or "")])
    words = _Words(flowset, language)
    slots = summary.get("slots")
    facts: list[tuple[str, str]] = []
    failed: list[str] = []
    for name, value in slots.items() if isinstance(slots, dict) else ():
        if isinstance(value, dict):
            failed.extend(words.not_found(name, value))
        elif (shown := words.fact(name, value)) is not None:
            facts.append(shown)
    facts.extend(reopening(summary))
    return Readable(goal=words.goal(summary.get("flows")), facts=tuple(facts), failed=tuple(failed))


def _language(flowset: FlowSet, wanted: Sequence[str]) -> str:
    for tag in wanted:
        found = language_tags.closest(tag, flowset.languages) if tag else None
        if found is not None:
            return found
    return flowset.default_language


class _Words:
    """The designer's words in one language."""

    def __init__(self, flowset: FlowSet, language: str) -> None:
        self.flowset = flowset
        self.language = language

    def text(self, value: Localized) -> str:
        if isinstance(value, str):
            return value
        chosen = language_tags.pick(value, self.language, self.flowset.default_language)
        return chosen if chosen is not None else next(iter(value.values()), "")

    def goal(self, flows: JsonValue) -> str | None:
        """The title of the first flow on the stack, else its name made readable."""
        first = flows[0] if isinstance(flows, list) and flows else None
        if not isinstance(first, str):
            return None
        return self.flowset.title(first, self.language) or humanised(first)

    def label(self, name: str, slot: SlotDef | None) -> str:
        return self.text(slot.label) if slot is not None and slot.label else humanised(name)

    def fact(self, name: str, value: JsonValue) -> tuple[str, str] | None:
        """A slot the customer gave, by its label, its value as they would read it."""
        slot = self.flowset.slots.get(name)
        shown = scalar(value)
        if slot is None or shown is None:
            return None
        if slot.type == "choice":
            titles = {option.value: option.title for option in slot.options}
            shown = self.text(titles[shown]) if shown in titles else shown
        elif slot.type == "yes_no" and isinstance(value, bool):
            said = self.flowset.messages.get("yes" if value else "no")
            shown = self.text(as_label(said)) if said is not None else shown
        return self.label(name, slot), shown

    def not_found(self, name: str, value: Mapping[str, JsonValue]) -> list[str]:
        """``Order A-12345 not found`` for an action's answer that found nothing."""
        if value.get("found") is not False:
            return []
        key = scalar(value.get("id"))
        label = self.label(name, self.flowset.slots.get(name))
        words = language_tags.pick(_NOT_FOUND, self.language) or _NOT_FOUND["en"]
        return [words.format(what=f"{label} {key}" if key else label)]


_NOT_FOUND = {
    "en": "{what} not found",
    "pt": "{what}: não encontrado",
    "es": "{what}: no encontrado",
}
