"""The ``wait`` step: the flow pauses, and goes on later in a turn of its own.

It waits for a time (``wait: 1h``), for a time of day in the customer's time zone
(``wait: {at: "10:00", day: next}``), for a business event (``until: order.placed``), or for an
event at most so long (``until`` with ``at_most`` or ``at``): when the event comes first the
steps after the wait run, when the time comes first its ``on_timeout`` steps run (then the
steps after the wait). The time is kept in the durable schedule (see docs/outreach.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Discriminator, Field, JsonValue, Tag, model_validator

from bot.outreach.events.business import EventType
from bot.yaml_source import Loc
from dialogs.design.parts import ButtonDef, MessageDef, Part
from dialogs.design.times import Day, Duration, TimeOfDay, next_time_of_day, shown_duration
from dialogs.steps.base import (
    Named,
    Run,
    Shape,
    StepBase,
    Way,
    inner_buttons,
    inner_conditions,
    inner_names,
    inner_said,
    inner_values,
    inner_ways,
)

if TYPE_CHECKING:
    from dialogs.design.schema import Step


class WaitFor(Part):
    """What a wait waits for: a time (``at_most`` from now, or the time of day ``at``), a
    business event (``until``), or the event at most until the time."""

    at_most: Duration | None = Field(
        default=None, description="how long to wait (30m, 1h, 1d); with until, at most so long"
    )
    at: TimeOfDay | None = Field(
        default=None, description="wait until this time of day (HH:MM) in the customer's zone"
    )
    day: Day | None = Field(
        default=None,
        description="with at: next (tomorrow) or soonest (today if still ahead; the default)",
    )
    until: EventType | None = Field(
        default=None, description="wait until the store sends this business event (order.placed)"
    )
    on_timeout: list[Step] = Field(
        default_factory=list,
        description="with until and a time: the steps to run when the time comes first",
    )
    max_late: Duration | None = Field(
        default=None,
        description="after downtime, fired later than this the wait is dropped and the flow ends",
    )

    @model_validator(mode="after")
    def _makes_sense(self) -> WaitFor:
        timed = self.at_most is not None or self.at is not None
        if self.at_most is not None and self.at is not None:
            raise ValueError("a wait has at_most or at, not both")
        if not timed and self.until is None:
            raise ValueError("a wait needs at_most (1h), at (10:00) or until (an event)")
        if self.day is not None and self.at is None:
            raise ValueError("day goes with at (at: '10:00', day: next)")
        if self.on_timeout and (self.until is None or not timed):
            raise ValueError(
                "on_timeout runs when the time comes before the event: it needs until, "
                "and at_most or at (without an event the steps after the wait run)"
            )
        if self.max_late is not None and not timed:
            raise ValueError("max_late needs a time to be late for (at_most or at)")
        return self


def _wait_kind(value: Any) -> str | None:
    if isinstance(value, dict | WaitFor):
        return "~wait"
    return "~duration" if isinstance(value, str) else None


WaitDef = Annotated[
    Annotated[Duration, Tag("~duration")] | Annotated[WaitFor, Tag("~wait")],
    Discriminator(
        _wait_kind,
        custom_error_type="wait",
        custom_error_message=(
            "expected a duration (1h) or a mapping such as {until: order.placed, at_most: 1h}"
        ),
    ),
]


class WaitStep(StepBase):
    """Pause the flow for a time, until a time of day, or until a business event."""

    wait: WaitDef = Field(description="a duration (1h), or what to wait for")

    @property
    def spec(self) -> WaitFor:
        """The wait in its long form."""
        return self.wait if isinstance(self.wait, WaitFor) else WaitFor(at_most=self.wait)

    def inner(self) -> Iterator[tuple[Loc, Sequence[StepBase]]]:
        if isinstance(self.wait, WaitFor) and self.wait.on_timeout:
            yield ("wait", "on_timeout"), self.wait.on_timeout

    def said(self) -> Iterator[tuple[Loc, MessageDef | None]]:
        return inner_said(self)

    def own_buttons(self) -> Iterator[tuple[Loc, ButtonDef]]:
        return inner_buttons(self)

    def names(self) -> Iterator[Named]:
        return inner_names(self)

    def conditions(self) -> Iterator[tuple[Loc, str]]:
        return inner_conditions(self)

    def values(self) -> Iterator[tuple[Loc, JsonValue]]:
        return inner_values(self)

    def ways(self) -> Iterator[Way]:
        yield Way(next=True)
        yield from inner_ways(self)

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        spec = self.spec
        parts = []
        if spec.until is not None:
            parts.append(f"until {spec.until}")
        if spec.at_most is not None:
            parts.append(f"at most {shown_duration(spec.at_most)}")
        if spec.at is not None:
            parts.append(f"{spec.day or 'soonest'} {spec.at.strftime('%H:%M')}")
        return f"wait {', '.join(parts)}", "step"

    def due(self, run: Run) -> datetime | None:
        """When the wait's time comes, for a wait that starts now."""
        spec = self.spec
        if spec.at_most is not None:
            return run.now + spec.at_most
        if spec.at is not None:
            return next_time_of_day(run.now, spec.at, run.zone(), spec.day or "soonest")
        return None

    async def take(self, run: Run, flow: str) -> bool:
        """Wait (the turn ends here), unless the step waits already (a flow ran over it)."""
        if not run.waiting():
            spec = self.spec
            run.wait(self.due(run), spec.until, spec.max_late)
        return False
