"""Labelled phrases for ``omnibot evaluate``: what customers write, and what each should start.

The file (by default ``tests/understanding.yaml``) is a list of ``{phrase, language, expect}``:
``expect`` names a flow, an FAQ or a global intent (``order_status``, or ``flow:order_status``,
``faq:opening_hours``, ``intent:cancel`` where one name is used twice), or ``none`` for a phrase
the bot should not act on. ``language`` (default: the bot's) is one of the bot's languages.
Mistakes are ``file:line:col: message`` lines with a hint, as everywhere else.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.format.language_tags import closest
from bot.yaml_source import (
    Loc,
    Position,
    YamlDocument,
    YamlSyntaxError,
    load,
    shown_path,
    validation_problems,
)
from dialogs.design.flowset import FlowSet
from dialogs.tools.testing import LABELLED

FILE = Path("tests") / LABELLED
"""Where a bot folder keeps its labelled phrases (not a conversation test)."""
NONE = "none"


class LabelledDef(BaseModel):
    """One labelled phrase as written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phrase: str = Field(min_length=1, description="what a customer writes")
    language: str | None = Field(default=None, description="its language (default: the bot's)")
    expect: str = Field(
        min_length=1, description="the flow, FAQ or intent it should start, or none"
    )


@dataclass(frozen=True, slots=True)
class Labelled:
    """A phrase, its language among the bot's, and the target it should reach (``None``:
    nothing, an out-of-scope phrase)."""

    phrase: str
    language: str
    expect: str | None


class LabelsError(Exception):
    """The labelled phrases cannot be used; ``problems`` are ``file:line:col: message`` lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_labelled(path: Path, flowset: FlowSet) -> list[Labelled]:
    """The phrases of ``path``, checked against ``flowset``; raises :class:`LabelsError`."""
    shown = shown_path(path)
    if not path.is_file():
        hint = "write one: a list of {phrase, language, expect} (see docs/dialogs.md)"
        raise LabelsError([f"{shown}:1:1: no labelled phrases here; {hint}"])
    try:
        document = load(path, shown)
    except YamlSyntaxError as exc:
        raise LabelsError([exc.problem]) from exc
    if not isinstance(document.data, list) or not document.data:
        message = "labelled phrases are a list of {phrase, language, expect}, one item each"
        raise LabelsError([document.problem((), message)])
    labelled, problems = [], []
    targets = _targets(flowset)
    for index, item in enumerate(document.data):
        found = _read(document, index, item, flowset, targets)
        if isinstance(found, Labelled):
            labelled.append(found)
        else:
            problems.extend(found)
    if problems:
        raise LabelsError(problems)
    return labelled


def _read(
    document: YamlDocument, index: int, item: object, flowset: FlowSet, targets: dict[str, str]
) -> Labelled | list[str]:
    """Item ``index``, or the problems with it."""
    try:
        written = LabelledDef.model_validate(item)
    except ValidationError as exc:
        return validation_problems(_item(document, index), exc, LabelledDef)
    problems = []
    language = closest(written.language, flowset.languages) if written.language else None
    if written.language and language is None:
        spoken = ", ".join(flowset.languages)
        message = f"unknown language '{written.language}'; the bot speaks {spoken}"
        problems.append(document.problem((index, "language"), message))
    expect = None if written.expect == NONE else targets.get(written.expect)
    if written.expect != NONE and expect is None:
        problems.append(document.problem((index, "expect"), _unknown(written.expect, targets)))
    if problems:
        return problems
    return Labelled(written.phrase, language or flowset.default_language, expect)


def _item(document: YamlDocument, index: int) -> YamlDocument:
    """Item ``index`` of a list document as a document of its own, keeping its positions."""
    inside: dict[Loc, Position] = {
        loc[1:]: position for loc, position in document.positions.items() if loc[:1] == (index,)
    }
    return YamlDocument(document.path, document.data, inside)


def _targets(flowset: FlowSet) -> dict[str, str]:
    """Every name ``expect`` may give, and the matcher's target it stands for; a plain name is
    a flow's before an FAQ's before an intent's."""
    qualified = [
        *(f"intent:{name}" for name in flowset.intents),
        *(f"faq:{name}" for name in flowset.faqs),
        *(f"flow:{name}" for name in flowset.flows),
    ]
    names = {target: target for target in qualified}
    names.update({target.partition(":")[2]: target for target in qualified})
    return names


def _unknown(name: str, targets: dict[str, str]) -> str:
    plain = sorted(name for name in targets if ":" not in name)
    close = difflib.get_close_matches(name, list(targets), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f"; expected one of: {', '.join(plain)}"
    return f"unknown flow, FAQ or intent '{name}'{hint}, or '{NONE}' for out of scope"
