"""The ``flow`` step: leave this flow for another one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import Field

from dialogs.design.parts import MessageDef, Name
from dialogs.steps.base import Run, Shape, StepBase, Way


class FlowStep(StepBase):
    """Leave this flow for another one."""

    flow: Name = Field(description="the flow to go on with; this one is left")

    def ways(self) -> Iterator[Way]:
        yield Way(flow=self.flow)

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        return f"flow: {self.flow}", "switch"

    async def take(self, run: Run, flow: str) -> bool:
        run.switch(self.flow)
        return True
