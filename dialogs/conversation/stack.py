"""Moving through the flows: the stack of running flows, the one running on top."""

from __future__ import annotations

from pydantic import JsonValue

from dialogs.conversation.working import Working
from dialogs.design.flowset import Flow, FlowSet
from dialogs.state import Frame
from dialogs.steps.base import StepBase


class FlowStack:
    """Starts flows, and moves the running one along: to its next step, to a step it names,
    over to another flow, into a sub-flow that comes back, or to its end."""

    def __init__(self, flowset: FlowSet, working: Working) -> None:
        self.flowset = flowset
        self.working = working

    def start(self, name: str, digression: bool, event: dict[str, JsonValue] | None = None) -> None:
        """Start a flow: on top of the pending one (which asks again afterwards), or instead;
        ``event``, the business event that started it, stays with it until it ends. A flow
        that waits (for a time or an event) is never replaced: the new one runs over it."""
        working = self.working
        working.started = True
        first = Frame(flow=name, step=self.flowset.flows[name].ids[0], event=event)
        if digression or (working.timer is not None and working.current(working.timer)):
            working.awaiting, working.attempts = None, 0
            working.stack.append(first)
        else:
            self.reset()
            working.stack = [first]

    def running(self) -> set[str]:
        """The flows on the stack."""
        return {frame.flow for frame in self.working.stack}

    def here(self) -> tuple[Flow | None, StepBase | None]:
        """The running flow and its step to run next, as far as they still exist (a reload may
        have removed them)."""
        frame = self.working.stack[-1] if self.working.stack else None
        flow = self.flowset.flows.get(frame.flow) if frame is not None else None
        step = flow.step(frame.step) if flow is not None and frame is not None else None
        return flow, step

    def goto(self, flow: str, step: str) -> None:
        """Go on at ``step`` of ``flow``, instead of the running flow."""
        self._set_top(Frame(flow=flow, step=step))

    def switch(self, flow: str) -> None:
        """Leave the running flow for the first step of ``flow``."""
        self.goto(flow, self.flowset.flows[flow].ids[0])

    def enter(self, flow: str) -> None:
        """Run ``flow``, then come back to the step after the running one."""
        self.advance()
        self.working.stack.append(Frame(flow=flow, step=self.flowset.flows[flow].ids[0]))

    def advance(self) -> None:
        """The running flow goes on to its next step, or finishes after its last."""
        stack = self.working.stack
        frame = stack[-1]
        flow = self.flowset.flows[frame.flow]
        following = flow.after(frame.step) if flow.has(frame.step) else None
        if following is None:
            self.end()
        else:
            stack[-1] = frame.model_copy(update={"step": following})

    def end(self) -> None:
        """The running flow is done: back to the flow that ran it, or the conversation is over
        (and its slots are forgotten; remembered ones live on in the profile)."""
        working = self.working
        working.stack.pop()
        if not working.stack:
            working.slots = {}
            working.awaiting, working.attempts = None, 0

    def move(self, depth: int, step: str | None, event: dict[str, JsonValue] | None) -> None:
        """Move the flow at ``depth`` of the stack (the one running, or one under it) on to
        ``step``, or end it (``None``); ``event`` replaces the event it holds, when given."""
        stack = self.working.stack
        if step is None:
            if depth == len(stack) - 1:
                self.end()
            else:
                del stack[depth]
            return
        update: dict[str, object] = {"step": step}
        if event is not None:
            update["event"] = event
        stack[depth] = stack[depth].model_copy(update=update)

    def reset(self) -> None:
        """No flow runs, nothing is asked, the conversation's slots are forgotten."""
        working = self.working
        working.stack, working.slots, working.awaiting, working.attempts = [], {}, None, 0

    def _set_top(self, frame: Frame) -> None:
        """Put ``frame`` in place of the running one, keeping its business event."""
        if self.working.stack:
            event = self.working.stack[-1].event
            self.working.stack[-1] = frame.model_copy(update={"event": event})
        else:
            self.working.stack.append(frame)
