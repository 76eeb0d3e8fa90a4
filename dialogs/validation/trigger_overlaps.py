"""Trigger phrases that collide across flows and FAQs, warned before a customer meets them.

The same example in two places starts whichever scores first; an example that contains another
flow's keyword never starts its own flow, because a keyword fires before any example is scored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.format.language_tags import base
from dialogs.design.flowset import FlowSet, Place
from dialogs.design.schema import TriggerDef
from dialogs.nlu.matching import normalise


@dataclass(frozen=True, slots=True)
class _Phrase:
    """One example or keyword, normalised, with who it starts and where it is written."""

    owner: str
    language: str
    text: str
    written: str
    place: Place


def trigger_overlaps(flowset: FlowSet) -> Iterator[str]:
    """Warnings for examples given twice, and for examples shadowed by another's keyword."""
    examples: list[_Phrase] = []
    keywords: list[_Phrase] = []
    for owner, triggers, place in _owners(flowset):
        for language, phrases in triggers.examples().items():
            examples += _phrases(owner, language, phrases, place.at(language))
        for language, words in triggers.keywords.items():
            keywords += _phrases(owner, language, words, place.at("keywords", language))
    yield from _duplicates(examples)
    yield from _shadowed(examples, keywords)


def _owners(flowset: FlowSet) -> Iterator[tuple[str, TriggerDef, Place]]:
    for name, flow in flowset.flows.items():
        if flow.definition.triggers is not None:
            yield f"flow '{name}'", flow.definition.triggers, flow.place.at("triggers")
    for name, faq in flowset.faqs.items():
        yield f"FAQ '{name}'", faq.triggers, flowset.places[f"faqs:{name}"].at("triggers")


def _phrases(owner: str, language: str, given: list[str], place: Place) -> list[_Phrase]:
    return [
        _Phrase(owner, base(language), normalise(text), text, place.at(index))
        for index, text in enumerate(given)
        if normalise(text)
    ]


def _duplicates(examples: list[_Phrase]) -> Iterator[str]:
    first: dict[tuple[str, str], _Phrase] = {}
    for phrase in examples:
        seen = first.setdefault((phrase.language, phrase.text), phrase)
        if seen is phrase:
            continue
        where = seen.place.where()
        if seen.owner == phrase.owner:
            message = f"the example '{phrase.written}' is given twice (also at {where})"
        else:
            message = (
                f"the example '{phrase.written}' also starts {seen.owner} (at {where}); "
                "give each phrase to one of them"
            )
        yield phrase.place.problem(f"warning: {message}")


def _shadowed(examples: list[_Phrase], keywords: list[_Phrase]) -> Iterator[str]:
    for phrase in examples:
        padded = f" {phrase.text} "
        for keyword in keywords:
            mine = keyword.owner == phrase.owner
            if mine or keyword.language != phrase.language or f" {keyword.text} " not in padded:
                continue
            yield phrase.place.problem(
                f"warning: the example '{phrase.written}' contains the keyword "
                f"'{keyword.written}' of {keyword.owner}, so it starts {keyword.owner} "
                "(keywords are matched before examples)"
            )
            break
