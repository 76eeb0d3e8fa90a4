"""The ``branch`` step: choose the way on by conditions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from pydantic import ConfigDict, Field, model_validator

from bot.yaml_source import Loc
from dialogs.design.parts import MessageDef, Name, Part
from dialogs.design.templates import implied_slots
from dialogs.steps.base import Run, Shape, StepBase, Way


class Case(Part):
    """One branch: when the condition holds, go to a step, start a flow, or end."""

    when: str = Field(
        description="a condition over slots, profile and channel, such as slots.total > 100"
    )
    goto: str | None = Field(default=None, description="the id of a step of this flow to go on at")
    flow: Name | None = Field(default=None, description="a flow to go on with")
    run: Name | None = Field(
        default=None, description="a flow to run, then come back to the next step"
    )
    end: bool = Field(default=False, description="end this flow")

    @model_validator(mode="after")
    def _one_target(self) -> Case:
        targets = [k for k in ("goto", "flow", "run", "end") if getattr(self, k)]
        if len(targets) != 1:
            raise ValueError("a case needs exactly one of goto, flow, run or end")
        return self


class ElseDef(Part):
    """Where to go when no case holds (otherwise the next step runs)."""

    goto: str | None = Field(default=None, description="the id of a step of this flow to go on at")
    flow: Name | None = Field(default=None, description="a flow to go on with")
    run: Name | None = Field(
        default=None, description="a flow to run, then come back to the next step"
    )
    end: bool = Field(default=False, description="end this flow")

    @property
    def leaves(self) -> bool:
        """Whether it goes somewhere (otherwise the next step runs)."""
        return bool(self.goto or self.flow or self.run or self.end)


class BranchStep(StepBase):
    """Choose the way on by conditions over slots, profile and the channel."""

    branch: list[Case] = Field(
        min_length=1, description="the cases, tried in order; the first that holds is taken"
    )
    else_: ElseDef | None = Field(
        default=None,
        alias="else",
        description="where to go when no case holds (otherwise the next step)",
    )

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def conditions(self) -> Iterator[tuple[Loc, str]]:
        for index, case in enumerate(self.branch):
            yield ("branch", index, "when"), case.when

    def ways(self) -> Iterator[Way]:
        for index, case in enumerate(self.branch):
            yield _way(case, _implied(case.when), case.when, ("branch", index))
        otherwise = self.else_
        if otherwise is None:
            yield Way(next=True, label="else")
        else:
            way = _way(otherwise, frozenset(), "else", ("else",))
            yield Way(
                goto=way.goto,
                flow=way.flow,
                run=way.run,
                end=way.end,
                next=not otherwise.leaves,
                label=way.label,
                loc=way.loc,
            )

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        return "branch", "branch"

    async def take(self, run: Run, flow: str) -> bool:
        for case in self.branch:
            if run.holds(case.when, flow):
                _follow(run, flow, case)
                return True
        if self.else_ is not None and self.else_.leaves:
            _follow(run, flow, self.else_)
        else:
            run.advance()
        return True


@lru_cache(maxsize=4096)
def _implied(condition: str) -> frozenset[str]:
    """The slots a case's condition can only hold with (parsed once per condition)."""
    return frozenset(implied_slots(condition))


def _way(target: Case | ElseDef, fills: frozenset[str], label: str, loc: Loc) -> Way:
    return Way(
        goto=target.goto or None,
        flow=target.flow,
        run=target.run,
        end=target.end,
        fills=fills,
        label=label,
        loc=loc,
    )


def _follow(run: Run, flow: str, target: Case | ElseDef) -> None:
    if target.goto:
        run.goto(flow, target.goto)
    elif target.flow:
        run.switch(target.flow)
    elif target.run:
        run.enter(target.run)
    else:
        run.end()
