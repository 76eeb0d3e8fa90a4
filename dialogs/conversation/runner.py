"""Running the flows' steps, one after another, until one waits or no flow is left."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import JsonValue, TypeAdapter, ValidationError

from bot.turn.handler import Turn
from dialogs.actions import consent
from dialogs.actions.builtins import BUILTIN_ARGUMENTS, call_builtin
from dialogs.actions.consent import CONSENT_ARGUMENTS
from dialogs.actions.registry import ActionContext, read_only
from dialogs.conversation.handoff import Handoffs
from dialogs.conversation.stack import FlowStack
from dialogs.conversation.voice import Voice
from dialogs.conversation.working import Working
from dialogs.design.flowset import FlowSet
from dialogs.design.parts import ButtonDef, Fallback, MessageDef
from dialogs.design.templates import TemplateError
from dialogs.nlu.mentions import mentioned
from dialogs.nlu.slot_types import ParseContext
from dialogs.nlu.slots import SlotDef
from dialogs.state import Timer

MAX_STEPS = 100
"""Steps one turn may run: a flow that loops without asking anything is stopped, not spun."""

_JSON: TypeAdapter[JsonValue] = TypeAdapter(JsonValue)


class Runner:
    """Runs the step on top of the stack, and the next, until one stops the turn (a question,
    a handoff) or no flow is left.

    It is what a step runs against (:class:`dialogs.steps.base.Run`): each of its verbs is one
    of the turn's parts at work (the stack, the voice, the handoffs, the working copy).
    """

    def __init__(
        self,
        flowset: FlowSet,
        turn: Turn,
        working: Working,
        voice: Voice,
        stack: FlowStack,
        handoffs: Handoffs,
    ) -> None:
        self.flowset = flowset
        self.turn = turn
        self.working = working
        self.voice = voice
        self.stack = stack
        self.handoffs = handoffs
        self.budget = MAX_STEPS

    async def begin(self, name: str, digression: bool = False, said: str = "") -> None:
        """Start flow ``name`` (see :meth:`FlowStack.start`) and run it; the message that
        started it (``said``) fills the slots of the flow it mentions."""
        self.stack.start(name, digression)
        self._take_mentions(name, said)
        await self.run()

    def _take_mentions(self, name: str, said: str) -> None:
        """Fill the slots that flow ``name`` asks for, itself or in the flows it runs (but
        not ``always``), from ``said``."""
        if not said:
            return
        asked = self.flowset.asked_by(name)
        slots = {slot: self.flowset.slots[slot] for slot in asked if slot in self.flowset.slots}
        topic = self.flowset.trigger_words.get(f"flow:{name}", frozenset())
        found = mentioned(said, slots, self.parse_context(), topic)
        for slot, value in found.items():
            self.working.slots[slot] = value
            self.working.given.add(slot)
            if slots[slot].remember:
                self.working.profile[slot] = value
        if found:
            self.note("mentioned", f"from the message: {', '.join(found)}", slots=found)

    async def run(self) -> None:
        """Run steps while a flow is on the stack and the turn goes on."""
        working = self.working
        while working.stack:
            self.budget -= 1
            if self.budget < 0:
                self.note("error", f"more than {MAX_STEPS} steps in one turn; the flow was stopped")
                self.stack.reset()
                return
            frame = working.stack[-1]
            flow, step = self.stack.here()
            if flow is None or step is None:
                self.note("error", f"flow '{frame.flow}' has no step '{frame.step}' any more")
                self.stack.end()
                continue
            if not await step.take(self, flow.name):
                return

    @property
    def slots(self) -> dict[str, JsonValue]:
        """The conversation's slots."""
        return self.working.slots

    @property
    def profile(self) -> dict[str, JsonValue]:
        """The customer's profile."""
        return self.working.profile

    def parse_context(self) -> ParseContext:
        """How the customer's answers are read: their language, their day, the bot's phone
        region and date order."""
        settings = self.flowset.settings
        return ParseContext(
            language=self.working.language,
            today=self.turn.now.date(),
            region=settings.phone_region,
            date_order=settings.date_order,
        )

    def slot(self, name: str) -> SlotDef:
        """The declared slot ``name``."""
        return self.flowset.slots[name]

    def advance(self) -> None:
        """Go on to the running flow's next step."""
        self.stack.advance()

    def goto(self, flow: str, step: str) -> None:
        """Go on at ``step`` of ``flow``."""
        self.stack.goto(flow, step)

    def switch(self, flow: str) -> None:
        """Leave the running flow for ``flow``."""
        self.stack.switch(flow)

    def enter(self, flow: str) -> None:
        """Run ``flow``, then come back after the running step."""
        self.stack.enter(flow)

    def end(self) -> None:
        """End the running flow."""
        self.stack.end()

    def say(self, message: MessageDef | None, flow: str) -> None:
        """Reply with ``message``."""
        self.voice.say(message, flow=flow)

    def send(self, channel: str, message: MessageDef, flow: str) -> None:
        """Say ``message`` on another of the customer's channels."""
        self.voice.send(channel, message, flow)

    def note(self, kind: str, text: str, **data: JsonValue) -> None:
        """Leave a note in the transcript."""
        self.voice.note(kind, text, **data)

    def ask(
        self, flow: str, slot: str, prompt: MessageDef | None, buttons: list[ButtonDef]
    ) -> None:
        """Make ``slot`` the question pending, and ask it."""
        self.working.awaiting, self.working.attempts = slot, 0
        self.voice.pose(flow, slot, prompt, buttons, self.flowset.slots[slot])

    def value(self, value: JsonValue) -> JsonValue:
        """A ``set`` value or action argument: literal, ``{{ template }}``, or ``= expression``."""
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {name: self.value(item) for name, item in value.items()}
        if not isinstance(value, str):
            return value
        templates = self.flowset.templates
        try:
            if value.startswith("="):
                return _as_json(templates.evaluate(value[1:].strip(), self.voice.context()))
            return templates.render(value, self.voice.context())
        except TemplateError as exc:
            self.note("error", str(exc))
            return None

    def holds(self, condition: str, flow: str) -> bool:
        """Whether a ``branch`` condition holds; one that fails is noted, and does not."""
        try:
            return bool(self.flowset.templates.evaluate(condition, self.voice.context()))
        except TemplateError as exc:
            self.note("error", f"flow '{flow}': {exc}")
            return False

    async def call(self, action: str, args: dict[str, JsonValue]) -> JsonValue:
        """Call a built-in action, or one of the bot's; raises ``ActionFailed``."""
        turn, working = self.turn, self.working
        context = ActionContext(
            customer_id=turn.customer.id,
            language=working.language,
            channel=turn.address.channel if turn.address else None,
            slots=read_only(working.slots),
            profile=read_only(working.profile),
            bot_dir=self.flowset.bot_dir,
        )
        if action not in BUILTIN_ARGUMENTS:
            return await self.flowset.actions.call(action, args, context)
        if action in CONSENT_ARGUMENTS:
            working.outreach = consent.answer(
                action, args, working.outreach, context.channel, turn.now
            )
            self.note("consent", f"{action}: {args.get('wording') or ''}".strip().rstrip(":"))
            return consent.result(working.outreach)
        called = await call_builtin(action, args, turn.linking, self.voice.code_text)
        if called.note:
            self.note("linking", called.note)
        return called.result

    async def fallback(
        self, flow: str, fallback: Fallback | None, message: str, reason: str
    ) -> bool:
        """After too many invalid answers, or a failed action; ``True`` to keep running."""
        chosen = fallback or self.flowset.settings.fallback or Fallback()
        said = chosen.say if chosen.say is not None else self.flowset.messages[message]
        self.voice.say(said, flow=flow)
        if chosen.handoff:
            quiet = chosen.say is not None
            await self.handoffs.hand_off(f"fallback after {reason}", None, quiet=quiet)
            return False
        if chosen.goto:
            self.stack.goto(flow, chosen.goto)
            return True
        if chosen.flow:
            self.stack.switch(chosen.flow)
            return True
        if chosen.skip:
            self.stack.advance()
            return True
        self.stack.reset()
        return False

    async def hand_off(self, reason: str, say: MessageDef | None) -> None:
        """Hand the conversation to a person."""
        await self.handoffs.hand_off(reason, say)

    @property
    def now(self) -> datetime:
        """The time of the turn."""
        return self.turn.now

    def zone(self) -> ZoneInfo:
        """The customer's time zone (their profile's ``timezone``), else the bot's."""
        given = self.working.profile.get("timezone")
        if isinstance(given, str):
            try:
                return ZoneInfo(given)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                self.note("error", f"the profile's timezone {given!r} is not a time zone")
        return ZoneInfo(self.flowset.settings.timezone)

    def waiting(self) -> bool:
        """Whether the running step waits already."""
        timer, stack = self.working.timer, self.working.stack
        return timer is not None and timer.depth == len(stack) - 1 and self.working.current(timer)

    def wait(self, due_at: datetime | None, until: str | None, max_late: timedelta | None) -> None:
        """Make the running step wait. The key of its scheduled item is made of the customer
        record's version and the stack's depth: a turn run again (after a worker stopped) makes
        the same key, and so the same item."""
        stack = self.working.stack
        frame = stack[-1]
        key = f"flow:{self.turn.customer.version}:{len(stack)}"
        self.working.timer = Timer(
            key=key,
            depth=len(stack) - 1,
            flow=frame.flow,
            step=frame.step,
            due_at=due_at,
            until=until,
            max_late=max_late,
        )


def _as_json(value: Any) -> JsonValue:
    try:
        return _JSON.validate_python(value)
    except ValidationError:
        return str(value)
