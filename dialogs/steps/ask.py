"""The ``ask`` step: ask for a slot, unless it is already known.

The answer comes in a later turn; reading it, asking again and counting wrong answers is the
business of the question pending (:mod:`dialogs.conversation.question`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from pydantic import Field, JsonValue, model_validator

from bot.yaml_source import Loc
from dialogs.design.parts import ButtonDef, Fallback, MessageDef, Name
from dialogs.design.times import Duration, shown_duration
from dialogs.steps.base import (
    Named,
    Run,
    Shape,
    StepBase,
    Way,
    fallback_way,
    inner_buttons,
    inner_conditions,
    inner_names,
    inner_said,
    inner_values,
    inner_ways,
)

if TYPE_CHECKING:
    from dialogs.design.schema import Step


class AskStep(StepBase):
    """Ask for a slot, unless it is already known; retry on an invalid answer. With
    ``timeout``, when no answer comes in that time the ``on_timeout`` steps run instead (a
    reminder and the question again, or giving up), then the steps after this one."""

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
    timeout: Duration | None = Field(
        default=None, description="how long to wait for the answer (30m, 2h, 1d) before on_timeout"
    )
    on_timeout: list[Step] = Field(
        default_factory=list,
        description="the steps to run when no answer came within the timeout",
    )

    @model_validator(mode="after")
    def _timeout_with_steps(self) -> AskStep:
        if self.timeout is not None and not self.on_timeout:
            raise ValueError("a timeout needs on_timeout: the steps to run when no answer comes")
        if self.on_timeout and self.timeout is None:
            raise ValueError("on_timeout needs a timeout (such as timeout: 2h)")
        return self

    def inner(self) -> Iterator[tuple[Loc, Sequence[StepBase]]]:
        if self.on_timeout:
            yield ("on_timeout",), self.on_timeout

    def said(self) -> Iterator[tuple[Loc, MessageDef | None]]:
        yield ("prompt",), self.prompt
        yield ("retry",), self.retry
        yield ("fallback", "say"), self.fallback.say if self.fallback else None
        yield from inner_said(self)

    def own_buttons(self) -> Iterator[tuple[Loc, ButtonDef]]:
        for index, button in enumerate(self.buttons):
            yield ("buttons", index), button
        yield from inner_buttons(self)

    def names(self) -> Iterator[Named]:
        yield Named("slot", self.ask, ("ask",))
        yield from inner_names(self)

    def conditions(self) -> Iterator[tuple[Loc, str]]:
        return inner_conditions(self)

    def values(self) -> Iterator[tuple[Loc, JsonValue]]:
        return inner_values(self)

    def asks(self) -> str | None:
        return self.ask

    def ways(self) -> Iterator[Way]:
        fallback = self.fallback
        fills = frozenset() if fallback and fallback.skip else frozenset({self.ask})
        yield Way(next=True, fills=fills)
        if fallback is not None:
            yield fallback_way(fallback, ("fallback",), "fallback")
        yield from inner_ways(self)

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        if self.timeout is not None:
            return f"ask {self.ask} (timeout {shown_duration(self.timeout)})", "ask"
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
        waiting = run.waiting()  # asked again after a flow ran over it: the same deadline
        run.ask(flow, self.ask, self.prompt, self.buttons)
        if self.timeout is not None and not waiting:
            run.wait(run.now + self.timeout, None, None)
        return False
