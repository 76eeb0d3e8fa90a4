"""The ``end`` step: end this flow, back to the flow that ran it (or the conversation ends)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar, Literal

from pydantic import ConfigDict, Field

from bot.yaml_source import Loc
from dialogs.design.parts import MessageDef
from dialogs.steps.base import Run, Shape, StepBase, Way


class EndStep(StepBase):
    """End this flow (and the conversation, if no flow is waiting for it to return)."""

    # ``end`` is what makes a mapping an end step: the schema requires it, as the loader does
    model_config = ConfigDict(json_schema_extra={"required": ["end"]})
    modifiers: ClassVar[frozenset[str]] = frozenset({"say"})
    shorthand: ClassVar[bool] = True

    end: Literal[True] = Field(default=True, description="end this flow")
    say: MessageDef | None = Field(default=None, description="what to say before ending")

    def said(self) -> Iterator[tuple[Loc, MessageDef | None]]:
        yield ("say",), self.say

    def ways(self) -> Iterator[Way]:
        yield Way(end=True)

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        said = f": {say(self.say)}" if self.say is not None else ""
        return f"end{said}", "end_step"

    async def take(self, run: Run, flow: str) -> bool:
        run.say(self.say, flow)
        run.end()
        return True
