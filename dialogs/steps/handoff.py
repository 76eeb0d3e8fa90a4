"""The ``handoff`` step: hand the conversation to a person (see
:mod:`dialogs.conversation.handoff`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar

from pydantic import Field

from bot.yaml_source import Loc
from dialogs.design.parts import MessageDef
from dialogs.steps.base import Run, Shape, StepBase, Way


class HandoffStep(StepBase):
    """Hand the conversation to a person."""

    modifiers: ClassVar[frozenset[str]] = frozenset({"say"})

    handoff: str = Field(description="the reason, shown to the agent")
    say: MessageDef | None = Field(default=None, description="what to tell the customer")

    def said(self) -> Iterator[tuple[Loc, MessageDef | None]]:
        yield ("say",), self.say

    def ways(self) -> Iterator[Way]:
        return iter(())  # the flows are over: a person has the conversation now

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        return f"handoff: {self.handoff}", "handoff"

    async def take(self, run: Run, flow: str) -> bool:
        await run.hand_off(self.handoff, self.say)
        return False
