"""The ``run`` step: run another flow, then come back to the step after this one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import Field

from dialogs.design.parts import MessageDef, Name
from dialogs.steps.base import Run, Shape, StepBase, Way


class RunStep(StepBase):
    """Run another flow, then come back and continue after this step."""

    run: Name = Field(description="the flow to run before coming back to the next step")

    def ways(self) -> Iterator[Way]:
        yield Way(run=self.run)

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        return f"run {self.run}", "run"

    async def take(self, run: Run, flow: str) -> bool:
        run.enter(self.run)
        return True
