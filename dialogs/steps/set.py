"""The ``set`` step: set slots or profile fields to computed values."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import Field, JsonValue

from bot.yaml_source import Loc
from dialogs.design.parts import MessageDef
from dialogs.steps.base import Bot, Run, Shape, StepBase, Way


class SetStep(StepBase):
    """Set slots or profile fields: ``slots.x``, ``profile.x`` or a bare slot name.

    A value is taken as written; ``"{{ ... }}"`` is a template; ``"= expression"`` is evaluated
    (numbers, lists, ``none``).
    """

    set: dict[str, JsonValue] = Field(
        min_length=1,
        description="slots.x, profile.x or a slot name, each with its value: a literal, "
        "a {{ template }} or an = expression",
    )

    def values(self) -> Iterator[tuple[Loc, JsonValue]]:
        for name, value in self.set.items():
            yield ("set", name), value

    def filled(self) -> frozenset[str]:
        return frozenset(name for scope, name in map(set_target, self.set) if scope == "slots")

    def ways(self) -> Iterator[Way]:
        yield Way(next=True, fills=self.filled())

    def problems(self, bot: Bot) -> Iterator[tuple[Loc, str]]:
        for key in self.set:
            if set_target(key)[0] not in ("slots", "profile"):
                yield ("set", key), "set 'slots.<name>', 'profile.<name>' or a slot name"

    def describe(self, say: Callable[[MessageDef], str]) -> tuple[str, Shape]:
        return f"set {', '.join(self.set)}", "step"

    async def take(self, run: Run, flow: str) -> bool:
        for key, value in self.set.items():
            scope, name = set_target(key)
            computed = run.value(value)
            (run.profile if scope == "profile" else run.slots)[name] = computed
        run.advance()
        return True


def set_target(key: str) -> tuple[str, str]:
    """``slots.x`` / ``profile.x`` / ``x`` as ``(scope, name)``."""
    scope, _, name = key.partition(".")
    if not name:
        return "slots", scope
    return scope, name
