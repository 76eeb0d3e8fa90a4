"""The ``ask`` step: ask for a slot, unless it is already known.

The answer comes in a later turn; reading it, asking again and counting wrong answers is the
business of the question pending (:mod:`dialogs.conversation.question`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import Field

from bot.yaml_source import Loc
from dialogs.design.parts import ButtonDef, Fallback, MessageDef, Name
from dialogs.steps.base import Named, Run, Shape, StepBase, Way, fallback_way


class AskStep(StepBase):
    """Ask for a slot, unless it is already known; retry on an invalid answer."""

    ask: Name = Field(description="the slot to ask for")
    prompt: MessageDef | None = Field(
        default=None, description="how to ask, instead of the slot's own prompt"
    )
    retry: MessageDef | None = Field(
        default=None, description="what to say after an invalid answer"
    )
    buttons: list[ButtonDef] = Field(
        default_factory=list, description="buttons to offer, instead of a choice slot's options"
    )
    always: bool = Field(default=False, description="ask even when the slot is already filled")
    attempts: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="invalid answers before the fallback, instead of the bot's setting",
    )
    fallback: Fallback | None = Field(
        default=None, description="what to do after too many invalid answers"
    )

    def said(self) -> Iterator[tuple[Loc, MessageDef | None]]:
        yield ("prompt",), self.prompt
        yield ("retry",), self.retry
        yield ("fallback", "say"), self.fallback.say if self.fallback else None

    def own_buttons(self) -> Iterator[tuple[Loc, ButtonDef]]:
        for index, button in enumerate(self.buttons):
            yield ("buttons", index), button

    def names(self) -> Iterator[Named]:
        yield Named("slot", self.ask, ("ask",))

    def asks(self) -> str | None:
        return self.ask

    def ways(self) -> Iterator[Way]:
        fallback = self.fallback
        fills = frozenset() if fallback and fallback.skip else frozenset({self.ask})
        yield Way(next=True, fills=fills)
        if fallback is not None:
            yield fallback_way(fallback, ("fallback",), "fallback")

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        return f"ask {self.ask}", "ask"

    async def take(self, run: Run, flow: str) -> bool:
        """Ask, unless the slot is known already (in this conversation, or remembered in the
        profile), and without ``always``."""
        if not self.always and self.ask in run.slots:
            run.advance()
            return True
        if not self.always and run.slot(self.ask).remember and self.ask in run.profile:
            run.slots[self.ask] = run.profile[self.ask]
            run.advance()
            return True
        run.ask(flow, self.ask, self.prompt, self.buttons)
        return False
