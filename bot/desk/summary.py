"""What an agent reads first about a handoff: the customer's goal, what they told, what failed.

A handoff keeps a raw summary (:attr:`~bot.turn.customer.Handoff.summary`: the slots, the flows
on the stack, language, channel). The dialog side turns it into words from the flows' own
titles, slot labels and choice titles (:mod:`dialogs.design.summary`); this module holds the
shape both sides share, and :func:`plain`, the words a bot without flows gets (slot names made
readable, values that are not plain text left out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue


@dataclass(frozen=True, slots=True)
class Readable:
    """A handoff's summary in words: the ``goal`` (the first flow of the conversation, by its
    title), ``facts`` (label and value of each slot the customer gave) and ``failed``."""

    goal: str | None = None
    facts: tuple[tuple[str, str], ...] = ()
    failed: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The console's form: ``{goal, facts: [{label, value}], failed}``."""
        return {
            "goal": self.goal,
            "facts": [{"label": label, "value": value} for label, value in self.facts],
            "failed": list(self.failed),
        }


Summariser = Callable[[Mapping[str, JsonValue], Sequence[str]], Readable]
"""Reads a handoff's raw summary in the first of the given languages the bot speaks."""


def humanised(name: str) -> str:
    """``return_exchange`` as ``Return exchange``."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


REOPENED = "reopened"
"""The summary's key for who reopened the conversation (``{"by": "ana", "at": ISO}``): a fact
added to what the customer came for, never instead of it."""


def reopening(summary: Mapping[str, JsonValue]) -> tuple[tuple[str, str], ...]:
    """The fact a reopened conversation adds to its summary: ``("Reopened", "by ana")``."""
    said = summary.get(REOPENED)
    by = said.get("by") if isinstance(said, dict) else None
    return (("Reopened", f"by {by}"),) if isinstance(by, str) and by else ()


def plain(summary: Mapping[str, JsonValue], languages: Sequence[str] = ()) -> Readable:
    """A summary in words without the flows: names made readable, structured values left out."""
    slots = summary.get("slots")
    flows = summary.get("flows")
    facts = tuple(
        (humanised(name), shown)
        for name, value in (slots.items() if isinstance(slots, dict) else ())
        if (shown := scalar(value)) is not None
    )
    first = flows[0] if isinstance(flows, list) and flows else None
    goal = humanised(first) if isinstance(first, str) else None
    return Readable(goal=goal, facts=facts + reopening(summary))


def scalar(value: JsonValue) -> str | None:
    """A slot's value as text, or ``None`` for a structured one (an action's JSON answer)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    return None
