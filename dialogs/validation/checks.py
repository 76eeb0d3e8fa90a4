"""What ``omnibot validate`` checks across files, before a customer ever sees the bot.

Unknown names (with a "did you mean"; names a broken file defines are not checked), unreachable
steps and flows that can never start, slots used before any step can fill them, texts compared
with a choice slot that are none of its options, missing or unknown translations, template and
pattern syntax, action arguments, colliding trigger phrases, and the few rules that keep
payloads and start flows unambiguous.
Each problem is one ``file:line:col: message`` line; warnings say ``warning:``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping

from bot.format.language_tags import base, pick, serves
from bot.yaml_source import shown_path
from dialogs.actions.builtins import BUILTIN_ARGUMENTS
from dialogs.design.content import FLOW, GOTO, Piece, buttons, pieces, sources
from dialogs.design.defaults import LANGUAGE_CODES
from dialogs.design.flowgraph import entry_flows, reachable, slots_filled
from dialogs.design.flowset import Flow, FlowSet, Place
from dialogs.design.parts import MessageDef
from dialogs.design.schema import TriggerDef
from dialogs.design.templates import TemplateError, compared_values
from dialogs.design.walk import all_buttons, expressions, messages, references
from dialogs.validation.trigger_overlaps import trigger_overlaps

_LETTERS = re.compile(r"[^\W\d_]")
_TEMPLATE_TAGS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def check(flowset: FlowSet) -> list[str]:
    """Every problem of a loaded flow set."""
    return [
        *_names(flowset),
        *_translations(flowset),
        *_templates(flowset),
        *_patterns(flowset),
        *_reachability(flowset),
        *_slots_before_filled(flowset),
        *_compared_options(flowset),
        *trigger_overlaps(flowset),
        *_step_problems(flowset),
        *_rules(flowset),
    ]


def warning(place: Place, message: str) -> str:
    """A problem that does not stop the bot from loading."""
    return place.problem(f"warning: {message}")


def is_warning(problem: str) -> bool:
    """Whether a problem line is a warning."""
    return ": warning: " in problem


def _hint(name: str, known: Iterable[str]) -> str:
    cutoff = 0.5 if len(name) <= 3 else 0.6  # 'pr' is one letter from 'pt': 0.5 similar
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _names(flowset: FlowSet) -> Iterator[str]:
    known: dict[str, set[str]] = {
        "flow": set(flowset.flows),
        "slot": set(flowset.slots),
        "action": flowset.actions.names | set(BUILTIN_ARGUMENTS),
    }
    for ref in references(flowset):
        if ref.kind == "action" and flowset.actions_broken:
            continue  # actions.py did not load: that one problem is reported, not every call
        if flowset.is_unchecked(ref.kind, ref.name):
            continue  # defined in a file that did not load: its one problem is reported
        if ref.kind == "step":
            names = set(ref.flow.ids) if ref.flow else set()
            where = f" in flow '{ref.flow.name}'" if ref.flow else ""
        else:
            names, where = known[ref.kind], ""
        if ref.name not in names:
            yield ref.place.problem(
                f"unknown {ref.kind} '{ref.name}'{where}{_hint(ref.name, names)}"
            )


def _translations(flowset: FlowSet) -> Iterator[str]:
    languages = flowset.languages
    for at in messages(flowset):
        for piece in pieces(at.message):
            yield from _piece(piece, at.place, languages)
    for name, slot in flowset.slots.items():
        place = flowset.places[f"slots:{name}"]
        if slot.label is not None:
            yield from _piece(Piece(("label",), slot.label), place, languages)
        for index, option in enumerate(slot.options):
            yield from _piece(Piece(("options", index, "title"), option.title), place, languages)
            yield from _language_keys(
                option.synonyms, place.at("options", index, "synonyms"), languages
            )
    for flow in flowset.flows.values():
        if flow.definition.title is not None:
            yield from _piece(Piece(("title",), flow.definition.title), flow.place, languages)
        for position, step in enumerate(flow.steps):
            place = flow.step_place(position)
            for loc, button in step.own_buttons():
                yield from _piece(Piece((*loc, "title"), button.title), place, languages)
    yield from _trigger_languages(flowset)
    yield from _builtin_messages(flowset)


def _piece(piece: Piece, base: Place, languages: tuple[str, ...]) -> Iterator[str]:
    place = base.at(*piece.loc)
    if isinstance(piece.value, str):
        if len(languages) > 1 and _LETTERS.search(_TEMPLATE_TAGS.sub("", piece.value)):
            wanted = ", ".join(languages)
            yield place.problem(f"give this text in each of the bot's languages ({wanted})")
        return
    yield from _language_keys(piece.value, place, languages)
    for language in languages:
        if pick(piece.value, language) is None:
            yield place.problem(f"missing the '{language}' text")


def _language_keys(
    value: Mapping[str, object], place: Place, languages: tuple[str, ...]
) -> Iterator[str]:
    """Keys that serve none of the bot's languages: a ``pt`` or ``pt-BR`` text serves a bot
    speaking ``pt-BR``, a ``pt-PT`` one does not."""
    for key in value:
        if not any(serves(key, language) for language in languages):
            spoken = ", ".join(languages)
            real = base(key) in LANGUAGE_CODES
            hint = "" if real else _hint(key, {*languages, *map(base, languages)})
            message = f"unknown language '{key}'{hint}; the bot speaks {spoken}"
            yield place.at(key).problem(message)


def _trigger_languages(flowset: FlowSet) -> Iterator[str]:
    owners: list[tuple[Place, TriggerDef, bool]] = []
    for flow in flowset.flows.values():
        if flow.definition.triggers is not None:
            owners.append((flow.place.at("triggers"), flow.definition.triggers, True))
    for name, faq in flowset.faqs.items():
        owners.append((flowset.places[f"faqs:{name}"].at("triggers"), faq.triggers, True))
    for name, intent in flowset.intents.items():
        place = flowset.places.get(f"intents:{name}")
        if place is not None and intent.triggers is not None:
            owners.append((place.at("triggers"), intent.triggers, False))
    for place, triggers, warn in owners:
        yield from _language_keys(triggers.examples(), place, flowset.languages)
        yield from _language_keys(triggers.keywords, place.at("keywords"), flowset.languages)
        if not warn:
            continue
        given = set(triggers.examples()) | set(triggers.keywords)
        if given and not triggers.patterns:
            for language in flowset.languages:
                if not any(serves(key, language) for key in given):
                    yield warning(
                        place,
                        f"no '{language}' examples: customers writing in it can't start this",
                    )


def _builtin_messages(flowset: FlowSet) -> Iterator[str]:
    bot_yaml = f"{shown_path(flowset.bot_dir / 'bot.yaml')}:1:1"
    for name, message in flowset.messages.items():
        if f"messages:{name}" in flowset.places:
            continue
        for piece in pieces(message):
            if isinstance(piece.value, dict):
                for language in flowset.languages:
                    if pick(piece.value, language) is None:
                        yield (
                            f"{bot_yaml}: the built-in message '{name}' has no '{language}' "
                            "text; give it under 'messages:' in a flows file"
                        )


def _templates(flowset: FlowSet) -> Iterator[str]:
    templates = flowset.templates
    for at in messages(flowset):
        for loc, text in _texts(at.message):
            try:
                templates.add_template(text)
            except TemplateError as exc:
                yield at.place.at(*loc).problem(str(exc))
    for name, message in flowset.messages.items():
        if f"messages:{name}" not in flowset.places:  # a built-in text (a template or two)
            for _, text in _texts(message):
                templates.add_template(text)
    for expression in expressions(flowset):
        try:
            if expression.condition:
                templates.add_condition(expression.source)
            else:
                templates.add_template(expression.source)
        except TemplateError as exc:
            yield expression.place.problem(str(exc))


def _texts(message: MessageDef) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for piece in pieces(message):
        for loc, _, text in sources(piece.value):
            yield (*piece.loc, *loc), text
    items = message if isinstance(message, list) else [message]
    for index, item in enumerate(items):
        prefix: tuple[str | int, ...] = (index,) if isinstance(message, list) else ()
        for key in ("image",):
            value = getattr(item, key, None)
            if isinstance(value, str):
                yield (*prefix, key), value
        media = getattr(item, "media", None)
        if media is not None:
            yield (*prefix, "media", "url"), media.url
        for loc, button in buttons(item):
            if button.url is not None:
                yield (*prefix, *loc, "url"), button.url


def _patterns(flowset: FlowSet) -> Iterator[str]:
    owners: list[tuple[Place, TriggerDef | None]] = [
        (flow.place.at("triggers"), flow.definition.triggers) for flow in flowset.flows.values()
    ]
    owners += [
        (flowset.places[f"faqs:{n}"].at("triggers"), f.triggers) for n, f in flowset.faqs.items()
    ]
    for place, triggers in owners:
        for index, pattern in enumerate(triggers.patterns if triggers else []):
            yield from _regex(pattern, place.at("patterns", index))
    for name, slot in flowset.slots.items():
        if slot.pattern is not None:
            yield from _regex(slot.pattern, flowset.places[f"slots:{name}"].at("pattern"))


def _regex(pattern: str, place: Place) -> Iterator[str]:
    try:
        re.compile(pattern)
    except re.error as exc:
        yield place.problem(f"invalid pattern: {exc}")


def _reachability(flowset: FlowSet) -> Iterator[str]:
    for flow in flowset.flows.values():
        live = reachable(flow)
        for position in range(len(flow.ids)):
            if position not in live:
                yield flow.step_place(position).problem(
                    f"step {position + 1} of flow '{flow.name}' can never run: the step before "
                    "always leaves, and no goto leads here"
                )
    started = entry_flows(flowset)
    called = {r.name for r in references(flowset) if r.kind == "flow"}
    for name, flow in flowset.flows.items():
        if name not in started and name not in called:
            yield warning(
                flow.place,
                f"flow '{name}' can never start: it has no triggers and nothing leads to it",
            )


def _slots_before_filled(flowset: FlowSet) -> Iterator[str]:
    analysis = slots_filled(flowset)
    known = flowset.known_slots
    for at in messages(flowset):
        if at.flow is None or at.step is None:
            for loc, text in _texts(at.message):
                yield from _unknown_slots(flowset, at.place.at(*loc), text, known)
            continue
        filled = analysis.before[at.flow.name][at.step]
        if filled is None:
            continue
        asked = at.flow.steps[at.step].asks()
        for loc, text in _texts(at.message):
            yield from _unfilled(flowset, at.place.at(*loc), text, False, filled, known, asked)
    for expression in expressions(flowset):
        if expression.flow is None or expression.step is None:
            continue
        filled = analysis.before[expression.flow.name][expression.step]
        if filled is not None:
            yield from _unfilled(
                flowset,
                expression.place,
                expression.source,
                expression.condition,
                filled,
                known,
                None,
            )


def _compared_options(flowset: FlowSet) -> Iterator[str]:
    """A choice slot compared with a text that is none of its options' values: the branch
    could never be taken (``slots.mode == 'delivry'``)."""
    sources = [(e.place, e.source, e.condition) for e in expressions(flowset)]
    for at in messages(flowset):
        sources += [(at.place.at(*loc), text, False) for loc, text in _texts(at.message)]
    for place, source, condition in sources:
        if not condition and not flowset.templates.is_template(source):
            continue
        for name, text in compared_values(source, expression=condition):
            slot = flowset.slots.get(name)
            values = [option.value for option in slot.options] if slot is not None else []
            if values and text not in values:
                shown = ", ".join(values)
                hint = _hint(text, values) or f"; its options are {shown}"
                yield place.problem(f"'{text}' is not an option of slot '{name}'{hint}")


def _unfilled(
    flowset: FlowSet,
    place: Place,
    source: str,
    condition: bool,
    filled: frozenset[str],
    known: set[str],
    asked: str | None,
) -> Iterator[str]:
    if not condition and not flowset.templates.is_template(source):
        return
    try:
        references_ = list(flowset.templates.slot_references(source, expression=condition))
    except Exception:
        return
    for name, guarded in references_:
        if flowset.is_unchecked("slot", name):
            continue
        if name not in known:
            yield place.problem(f"unknown slot '{name}'{_hint(name, known)}")
        elif not guarded and name not in filled and name != asked:
            yield place.problem(
                f"slot '{name}' is used here before any step can fill it "
                f"(ask for it first, or write {{{{ slots.{name} | default('') }}}})"
            )


def _unknown_slots(flowset: FlowSet, place: Place, source: str, known: set[str]) -> Iterator[str]:
    """Misspelt slots in a message outside the flows (an FAQ answer, a prompt, a resume)."""
    if not flowset.templates.is_template(source):
        return
    try:
        names = {name for name, _ in flowset.templates.slot_references(source)}
    except Exception:
        return
    for name in sorted(names - known - flowset.unchecked.get("slots", frozenset())):
        yield place.problem(f"unknown slot '{name}'{_hint(name, known)}")


def _step_problems(flowset: FlowSet) -> Iterator[str]:
    """What each step kind finds wrong with its steps (an action's arguments, a ``set`` key)."""
    for flow in flowset.flows.values():
        for position, step in enumerate(flow.steps):
            place = flow.step_place(position)
            for loc, message in step.problems(flowset):
                yield place.at(*loc).problem(message)


def _rules(flowset: FlowSet) -> Iterator[str]:
    starters = [
        flow
        for flow in flowset.flows.values()
        if flow.definition.triggers is not None and flow.definition.triggers.start
    ]
    for extra in starters[1:]:
        yield extra.place.at("triggers", "start").problem(
            f"only one flow can start conversations; '{starters[0].name}' does already"
        )
    yield from _event_rules(flowset)
    yield from _button_rules(flowset)
    for name in sorted(set(flowset.actions.python) & set(flowset.actions.http)):
        yield flowset.places[f"actions:{name}"].problem(
            f"action '{name}' is also defined in actions.py; give one of them another name"
        )
    actions_py = shown_path(flowset.bot_dir / "actions.py")
    for name in sorted(set(flowset.actions.python) & set(BUILTIN_ARGUMENTS)):
        line = flowset.actions.python[name].line
        yield f"{actions_py}:{line}:1: '{name}' is a built-in action; give this one another name"
    for name in sorted(set(flowset.actions.http) & set(BUILTIN_ARGUMENTS)):
        yield flowset.places[f"actions:{name}"].problem(
            f"'{name}' is a built-in action; give this one another name"
        )
    for name, slot in flowset.slots.items():
        values = [option.value for option in slot.options]
        for index, value in enumerate(values):
            if value in values[:index]:
                place = flowset.places[f"slots:{name}"].at("options", index, "value")
                yield place.problem(f"option '{value}' is given twice")
    for flow in flowset.flows.values():
        yield from _step_rules(flow)


def _event_rules(flowset: FlowSet) -> Iterator[str]:
    """One flow per business event type, and only flows run on one."""
    first: dict[str, str] = {}
    for flow in flowset.flows.values():
        kind = flow.definition.triggers.event if flow.definition.triggers else None
        if kind is None:
            continue
        if kind in first:
            yield flow.place.at("triggers", "event").problem(
                f"event '{kind}' already runs flow '{first[kind]}'; one flow per event"
            )
        first.setdefault(kind, flow.name)
    others: list[tuple[str, TriggerDef | None]]
    others = [(f"faqs:{name}", faq.triggers) for name, faq in flowset.faqs.items()]
    others += [(f"intents:{name}", intent.triggers) for name, intent in flowset.intents.items()]
    for key, triggers in others:
        place = flowset.places.get(key)
        if place is not None and triggers is not None and triggers.event is not None:
            yield place.at("triggers", "event").problem(
                "only a flow runs on a business event; move this trigger to a flow"
            )


def _button_rules(flowset: FlowSet) -> Iterator[str]:
    for at in all_buttons(flowset):
        if at.button.payload and at.button.payload.startswith((GOTO, FLOW)):
            yield at.place.at("payload").problem(
                "payloads starting with 'goto:' or 'flow:' are reserved; "
                "give the button a goto or a flow instead"
            )
        if at.button.goto is not None and at.flow is None:
            message = "a goto button only works in a flow's own messages; use flow: here"
            yield at.place.at("goto").problem(message)


def _step_rules(flow: Flow) -> Iterator[str]:
    seen: set[str] = set()
    for position, step in enumerate(flow.steps):
        place = flow.step_place(position)
        if step.id is not None and step.id in seen:
            yield place.at("id").problem(f"step id '{step.id}' is used twice in this flow")
        if step.id is not None:
            seen.add(step.id)
