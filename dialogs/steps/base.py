"""What every step is, what a step kind declares about itself, and what a step can do when it
runs.

A kind says what its steps are made of (the messages they may say, the slots and actions they
name, the values they compute, the slots they fill, their ways out), how they are drawn, what
is wrong with one beyond its own fields, and how one runs in a turn. The code that reads every
flow (the checks, the flow analysis, the drawing, the loader) asks the step through these
methods, and never which kind it is; a kind overrides only what differs from the defaults here.

A step runs against :class:`Run`, the contract this module owns and the dialog engine's runner
(:mod:`dialogs.conversation.runner`) fulfils: the step kinds know nothing else of the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import ClassVar, Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from pydantic import Field, JsonValue

from bot.yaml_source import Loc
from dialogs.actions.registry import Actions
from dialogs.design.parts import ButtonDef, Fallback, MessageDef, Name, Part
from dialogs.nlu.slots import SlotDef

Shape = Literal["entry", "step", "ask", "branch", "run", "switch", "handoff", "end_step", "end"]
"""The shapes of the boxes of a drawing (:mod:`dialogs.tools.graph`); a step is drawn in one of
them."""


@dataclass(frozen=True, slots=True)
class Way:
    """One way out of a step: to a step of its flow (``goto``), over to another flow
    (``flow``), through a sub-flow and back to the next step (``run``), to the end of the flow
    (``end``), or on to the next step (``next``).

    ``fills`` are the slots surely filled on the way, ``label`` is what the arrow is drawn
    with (a condition, ``fallback``), ``loc`` is where the way is written inside the step.
    ``fallback`` marks the way taken after too many invalid answers or a failed action, and
    ``leaves`` what such a way does when it goes to no step: hand the conversation to a person,
    or end the conversation (the drawing shows both; the flow analysis has no edge for them).
    """

    goto: str | None = None
    flow: str | None = None
    run: str | None = None
    end: bool = False
    next: bool = False
    fills: frozenset[str] = frozenset()
    label: str = ""
    loc: Loc = ()
    fallback: bool = False
    leaves: Literal["handoff", "conversation"] | None = None


@dataclass(frozen=True, slots=True)
class Named:
    """A slot or an action a step names, and where (inside the step)."""

    kind: Literal["slot", "action"]
    name: str
    loc: Loc


def fallback_way(fallback: Fallback, loc: Loc, label: str) -> Way:
    """Where a fallback leads, as a way out of the step it belongs to (a ``skip`` leads nowhere
    of its own; a ``handoff``, or no way on, leaves the flow without a step to go to)."""
    return Way(
        goto=fallback.goto or None,
        flow=fallback.flow,
        label=label,
        loc=loc,
        fallback=True,
        leaves=fallback_leaves(fallback),
    )


def fallback_leaves(fallback: Fallback) -> Literal["handoff", "conversation"] | None:
    """What a fallback does that leads to no step: a handoff, or (with no way on at all) the end
    of the conversation."""
    if fallback.handoff:
        return "handoff"
    if not (fallback.goto or fallback.flow or fallback.skip):
        return "conversation"
    return None


class Run(Protocol):
    """What a step can do while it runs in a turn; ``flow`` is always the name of the flow the
    step belongs to (its messages' ``goto`` buttons lead into it)."""

    @property
    def slots(self) -> dict[str, JsonValue]:
        """The conversation's slots, to read and to fill."""
        ...

    @property
    def profile(self) -> dict[str, JsonValue]:
        """The customer's profile: what outlives a conversation."""
        ...

    def slot(self, name: str) -> SlotDef:
        """The declared slot ``name``."""
        ...

    def advance(self) -> None:
        """Go on to the flow's next step (after its last, the flow ends)."""
        ...

    def goto(self, flow: str, step: str) -> None:
        """Go on at ``step`` of ``flow``."""
        ...

    def switch(self, flow: str) -> None:
        """Leave this flow for the first step of ``flow``."""
        ...

    def enter(self, flow: str) -> None:
        """Run ``flow``, then come back to the step after this one."""
        ...

    def end(self) -> None:
        """End this flow: back to the flow that ran it, or the conversation is over."""
        ...

    def say(self, message: MessageDef | None, flow: str) -> None:
        """Reply with ``message``."""
        ...

    def send(self, channel: str, message: MessageDef, flow: str) -> None:
        """Say ``message`` on another of the customer's channels."""
        ...

    def note(self, kind: str, text: str, **data: JsonValue) -> None:
        """Leave a note in the transcript."""
        ...

    def value(self, value: JsonValue) -> JsonValue:
        """A value as written: a literal, a ``{{ template }}`` or an ``= expression``."""
        ...

    def holds(self, condition: str, flow: str) -> bool:
        """Whether ``condition`` holds (one that fails is noted, and does not)."""
        ...

    async def call(self, action: str, args: dict[str, JsonValue]) -> JsonValue:
        """Call an action; raises :class:`~dialogs.actions.ActionFailed`."""
        ...

    def ask(
        self, flow: str, slot: str, prompt: MessageDef | None, buttons: list[ButtonDef]
    ) -> None:
        """Make ``slot`` the question pending and ask it: with ``prompt`` (else the slot's own),
        and ``buttons`` (else a choice slot's options)."""
        ...

    async def fallback(
        self, flow: str, fallback: Fallback | None, message: str, reason: str
    ) -> bool:
        """Take ``fallback`` (else the bot's), saying it or the built-in ``message``; ``reason``
        is what a person handed the conversation is told. ``True`` to keep running."""
        ...

    async def hand_off(self, reason: str, say: MessageDef | None) -> None:
        """Hand the conversation to a person (see :mod:`dialogs.conversation.handoff`)."""
        ...

    @property
    def now(self) -> datetime:
        """The time of the turn."""
        ...

    def zone(self) -> ZoneInfo:
        """The customer's time zone: their profile's ``timezone``, else the bot's."""
        ...

    def waiting(self) -> bool:
        """Whether the running step waits already (taken again after a flow run over it): its
        time or event is still to come."""
        ...

    def wait(self, due_at: datetime | None, until: str | None, max_late: timedelta | None) -> None:
        """Make the running step wait, until ``due_at`` (the step's ``on_timeout`` steps, else
        the next, run then) or the business event ``until`` (the next step runs then),
        whichever comes first; ``max_late``: dropped when due longer ago than this."""
        ...


class Bot(Protocol):
    """What a step's own checks may know of the bot (a loaded :class:`~dialogs.flowset.FlowSet`)."""

    @property
    def actions(self) -> Actions:
        """The bot's actions."""
        ...


T = TypeVar("T")


class StepBase(Part):
    """What every step may have: an ``id`` to jump to."""

    id: Name | None = Field(default=None, description="a name for the step, to goto it")

    modifiers: ClassVar[frozenset[str]] = frozenset()
    """Keys of other kinds that this kind takes as fields of its own (the ``say`` of ``end``)."""
    shorthand: ClassVar[bool] = False
    """Whether the kind's key alone is a whole step (``- end``)."""

    def inner(self) -> Iterator[tuple[Loc, Sequence[StepBase]]]:
        """The steps written inside this one (``on_timeout:``), each list with its place
        inside the step; the flow runs them in place of the step's own way on."""
        return iter(())

    def said(self) -> Iterator[tuple[Loc, MessageDef | None]]:
        """The messages the step may say, each with its place inside the step."""
        return iter(())

    def own_buttons(self) -> Iterator[tuple[Loc, ButtonDef]]:
        """Buttons the step shows besides those in its messages."""
        return iter(())

    def names(self) -> Iterator[Named]:
        """The slots and actions the step names (flows and steps are in its ways)."""
        return iter(())

    def conditions(self) -> Iterator[tuple[Loc, str]]:
        """The conditions the step evaluates."""
        return iter(())

    def values(self) -> Iterator[tuple[Loc, JsonValue]]:
        """The values the step computes: literals, ``{{ templates }}``, ``= expressions``."""
        return iter(())

    def filled(self) -> frozenset[str]:
        """Slots the step fills that need no declaration."""
        return frozenset()

    def asks(self) -> str | None:
        """The slot the step asks for, if it asks for one."""
        return None

    def ways(self) -> Iterator[Way]:
        """Where the step can go when it is done; most steps go on to the next one."""
        yield Way(next=True)

    def problems(self, bot: Bot) -> Iterator[tuple[Loc, str]]:
        """What is wrong with the step that its own fields do not tell (they are checked when
        the file is read), each problem with its place inside the step."""
        return iter(())

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        """The step in a drawing: its kind and key content, and the shape of its box; ``say``
        gives the text standing for a message."""
        return type(self).__name__, "step"

    async def take(self, run: Run, flow: str) -> bool:
        """Run the step, of flow ``flow``, in this turn; ``False`` when the turn stops here (a
        question, a handoff), ``True`` to go on wherever the step led."""
        run.advance()
        return True


def _inside(
    step: StepBase, part: Callable[[StepBase], Iterable[tuple[Loc, T]]]
) -> Iterator[tuple[Loc, T]]:
    """``part`` of each step written inside ``step``, placed inside ``step``."""
    for loc, steps in step.inner():
        for index, sub in enumerate(steps):
            for where, found in part(sub):
                yield (*loc, index, *where), found


def inner_said(step: StepBase) -> Iterator[tuple[Loc, MessageDef | None]]:
    """The messages the steps inside ``step`` may say."""
    return _inside(step, lambda sub: sub.said())


def inner_buttons(step: StepBase) -> Iterator[tuple[Loc, ButtonDef]]:
    """The buttons of the steps inside ``step``."""
    return _inside(step, lambda sub: sub.own_buttons())


def inner_conditions(step: StepBase) -> Iterator[tuple[Loc, str]]:
    """The conditions of the steps inside ``step``."""
    return _inside(step, lambda sub: sub.conditions())


def inner_values(step: StepBase) -> Iterator[tuple[Loc, JsonValue]]:
    """The values the steps inside ``step`` compute."""
    return _inside(step, lambda sub: sub.values())


def inner_names(step: StepBase) -> Iterator[Named]:
    """The slots and actions the steps inside ``step`` name."""
    named = _inside(step, lambda sub: ((n.loc, n) for n in sub.names()))
    return (replace(found, loc=loc) for loc, found in named)


def inner_ways(step: StepBase) -> Iterator[Way]:
    """The ways out of the flow's sequence that the steps inside ``step`` take (a goto, a
    flow, an end, a fallback); going on to the next of them is the step's own business."""
    ways = _inside(step, lambda sub: ((w.loc, w) for w in sub.ways() if not w.next))
    return (replace(way, loc=loc) for loc, way in ways)


def inner_problems(step: StepBase, bot: Bot) -> Iterator[tuple[Loc, str]]:
    """What is wrong with the steps inside ``step``."""
    return _inside(step, lambda sub: sub.problems(bot))
