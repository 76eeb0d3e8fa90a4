"""Walking a flow set: every message, name reference and expression, each with its place.

The checks and the graph drawing read flows through these few generators, which ask each step
what it is made of (:mod:`dialogs.steps.base`) instead of knowing every step kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import JsonValue

from dialogs.design.content import buttons
from dialogs.design.flowset import Flow, FlowSet, Place
from dialogs.design.parts import ButtonDef, MessageDef
from dialogs.steps.base import StepBase

RefKind = Literal["step", "flow", "slot", "action"]


@dataclass(frozen=True, slots=True)
class MessageAt:
    """A message, where it is written, and the flow step that says it (if any)."""

    message: MessageDef
    place: Place
    flow: Flow | None = None
    step: int | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    """A name that must exist: a step of ``flow``, a flow, a slot or an action."""

    kind: RefKind
    name: str
    place: Place
    flow: Flow | None = None


@dataclass(frozen=True, slots=True)
class Expression:
    """A template or expression a step evaluates; ``condition`` for ``when`` and ``=`` values."""

    source: str
    place: Place
    condition: bool
    flow: Flow | None = None
    step: int | None = None


def step_messages(flow: Flow, position: int, step: StepBase) -> Iterator[MessageAt]:
    """The messages one step may say."""
    place = flow.step_place(position)
    for loc, message in step.said():
        if message is not None:
            yield MessageAt(message, place.at(*loc), flow, position)


def messages(flowset: FlowSet) -> Iterator[MessageAt]:
    """Every message of the bot, with its place."""
    for flow in flowset.flows.values():
        for position, step in enumerate(flow.steps):
            yield from step_messages(flow, position, step)
        if flow.definition.resume is not None:
            yield MessageAt(flow.definition.resume, flow.place.at("resume"), flow)
    for name, slot in flowset.slots.items():
        place = flowset.places[f"slots:{name}"]
        for key in ("prompt", "invalid"):
            message = getattr(slot, key)
            if message is not None:
                yield MessageAt(message, place.at(key))
    for name, faq in flowset.faqs.items():
        yield MessageAt(faq.say, flowset.places[f"faqs:{name}"].at("say"))
    for name, message in flowset.messages.items():
        given = flowset.places.get(f"messages:{name}")
        if given is not None:
            yield MessageAt(message, given)
    settings = flowset.places.get("settings")
    fallback = flowset.settings.fallback
    if settings is not None and fallback is not None and fallback.say is not None:
        yield MessageAt(fallback.say, settings.at("fallback", "say"))


@dataclass(frozen=True, slots=True)
class ButtonAt:
    """A button, where it is written, and the flow whose steps its ``goto`` names."""

    button: ButtonDef
    place: Place
    flow: Flow | None = None


def step_buttons(flow: Flow, position: int, step: StepBase) -> Iterator[ButtonAt]:
    """The buttons one step shows: in its messages, and its own (an ask step's ``buttons``)."""
    for at in step_messages(flow, position, step):
        for loc, button in buttons(at.message):
            yield ButtonAt(button, at.place.at(*loc), flow)
    place = flow.step_place(position)
    for loc, button in step.own_buttons():
        yield ButtonAt(button, place.at(*loc), flow)


def all_buttons(flowset: FlowSet) -> Iterator[ButtonAt]:
    """Every button of the bot."""
    for flow in flowset.flows.values():
        for position, step in enumerate(flow.steps):
            yield from step_buttons(flow, position, step)
    for at in messages(flowset):
        if at.step is None:
            for loc, button in buttons(at.message):
                yield ButtonAt(button, at.place.at(*loc), at.flow)


def references(flowset: FlowSet) -> Iterator[Ref]:
    """Every name the bot refers to, with its place."""
    for flow in flowset.flows.values():
        for position, step in enumerate(flow.steps):
            yield from step_refs(flow, flow.step_place(position), step)
    for at in all_buttons(flowset):
        if at.button.goto is not None and at.flow is not None:
            yield Ref("step", at.button.goto, at.place.at("goto"), at.flow)
        if at.button.flow is not None:
            yield Ref("flow", at.button.flow, at.place.at("flow"))
    settings = flowset.places.get("settings")
    if settings is not None:
        if flowset.settings.start is not None:
            yield Ref("flow", flowset.settings.start, settings.at("start"))
        if flowset.settings.fallback is not None and flowset.settings.fallback.flow:
            yield Ref("flow", flowset.settings.fallback.flow, settings.at("fallback", "flow"))


def step_refs(flow: Flow, place: Place, step: StepBase) -> Iterator[Ref]:
    """The names one step refers to: the slots and actions it names, the steps and flows its
    ways lead to."""
    for named in step.names():
        yield Ref(named.kind, named.name, place.at(*named.loc))
    for way in step.ways():
        where = place.at(*way.loc)
        if way.goto is not None:
            yield Ref("step", way.goto, where.at("goto"), flow)
        if way.flow is not None:
            yield Ref("flow", way.flow, where.at("flow"))
        if way.run is not None:
            yield Ref("flow", way.run, where.at("run"))


def expressions(flowset: FlowSet) -> Iterator[Expression]:
    """Every condition and computed value of the flows (message texts aside)."""
    for flow in flowset.flows.values():
        for position, step in enumerate(flow.steps):
            place = flow.step_place(position)
            for loc, condition in step.conditions():
                yield Expression(condition, place.at(*loc), True, flow, position)
            for loc, value in step.values():
                yield from _value_expressions(value, place.at(*loc), flow, position)


def _value_expressions(
    value: JsonValue, place: Place, flow: Flow, position: int
) -> Iterator[Expression]:
    if isinstance(value, str) and value.startswith("="):
        yield Expression(value[1:].strip(), place, True, flow, position)
    elif isinstance(value, str):
        yield Expression(value, place, False, flow, position)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _value_expressions(item, place.at(index), flow, position)
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _value_expressions(item, place.at(name), flow, position)
