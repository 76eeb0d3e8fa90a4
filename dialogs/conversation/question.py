"""The question pending: the slot an ``ask`` step waits for, answered or not."""

from __future__ import annotations

from pydantic import JsonValue

from bot.format.messages import InboundEvent
from dialogs.conversation.runner import Runner
from dialogs.conversation.understanding import Understanding
from dialogs.design.flowset import Flow
from dialogs.nlu.questions import is_question
from dialogs.nlu.slot_types import Valid
from dialogs.nlu.slots import SlotDef, parse_answer
from dialogs.steps.ask import AskStep


class Question:
    """A valid answer fills the slot and the flow goes on; otherwise the question is asked
    again, or a wrong answer counted until the step's fallback. A text slot that judges its
    answers takes no question and no trigger (see :attr:`SlotDef.judges`)."""

    def __init__(self, runner: Runner, understanding: Understanding) -> None:
        self.runner = runner
        self.understanding = understanding
        self.flowset = runner.flowset
        self.working = runner.working
        self.voice = runner.voice

    def takes_typed(self) -> bool:
        """Whether the pending question takes a typed value (a choice, a date, yes or no...):
        a valid answer to it comes before global intents ("Try again" can be an option).
        A free-text answer does not, or "cancel" could never cancel it."""
        slot = self.flowset.slots.get(self.working.awaiting or "")
        return slot is not None and slot.type != "text"

    def answer(self, item: InboundEvent) -> bool:
        """Fill the pending slot from the input, if it is a valid answer."""
        working = self.working
        name = working.awaiting
        slot = self.flowset.slots.get(name or "")
        if name is None or slot is None:
            working.awaiting = None
            return False
        raw = item.payload if item.kind == "button" else item.text
        if item.kind == "contact" and item.contact is not None:
            raw = item.contact.phone
        if not raw:
            return False
        if item.kind == "text" and slot.judges and self._refuses(raw):
            return False
        parsed = parse_answer(slot, raw, self.runner.parse_context())
        if not isinstance(parsed, Valid):
            return False
        self._fill(name, slot, parsed.value)
        working.awaiting, working.attempts = None, 0
        self.runner.stack.advance()
        return True

    def repeat(self) -> None:
        """Ask the pending question again (after an FAQ, help, a language switch, a resume)."""
        if self.working.awaiting is None or not self.working.stack:
            return
        waiting = self._waiting()
        if waiting is not None:
            flow, step, slot = waiting
            self.voice.pose(flow.name, step.ask, step.prompt, step.buttons, slot)

    def resume(self) -> None:
        """The customer is back (on this or another channel): say so, ask the question again."""
        if self.working.awaiting is None or not self.working.stack:
            return
        flow = self.flowset.flows.get(self.working.stack[-1].flow)
        custom = flow.definition.resume if flow is not None else None
        said = custom if custom is not None else self.flowset.messages["resume"]
        self.voice.say(said, flow=flow.name if flow is not None else None)
        self.repeat()

    async def retry(self) -> None:
        """Not an answer: say what is expected and ask again, or, after too many tries, take
        the step's fallback."""
        working, voice, messages = self.working, self.voice, self.flowset.messages
        waiting = self._waiting()
        if waiting is None:
            working.awaiting = None
            voice.say(messages["fallback"], extra=voice.menu())
            return
        flow, step, slot = waiting
        working.attempts += 1
        if working.attempts >= (step.attempts or self.flowset.settings.attempts):
            working.awaiting, working.attempts = None, 0
            if await self.runner.fallback(flow.name, step.fallback, "too_many_attempts", step.ask):
                await self.runner.run()
            return
        voice.say(step.retry or slot.invalid or messages["retry"], flow=flow.name)
        voice.pose(flow.name, step.ask, step.prompt, step.buttons, slot)

    def _waiting(self) -> tuple[Flow, AskStep, SlotDef] | None:
        """The ask step on top of the stack and the slot pending, if both still exist."""
        flow, step = self.runner.stack.here()
        slot = self.flowset.slots.get(self.working.awaiting or "")
        if flow is None or not isinstance(step, AskStep) or slot is None:
            return None
        return flow, step, slot

    def _refuses(self, answer: str) -> bool:
        """Whether a judging text slot refuses ``answer``: a question, or a flow's or FAQ's
        trigger, which the turn then answers or starts before asking again."""
        return is_question(answer) or self.understanding.match(answer) is not None

    def _fill(self, name: str, slot: SlotDef, value: JsonValue) -> None:
        self.working.slots[name] = value
        self.working.given.add(name)
        if slot.remember:
            self.working.profile[name] = value
