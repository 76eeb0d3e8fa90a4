"""Slot values a sentence mentions in passing: "I want to return order A-12345" names the order,
"me manda uma calabresa grande" the flavour and the size. The message that starts a flow is read
this way, so that the flow asks only for what is missing.

The sentence is read in windows of one to five words, longer windows first, and a word serves one
value. A window is a slot's value when that slot's parser accepts it whole; a choice only by one
of its titles, synonyms or its value ("2" or the start of a word names no option here). Nothing is
guessed: a window that more than one slot would take fills none of them, and a slot that two
windows would give different values stays empty. The words of the flow's own triggers pick no
option: they say which flow, not which value. Free text and yes/no slots are never read from a
passing mention, a bare number is never a date ("2 pizzas"), and a pattern slot only takes words
with a digit among them, so that a loose pattern does not take an ordinary word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from pydantic import JsonValue

from dialogs.nlu.matching import normalise
from dialogs.nlu.slot_types import ParseContext, Valid, choice_namer
from dialogs.nlu.slots import SlotDef, choice_options, parse_answer

MAX_WORDS = 5
"""The longest window read: "22 de novembro de 2026" is five words."""

MAX_SENTENCE = 40
"""Words of a message read; a longer one is read in its first forty."""

_NEVER = frozenset({"text", "yes_no"})
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"
_Reader = Callable[[str], JsonValue | None]


def mentioned(
    text: str,
    slots: Mapping[str, SlotDef],
    context: ParseContext,
    topic: frozenset[str] = frozenset(),
) -> dict[str, JsonValue]:
    """The values of ``slots`` that ``text`` gives, by slot name. ``topic`` holds the words of
    the flow's own triggers (normalised): they say which flow, so they pick no option ("I want
    to return an item" does not choose a "return" option of the returns flow)."""
    readers = {
        name: _reader(slot, context, topic)
        for name, slot in slots.items()
        if slot.type not in _NEVER
    }
    words = text.split()[:MAX_SENTENCE]
    used = [False] * len(words)
    found: dict[str, list[JsonValue]] = {}
    for start, end in _windows(len(words)) if readers else ():
        if any(used[start:end]):
            continue
        window = _tidy(" ".join(words[start:end]))
        takers = {
            name: value for name, read in readers.items() if (value := read(window)) is not None
        }
        if takers:
            used[start:end] = [True] * (end - start)
        if len(takers) == 1:
            ((name, value),) = takers.items()
            found.setdefault(name, []).append(value)
    return {name: values[0] for name, values in found.items() if _same(values)}


def _reader(slot: SlotDef, context: ParseContext, topic: frozenset[str]) -> _Reader:
    """How a window is read as ``slot``'s value: the value, or None."""
    if slot.type == "choice":
        name = choice_namer(choice_options(slot.options))
        return lambda window: (
            None if set(normalise(window).split()) <= topic else _valid(name(window))
        )

    def read(window: str) -> JsonValue | None:
        if slot.type == "date" and window.replace(" ", "").isdigit():
            return None
        if slot.type == "pattern" and not any(char.isdigit() for char in window):
            return None
        return _valid(parse_answer(slot, window, context))

    return read


def _windows(count: int) -> Iterator[tuple[int, int]]:
    """Word ranges ``(start, end)`` of a sentence of ``count`` words, longest first."""
    for size in range(min(MAX_WORDS, count), 0, -1):
        for start in range(count - size + 1):
            yield start, start + size


def _tidy(window: str) -> str:
    """``window`` without the quotes, sentence punctuation and unpaired brackets around it:
    "(A-12345)." is "A-12345"; "(11) 98765-4321" stays as it is."""
    window = window.strip(_QUOTES).rstrip(".,;:!?…").strip(_QUOTES)
    opens, closes = window.count("("), window.count(")")
    if window.startswith("(") and (closes == 0 or (opens == 1 and window.endswith(")"))):
        window = window[1:]
    if window.endswith(")") and "(" not in window:
        window = window[:-1]
    return window


def _valid(parsed: object) -> JsonValue | None:
    return parsed.value if isinstance(parsed, Valid) else None


def _same(values: list[JsonValue]) -> bool:
    return all(value == values[0] for value in values)
