"""The ``goto`` step: continue at another step of the same flow."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import Field

from dialogs.design.parts import MessageDef
from dialogs.steps.base import Run, Shape, StepBase, Way


class GotoStep(StepBase):
    """Continue at another step of this flow."""

    goto: str = Field(description="the id of the step of this flow to go on at")

    def ways(self) -> Iterator[Way]:
        yield Way(goto=self.goto)

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        return f"goto {self.goto}", "step"

    async def take(self, run: Run, flow: str) -> bool:
        run.goto(flow, self.goto)
        return True
