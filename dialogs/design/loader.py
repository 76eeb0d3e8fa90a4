"""Loading a bot folder's dialogs: every file parsed with positions, validated, merged and checked.

Every problem is collected (not only the first) and reported as ``file:line:col: message``;
nothing a designer writes produces a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.app.config import BotConfig
from bot.errors import ConfigError
from bot.yaml_source import (
    YamlDocument,
    YamlSyntaxError,
    load,
    shown_path,
    validation_problems,
)
from dialogs.actions.http import HttpCall, compile_http
from dialogs.actions.registry import Actions, load_python_actions
from dialogs.design.defaults import INTENT_EXAMPLES, INTENT_THRESHOLD, MESSAGES
from dialogs.design.flowset import Flow, FlowSet, Place
from dialogs.design.formats import Formats
from dialogs.design.parts import Localized, MessageDef
from dialogs.design.schema import FlowFile, IntentDef, Settings, TriggerDef
from dialogs.design.templates import Templates
from dialogs.nlu.matching import Matcher, Trigger, normalise
from dialogs.nlu.semantic.embedding import PhraseCache, cache_directory, e5, variant_for
from dialogs.nlu.semantic.small_talk import OUT_OF_SCOPE
from dialogs.nlu.semantic.stage import SemanticRules, SemanticStage
from dialogs.validation import checks
from dialogs.validation.names import SECTIONS, names_in_data, names_in_text

_SECTIONS = SECTIONS


@dataclass
class _Merged:
    """The sections of every file, merged by name, each entry with its place."""

    settings: tuple[Settings, Place] | None = None
    entries: dict[str, dict[str, tuple[Any, Place]]] = field(
        default_factory=lambda: {section: {} for section in _SECTIONS}
    )
    problems: list[str] = field(default_factory=list)
    unchecked: dict[str, set[str]] = field(
        default_factory=lambda: {section: set() for section in _SECTIONS}
    )

    def skip(self, defined: dict[str, set[str]]) -> None:
        """Names defined in a file that could not be read: other files' references to them
        are not checked (the file's one problem is reported, not a cascade of unknown names)."""
        for section, names in defined.items():
            self.unchecked[section] |= names

    def add(self, document: YamlDocument, parsed: FlowFile) -> None:
        if parsed.settings is not None:
            place = Place(document, ("settings",))
            if self.settings is not None:
                first = self.settings[1].where()
                self.problems.append(place.problem(f"settings are given twice (also at {first})"))
            else:
                self.settings = (parsed.settings, place)
        for section in _SECTIONS:
            for name, value in getattr(parsed, section).items():
                self._entry(section, name, value, Place(document, (section, name)))

    def _entry(self, section: str, name: str, value: Any, place: Place) -> None:
        known = self.entries[section]
        if name in known:
            first = known[name][1].where()
            self.problems.append(
                place.problem(f"{section[:-1]} '{name}' is also defined at {first}")
            )
            return
        known[name] = (value, place)


def flow_files(bot_dir: Path) -> list[Path]:
    """The YAML files under ``flows/``, in a stable order."""
    folder = bot_dir / "flows"
    return sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]) if folder.is_dir() else []


def load_flowset(bot_dir: Path, config: BotConfig, *, warm_later: bool = False) -> FlowSet:
    """Load and check the dialogs of ``bot_dir``; raises :class:`ConfigError` with every
    problem, one ``file:line:col: message`` line each, in file order.

    With ``warm_later``, phrases the semantic stage has no vectors for yet are embedded in the
    background (``omnibot run``: serving starts at once, by words alone until they are there).
    """
    merged = _Merged()
    for path in flow_files(bot_dir):
        _read(path, _shown(path), merged)
    flowset = _assemble(bot_dir, config, merged, warm_later)
    problems = sorted(set(merged.problems + checks.check(flowset)), key=_order)
    errors = [problem for problem in problems if not checks.is_warning(problem)]
    if errors:
        raise ConfigError(problems)
    flowset.warnings = problems
    return flowset


def _read(path: Path, shown: str, merged: _Merged) -> None:
    try:
        document = load(path, shown)
    except YamlSyntaxError as exc:
        merged.problems.append(exc.problem)
        merged.skip(names_in_text(path.read_text("utf-8", errors="replace")))
        return
    if document.data is None:
        return
    if not isinstance(document.data, dict):
        merged.problems.append(document.problem((), "a flows file is a mapping of sections"))
        return
    try:
        parsed = FlowFile.model_validate(document.data)
    except ValidationError as exc:
        merged.problems.extend(validation_problems(document, exc, FlowFile))
        merged.skip(names_in_data(document.data))
        return
    merged.add(document, parsed)


def _assemble(bot_dir: Path, config: BotConfig, merged: _Merged, warm_later: bool) -> FlowSet:
    entries = merged.entries
    settings, settings_place = merged.settings or (Settings(), None)
    python, action_problems = load_python_actions(
        bot_dir / "actions.py", _shown(bot_dir / "actions.py")
    )
    merged.problems.extend(action_problems)
    http = {name: value.http for name, (value, _) in entries["actions"].items()}
    places = {
        f"{section}:{name}": place
        for section in _SECTIONS
        for name, (_, place) in entries[section].items()
    }
    if settings_place is not None:
        places["settings"] = settings_place
    flows = {
        name: Flow.build(name, definition, place)
        for name, (definition, place) in entries["flows"].items()
    }
    flowset = FlowSet(
        bot_dir=bot_dir,
        languages=tuple(config.languages),
        default_language=config.language,
        settings=settings,
        slots={name: value for name, (value, _) in entries["slots"].items()},
        flows=flows,
        faqs={name: value for name, (value, _) in entries["faqs"].items()},
        intents=_intents({name: value for name, (value, _) in entries["intents"].items()}),
        messages=_messages({name: value for name, (value, _) in entries["messages"].items()}),
        places=places,
        unchecked={section: frozenset(names) for section, names in merged.unchecked.items()},
    )
    flowset.templates = Templates(_formats(flowset))
    flowset.implicit_slots = _implicit_slots(flowset)
    requests = _http_calls(entries["actions"], merged.problems)
    flowset.actions = Actions(python=python, http=http, requests=requests)
    flowset.actions_broken = bool(action_problems)
    flowset.start = settings.start or _start_flow(flowset)
    triggers = _triggers(flowset, merged.problems)
    semantic = _semantic(flowset, triggers, warm_later)
    flowset.matcher = Matcher(triggers, threshold=settings.match_threshold, semantic=semantic)
    flowset.trigger_words = _words_by_target(triggers)
    intent_triggers = _intent_triggers(flowset, merged.problems)
    flowset.intent_matcher = Matcher(intent_triggers, threshold=INTENT_THRESHOLD)
    flowset.intent_words = _words_by_target(intent_triggers)
    return flowset


def _semantic(flowset: FlowSet, triggers: list[Trigger], warm_later: bool) -> SemanticStage | None:
    """The semantic stage the settings ask for, over the flows' and FAQs' example phrases, with
    the built-in small talk of the bot's languages and the designer's out-of-scope phrases."""
    wanted = flowset.settings.semantic
    if wanted is None or wanted.model == "off":
        return None
    spoken = {language.split("-")[0] for language in flowset.languages}
    outside = [
        phrase
        for language, phrases in sorted(OUT_OF_SCOPE.items())
        if language in spoken
        for phrase in phrases
    ]
    outside += [phrase for phrases in wanted.out_of_scope.values() for phrase in phrases]
    rules = SemanticRules(wanted.threshold, wanted.margin, wanted.out_of_scope_margin)
    model = e5(variant_for(flowset.languages))
    cache = PhraseCache(cache_directory())
    return SemanticStage(model, triggers, outside, rules, cache, background=warm_later)


def _http_calls(actions: dict[str, tuple[Any, Place]], problems: list[str]) -> dict[str, HttpCall]:
    """The HTTP actions compiled; what cannot be is a problem at its place."""
    compiled: dict[str, HttpCall] = {}
    for name, (definition, place) in actions.items():
        call, found = compile_http(definition.http)
        problems.extend(place.at("http", *loc).problem(message) for loc, message in found)
        if call is not None:
            compiled[name] = call
    return compiled


def _formats(flowset: FlowSet) -> Formats:
    """What the customers' formats filters know of the bot; a value two choice slots share
    takes its title from the first declared."""
    titles: dict[str, Localized] = {}
    for slot in flowset.slots.values():
        for option in slot.options if slot.type == "choice" else ():
            titles.setdefault(option.value, option.title)
    return Formats(
        languages=flowset.languages,
        fallback=flowset.default_language,
        timezone=flowset.settings.timezone,
        titles=titles,
    )


def _implicit_slots(flowset: FlowSet) -> set[str]:
    """Slots that ``set`` or an action's ``into`` fill without a declaration."""
    steps = (step for flow in flowset.flows.values() for step in flow.steps)
    return {name for step in steps for name in step.filled()}


def _intents(given: dict[str, IntentDef]) -> dict[str, IntentDef]:
    intents = {name: given.get(name, IntentDef()) for name in INTENT_EXAMPLES}
    return {name: intent for name, intent in intents.items() if intent.enabled}


def _messages(given: dict[str, MessageDef]) -> dict[str, MessageDef]:
    return {name: given.get(name, dict(texts)) for name, texts in MESSAGES.items()}


def _start_flow(flowset: FlowSet) -> str | None:
    for name, flow in flowset.flows.items():
        if flow.definition.triggers is not None and flow.definition.triggers.start:
            return name
    return None


def _triggers(flowset: FlowSet, problems: list[str]) -> list[Trigger]:
    triggers = []
    for name, flow in flowset.flows.items():
        if flow.definition.triggers is not None:
            place = flow.place.at("triggers")
            triggers += _from_def(f"flow:{name}", flow.definition.triggers, place, problems)
    for name, faq in flowset.faqs.items():
        place = flowset.places[f"faqs:{name}"].at("triggers")
        triggers += _from_def(f"faq:{name}", faq.triggers, place, problems)
    return triggers


def _intent_triggers(flowset: FlowSet, problems: list[str]) -> list[Trigger]:
    triggers = []
    for name, intent in flowset.intents.items():
        if intent.triggers is not None:
            place = flowset.places[f"intents:{name}"].at("triggers")
            triggers += _from_def(f"intent:{name}", intent.triggers, place, problems)
        else:
            for language, examples in INTENT_EXAMPLES[name].items():
                triggers.append(Trigger(f"intent:{name}", language, examples=tuple(examples)))
    return triggers


def _from_def(
    target: str, definition: TriggerDef, place: Place, problems: list[str]
) -> list[Trigger]:
    triggers = []
    for language, examples in definition.examples().items():
        for index, example in enumerate(examples):
            triggers += _trigger(
                place.at(language, index), problems, target, language, examples=(example,)
            )
    for language, words in definition.keywords.items():
        for index, word in enumerate(words):
            where = place.at("keywords", language, index)
            triggers += _trigger(where, problems, target, language, keywords=(word,))
    patterns = tuple(p for p in map(_pattern, definition.patterns) if p is not None)
    if patterns:
        triggers.append(Trigger(target, None, patterns=patterns))
    return triggers


def _trigger(
    place: Place, problems: list[str], target: str, language: str, **given: Any
) -> list[Trigger]:
    try:
        return [Trigger(target, language, **given)]
    except ValueError as exc:
        problems.append(place.problem(str(exc)))
        return []


def _words_by_target(triggers: list[Trigger]) -> dict[str, frozenset[str]]:
    """Every normalised word of each target's examples and keywords."""
    words: dict[str, set[str]] = {}
    for trigger in triggers:
        for phrase in (*trigger.examples, *trigger.keywords):
            words.setdefault(trigger.target, set()).update(normalise(phrase).split())
    return {target: frozenset(found) for target, found in words.items()}


def _pattern(source: str) -> re.Pattern[str] | None:
    try:
        return re.compile(source)
    except re.error:
        return None  # reported by checks, with its position


def _shown(path: Path) -> str:
    return shown_path(path)


def _order(problem: str) -> tuple[str, int, int, str]:
    parts = problem.split(":", 3)
    try:
        return parts[0], int(parts[1]), int(parts[2]), problem
    except (IndexError, ValueError):
        return problem, 0, 0, problem
