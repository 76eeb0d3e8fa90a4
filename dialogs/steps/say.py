"""The ``say`` step: say something, here or on another of the customer's channels."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import Field

from bot.yaml_source import Loc
from dialogs.design.parts import MessageDef
from dialogs.steps.base import Run, Shape, StepBase


class SayStep(StepBase):
    """Say something; with ``to``, on another of the customer's channels (where they wrote
    from before) instead of the one they are using now."""

    say: MessageDef
    to: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_-]{0,31}$",
        description="another of the customer's channels to say it on (telegram, sms...)",
    )

    def said(self) -> Iterator[tuple[Loc, MessageDef | None]]:
        yield ("say",), self.say

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        return f"say: {say(self.say)}", "step"

    async def take(self, run: Run, flow: str) -> bool:
        if self.to is not None:
            run.send(self.to, self.say, flow)
        else:
            run.say(self.say, flow)
        run.advance()
        return True
