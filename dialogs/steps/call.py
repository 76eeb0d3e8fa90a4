"""The ``call`` step: call an action (Python in ``actions.py``, HTTP, or built in)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import Field, JsonValue

from bot.yaml_source import Loc
from dialogs.actions.builtins import BUILTIN_ARGUMENTS
from dialogs.actions.registry import ActionFailed
from dialogs.design.parts import Fallback, MessageDef, Name
from dialogs.steps.base import Bot, Named, Run, Shape, StepBase, Way, fallback_way


class CallStep(StepBase):
    """Call an action (Python in ``actions.py`` or HTTP); its result goes ``into`` a slot."""

    call: Name = Field(description="the action to call")
    args: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="the arguments: literals, {{ templates }} or = expressions",
    )
    into: Name | None = Field(default=None, description="the slot that keeps the result")
    on_error: Fallback | None = Field(
        default=None, description="what to do when the action fails (otherwise the bot's fallback)"
    )

    def said(self) -> Iterator[tuple[Loc, MessageDef | None]]:
        if self.on_error is not None:
            yield ("on_error", "say"), self.on_error.say

    def names(self) -> Iterator[Named]:
        yield Named("action", self.call, ("call",))

    def values(self) -> Iterator[tuple[Loc, JsonValue]]:
        for name, value in self.args.items():
            yield ("args", name), value

    def filled(self) -> frozenset[str]:
        return frozenset({self.into}) if self.into else frozenset()

    def ways(self) -> Iterator[Way]:
        on_error = self.on_error
        yield Way(next=True, fills=frozenset() if on_error and on_error.skip else self.filled())
        if on_error is not None:
            yield fallback_way(on_error, ("on_error",), "on error")

    def problems(self, bot: Bot) -> Iterator[tuple[Loc, str]]:
        """The arguments given against those the action takes (when they are known)."""
        accepted: frozenset[str] | None
        if self.call in BUILTIN_ARGUMENTS:
            required = accepted = BUILTIN_ARGUMENTS[self.call]
        elif self.call in bot.actions.python:
            spec = bot.actions.python[self.call]
            required, accepted = spec.required, spec.accepted
        else:
            return
        given = set(self.args)
        for missing in sorted(required - given):
            yield ("call",), f"action '{self.call}' needs the argument '{missing}'"
        if accepted is not None:
            takes = ", ".join(sorted(accepted)) or "no arguments"
            for extra in sorted(given - accepted):
                yield (
                    ("args", extra),
                    f"action '{self.call}' takes no argument '{extra}' (it takes: {takes})",
                )

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        into = f" → {self.into}" if self.into else ""
        return f"call {self.call}{into}", "step"

    async def take(self, run: Run, flow: str) -> bool:
        args = {name: run.value(value) for name, value in self.args.items()}
        try:
            result = await run.call(self.call, args)
        except ActionFailed as exc:
            run.note("action_failed", str(exc), action=self.call)
            return await run.fallback(flow, self.on_error, "action_failed", self.call)
        if self.into:
            run.slots[self.into] = result
        run.advance()
        return True
