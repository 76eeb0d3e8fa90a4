"""A bot's dialogs, loaded and checked: what the engine runs and the designer's tools read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.format import language_tags
from bot.yaml_source import Loc, YamlDocument
from dialogs.actions.registry import Actions
from dialogs.design.parts import MessageDef
from dialogs.design.schema import FaqDef, FlowDef, IntentDef, Settings
from dialogs.design.templates import Templates
from dialogs.nlu.explanation import Understood
from dialogs.nlu.matching import Matcher
from dialogs.nlu.slots import SlotDef
from dialogs.steps.ask import AskStep
from dialogs.steps.base import StepBase


@dataclass(frozen=True, slots=True)
class Place:
    """Where something is written: a YAML document and a path inside it."""

    document: YamlDocument
    loc: Loc

    def at(self, *more: str | int) -> Place:
        """A place inside this one."""
        return Place(self.document, (*self.loc, *more))

    def problem(self, message: str) -> str:
        """``file:line:col: message`` for this place."""
        return self.document.problem(self.loc, message)

    def where(self) -> str:
        """``file:line:col`` of this place."""
        position = self.document.where(self.loc)
        return f"{self.document.path}:{position.line}:{position.column}"


@dataclass(frozen=True)
class Flow:
    """A flow with its steps' ids: explicit, else an ask step's slot, else its number.

    The steps written inside a step (its ``on_timeout:``) are ``inner``, with ids under the
    step's (``rating/on_timeout/1``): each goes on to the next of its list, and the last to the
    step after the one they are written in. ``timeouts`` gives, for a step with such steps, the
    first of them."""

    name: str
    definition: FlowDef
    place: Place
    ids: tuple[str, ...]
    index: Mapping[str, int]
    inner: Mapping[str, StepBase] = field(default_factory=dict)
    follows: Mapping[str, str | None] = field(default_factory=dict)
    timeouts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, name: str, definition: FlowDef, place: Place) -> Flow:
        ids = step_ids(definition.steps)
        nested = _Nested()
        for step_id, step, following in zip(ids, definition.steps, [*ids[1:], None], strict=True):
            nested.add(step_id, step, following)
        index = {step_id: i for i, step_id in enumerate(ids)}
        return cls(name, definition, place, ids, index, nested.steps, nested.follows, nested.first)

    @property
    def steps(self) -> list[StepBase]:
        """The steps, in order."""
        return list(self.definition.steps)

    def has(self, step_id: str) -> bool:
        """Whether the flow has a step ``step_id`` (one written inside another included)."""
        return step_id in self.index or step_id in self.inner

    def step(self, step_id: str) -> StepBase | None:
        """The step with ``step_id``, if it exists (it may not, after a reload)."""
        position = self.index.get(step_id)
        return self.steps[position] if position is not None else self.inner.get(step_id)

    def after(self, step_id: str) -> str | None:
        """The id of the step after ``step_id``; ``None`` at the end."""
        if step_id in self.follows:
            return self.follows[step_id]
        position = self.index[step_id] + 1
        return self.ids[position] if position < len(self.ids) else None

    def step_place(self, position: int) -> Place:
        """Where step ``position`` (0-based) is written."""
        return self.place.at("steps", position)


@dataclass
class _Nested:
    """The steps written inside others, flattened: by id, what follows each, and the first of
    each step's list."""

    steps: dict[str, StepBase] = field(default_factory=dict)
    follows: dict[str, str | None] = field(default_factory=dict)
    first: dict[str, str] = field(default_factory=dict)

    def add(self, step_id: str, step: StepBase, following: str | None) -> None:
        for loc, inner in step.inner():
            prefix = "/".join((step_id, *(str(part) for part in loc)))
            ids = [f"{prefix}/{number}" for number in range(1, len(inner) + 1)]
            self.first[step_id] = ids[0]
            for inner_id, sub, after in zip(ids, inner, [*ids[1:], following], strict=True):
                self.steps[inner_id], self.follows[inner_id] = sub, after
                self.add(inner_id, sub, after)


def step_ids(steps: Sequence[StepBase]) -> tuple[str, ...]:
    """Ids for ``steps``: the explicit ``id``; else the slot a step asks for when that is unique
    (so a customer waiting at it is found again after the flow is edited); else the number."""
    explicit = {step.id for step in steps if step.id}
    asked = [step.asks() for step in steps if not step.id]
    ids = []
    for number, step in enumerate(steps, start=1):
        slot = step.asks()
        if step.id:
            ids.append(step.id)
        elif slot is not None and asked.count(slot) == 1 and slot not in explicit:
            ids.append(slot)
        else:
            ids.append(str(number))
    return tuple(ids)


@dataclass
class FlowSet:
    """Everything the engine needs to hold a conversation for one bot.

    ``explain``, when set, is told each decision a turn acts on (``omnibot chat --explain``).
    """

    bot_dir: Path
    languages: tuple[str, ...]
    default_language: str
    settings: Settings = field(default_factory=Settings)
    slots: dict[str, SlotDef] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    faqs: dict[str, FaqDef] = field(default_factory=dict)
    intents: dict[str, IntentDef] = field(default_factory=dict)
    messages: dict[str, MessageDef] = field(default_factory=dict)
    actions: Actions = field(default_factory=Actions)
    templates: Templates = field(default_factory=Templates)
    matcher: Matcher = field(default_factory=lambda: Matcher([]))
    intent_matcher: Matcher = field(default_factory=lambda: Matcher([]))
    start: str | None = None
    places: dict[str, Place] = field(default_factory=dict)
    implicit_slots: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    intent_words: dict[str, frozenset[str]] = field(default_factory=dict)
    trigger_words: dict[str, frozenset[str]] = field(default_factory=dict)
    actions_broken: bool = False
    unchecked: dict[str, frozenset[str]] = field(default_factory=dict)
    """Names by section (``slots``, ``flows``...) defined in files that did not load."""
    explain: Callable[[Understood], None] | None = None

    def is_unchecked(self, kind: str, name: str) -> bool:
        """Whether ``name`` of ``kind`` (``slot``, ``flow``...) may be defined in a file that
        did not load, so a reference to it is neither known nor unknown."""
        return name in self.unchecked.get(f"{kind}s", frozenset())

    @property
    def known_slots(self) -> set[str]:
        """Declared slots, and those filled by ``set`` or an action's ``into``."""
        return set(self.slots) | self.implicit_slots

    def asked_by(self, name: str) -> list[str]:
        """The slots flow ``name`` asks for, itself or in the flows it runs (``run:``), but those
        it first asks for with ``always``: the slots the message that starts it may fill. (A
        later ``always`` asks again after a failure; the first ask still skips a known slot.)"""
        first: dict[str, AskStep] = {}
        for flow in self._run_by(name):
            for step in flow.steps:
                if isinstance(step, AskStep):
                    first.setdefault(step.ask, step)
        return [slot for slot, step in first.items() if not step.always]

    def _run_by(self, name: str) -> list[Flow]:
        """Flow ``name`` and the flows it runs and comes back from, however deep."""
        found: dict[str, Flow] = {}
        waiting = [name]
        while waiting:
            flow = self.flows.get(waiting.pop())
            if flow is None or flow.name in found:
                continue
            found[flow.name] = flow
            ways = (way for step in flow.steps for way in step.ways() if not way.fallback)
            waiting += [way.run for way in ways if way.run]
        return list(found.values())

    def on_event(self, event_type: str) -> Flow | None:
        """The flow whose ``triggers: {event: ...}`` names ``event_type``, if one does."""
        for flow in self.flows.values():
            triggers = flow.definition.triggers
            if triggers is not None and triggers.event == event_type:
                return flow
        return None

    def title(self, name: str, language: str) -> str | None:
        """The title of flow ``name`` in ``language`` (else the bot's, else any), or ``None``
        when it has none (or there is no such flow)."""
        flow = self.flows.get(name)
        title = flow.definition.title if flow is not None else None
        if title is None or isinstance(title, str):
            return title
        chosen = language_tags.pick(title, language, self.default_language)
        return chosen if chosen is not None else next(iter(title.values()), None)

    def menu(self) -> list[Flow]:
        """The flows offered as buttons in help and fallback: those with a title."""
        return [flow for flow in self.flows.values() if flow.definition.title is not None]
