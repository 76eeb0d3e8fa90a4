"""Steps that wait, when what they wait for comes: the time (the schedule fires the wait's item),
or the business event named by ``until``.

A customer waits at most at one step (the turn stops there, and a flow started meanwhile runs
over it), held in the state as a :class:`~dialogs.state.Timer`. What comes for a wait that is
not the current one (the flow moved on, was cancelled or restarted, or a person took the
conversation) does nothing but leave a note: the schedule may fire an item its flow has already
left, and it must not move the flow a second time.
"""

from __future__ import annotations

from pydantic import JsonValue

from bot.format.messages import SystemEvent
from dialogs.conversation.runner import Runner
from dialogs.state import Timer

TIMER = "flow_timer"
"""The system event a waiting step's scheduled item fires as; its data holds the ``key``."""


class Waits:
    """The waiting step of one customer's conversation, for one turn."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.working = runner.working

    def current(self) -> Timer | None:
        """The wait that still holds: its frame waits at its step."""
        timer = self.working.timer
        return timer if timer is not None and self.working.current(timer) else None

    def settle(self) -> None:
        """At the end of a turn: a wait whose flow moved on, ended or was cancelled, or that a
        person's taking the conversation interrupted, is forgotten (its item is cancelled)."""
        if self.current() is None or self.working.handoff.status != "bot":
            self.working.timer = None

    async def fired(self, event: SystemEvent) -> None:
        """The time came: the step's ``on_timeout`` steps run, else the steps after it."""
        timer = self.current()
        if timer is None or event.data.get("key") != timer.key:
            self.runner.note("timer", "a wait that is over fired: nothing was done", **event.data)
            return
        late = " (late)" if event.data.get("late") else ""
        self.runner.note("timer", f"{timer.flow}: the wait at step {timer.step} is over{late}")
        await self._go_on(timer, self._next(timer, timed_out=True), None)

    async def awaited(self, kind: str, held: dict[str, JsonValue]) -> bool:
        """A business event: ``True`` when the current wait waited for it, and its flow went
        on with the steps after the wait (with ``event`` now this one)."""
        timer = self.current()
        if timer is None or timer.until != kind:
            return False
        self.runner.note(
            "timer", f"{timer.flow}: {kind} came before the wait at {timer.step} ended"
        )
        await self._go_on(timer, self._next(timer, timed_out=False), held)
        return True

    def expire(self) -> None:
        """A wait whose time came longer ago than its ``max_late`` (its item was dropped as too
        late, after downtime) is over, and its flow with it."""
        timer = self.current()
        now = self.runner.turn.now
        if timer is None or timer.due_at is None or timer.max_late is None:
            return
        if now - timer.due_at <= timer.max_late:
            return
        self.working.timer = None
        self.runner.stack.move(timer.depth, None, None)
        self.runner.note("timer", f"{timer.flow}: the wait at {timer.step} passed its max_late")

    def _next(self, timer: Timer, timed_out: bool) -> str | None:
        """Where the waiting flow goes on: the step's ``on_timeout`` steps when the time came,
        else the step after it (``None``: the flow ends)."""
        flow = self.runner.flowset.flows.get(timer.flow)
        if flow is None or not flow.has(timer.step):
            return None
        on_timeout = flow.timeouts.get(timer.step) if timed_out else None
        return on_timeout or flow.after(timer.step)

    async def _go_on(
        self, timer: Timer, step: str | None, held: dict[str, JsonValue] | None
    ) -> None:
        """Move the waiting flow on; if it runs on top, run it now (an ask waiting is no longer
        waited for), else it goes on when the flows over it end."""
        working = self.working
        working.timer = None
        on_top = timer.depth == len(working.stack) - 1
        if on_top:
            working.awaiting, working.attempts = None, 0
        self.runner.stack.move(timer.depth, step, held)
        if on_top:
            await self.runner.run()
