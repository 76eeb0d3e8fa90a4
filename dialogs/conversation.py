"""One turn of a conversation: the stored state, one input, the flows; out come the new state,
what to say, and notes for the transcript.

The order in which an input is understood:

1. a system event (``resume``, ``start_flow``) or a channel command (``/start``);
2. while a person has the conversation, the bot stays silent (the customer may ``cancel``);
3. naming a language switches to it; a button that leads somewhere (``flow:``, ``goto:``) goes;
4. a global intent (cancel, help, talk to a person, start over);
5. when a question is pending: an answer fills its slot; else an FAQ is answered and the
   question asked again; else a flow's trigger runs that flow and then asks again; else the
   retry message, and after too many attempts the fallback;
6. otherwise: an FAQ, a flow's trigger, the start flow for a new customer, or the fallback.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import JsonValue, TypeAdapter, ValidationError

from bot.desk.handoff import AGENT
from bot.format.messages import Address, Command, InboundEvent, SystemEvent
from bot.format.outbound import Button, OutboundMessage, Text
from bot.format.transcript import NoteEntry
from bot.identity.linking import LINK_CONSENT, LINK_DECLINED, LINK_FAILED, LINK_REFUSED, LINKED
from bot.turn.handler import Send, Turn, TurnOutcome
from dialogs.actions import ActionContext, ActionFailed, read_only
from dialogs.builtins import BUILTIN_ARGUMENTS, call_builtin
from dialogs.content import FLOW, GOTO, Speaker
from dialogs.defaults import CHANNEL_NAMES, FUNCTION_WORDS
from dialogs.flowset import Flow, FlowSet
from dialogs.handoff import Handoffs
from dialogs.language import detect
from dialogs.loader import language_names
from dialogs.matching import Match, normalise
from dialogs.parts import Fallback, MessageDef
from dialogs.schema import (
    AskStep,
    BranchStep,
    CallStep,
    Case,
    ElseDef,
    EndStep,
    FlowStep,
    GotoStep,
    HandoffStep,
    RunStep,
    SayStep,
    SetStep,
    StepBase,
)
from dialogs.slot_types import ParseContext, Valid
from dialogs.slots import SlotDef, parse_answer
from dialogs.state import DialogState, Frame
from dialogs.templates import TemplateError
from dialogs.walk import set_target

MAX_STEPS = 100
_DIGRESSION_MARGIN = 0.15
"""Steps one turn may run: a flow that loops without asking anything is stopped, not spun."""

_JSON: TypeAdapter[JsonValue] = TypeAdapter(JsonValue)
_LINK_FAILURES = {"invalid": "link_invalid", "limited": "link_limited"}
_LANGUAGES = language_names()


class Conversation:
    """The working copy of one customer's conversation for the length of one turn."""

    def __init__(self, flowset: FlowSet, turn: Turn) -> None:
        self.fs = flowset
        self.turn = turn
        record = turn.customer
        state = DialogState.load(record.dialog)
        self.stack: list[Frame] = list(state.stack)
        self.awaiting = state.awaiting
        self.attempts = state.attempts
        self.started = state.started
        self.language_sure = state.language_sure
        self.slots: dict[str, JsonValue] = dict(record.slots)
        self.profile: dict[str, JsonValue] = dict(record.profile)
        self.language = record.language or flowset.default_language
        self.handoff = record.handoff
        self.replies: list[OutboundMessage] = []
        self.sends: list[Send] = []
        self.notes: list[NoteEntry] = []
        self.author = "bot"
        self.budget = MAX_STEPS
        self.handoffs = Handoffs(self)

    def outcome(self) -> TurnOutcome:
        """The new customer record and what to say."""
        state = DialogState(
            stack=tuple(self.stack),
            awaiting=self.awaiting,
            attempts=self.attempts,
            started=self.started,
            language_sure=self.language_sure,
        )
        customer = self.turn.customer.model_copy(
            update={
                "slots": self.slots,
                "profile": self.profile,
                "dialog": state.dump(),
                "language": self.language,
                "handoff": self.handoff,
            }
        )
        return TurnOutcome(
            customer=customer,
            replies=tuple(self.replies),
            sends=tuple(self.sends),
            notes=tuple(self.notes),
            author=self.author,
        )

    async def respond(self) -> None:
        """Understand the input (see the module docstring) and run the flows as far as they go."""
        item = self.turn.input
        if isinstance(item, SystemEvent):
            await self._system(item)
            return
        self._choose_language(item)
        text = (item.text or "").strip()
        if self.handoff.status == "agent" and self.handoff.contact_on:
            self.handoff = self.handoff.model_copy(update={"contact_on": None})  # back: here
        if self.handoff.status != "bot":
            self.handoffs.with_person(self._intent(text))
            if not self.replies:
                await self.handoffs.acknowledge()
        elif item.kind == "command" and item.command is not None:
            await self._command(item.command)
        elif self._switch_language(text):
            self._repeat_question()
        elif self._moves_on(item):
            await self._run()
        elif (intent := self._intent(text)) is not None:
            await self._global(intent)
        elif self.awaiting is not None:
            await self._pending(item, text)
        else:
            await self._idle(text)

    # -- understanding -------------------------------------------------------------------

    def _choose_language(self, item: InboundEvent) -> None:
        """Detected until sure, then kept: the channel's hint or a confident reading of the text
        settles it; until then the bot's default is used. Naming a language always wins."""
        if self.language_sure and self.language in self.fs.languages:
            return
        hint = (item.locale or "").split("-")[0].lower()
        detected = detect(item.text or "", self.fs.languages) if item.text else None
        chosen = hint if hint in self.fs.languages else detected
        if chosen is not None:
            self.language, self.language_sure = chosen, True
        elif self.language not in self.fs.languages:
            self.language = self.fs.default_language

    def _match(self, text: str) -> Match | None:
        """A flow or FAQ the text triggers, in the customer's language first; a phrase of
        another of the bot's languages also counts, and the conversation follows it there."""
        if not text:
            return None
        match = self.fs.matcher.match(text, self.language)
        if match is not None:
            return match
        match = self.fs.matcher.match(text, None)
        spoken = match.language.split("-")[0] if match and match.language else None
        if spoken is None or spoken == self.language:
            return match
        settled = self.language_sure and detect(text, self.fs.languages) != spoken
        if spoken in self.fs.languages and not settled:
            self.language, self.language_sure = spoken, True
            return match
        return None  # once settled, one word shared with another language changes nothing

    def _switch_language(self, text: str) -> bool:
        code = _LANGUAGES.get(normalise(text)) if text and len(text) < 40 else None
        if code is None or code not in self.fs.languages:
            return False
        self.language, self.language_sure = code, True
        self._say(self.fs.messages["language_set"])
        return True

    def _intent(self, text: str) -> str | None:
        """A global intent, only when the message is essentially that intent: most of its
        words are the intent's own ("cancel please"), not a sentence that mentions it ("can I
        cancel my order?", which is a flow's business)."""
        if not text:
            return None
        match = self.fs.intent_matcher.match(text, self.language)
        if match is None:
            match = self.fs.intent_matcher.match(text, None)
        if match is None:
            return None
        vocabulary = self.fs.intent_words.get(match.target, frozenset())
        if match.how == "example" and not _mostly(text, vocabulary):
            return None  # a designer's own keywords and patterns are taken at their word
        topic = self.fs.matcher.match(text, self.language)
        if topic is not None and topic.score >= match.score:
            return None  # a flow or FAQ that fits at least as well is what the customer means
        return match.target.removeprefix("intent:")

    def _navigate(self, payload: str) -> bool:
        if self.handoffs.contact(payload):
            return True
        if payload.startswith(FLOW):
            name = payload.removeprefix(FLOW)
            if name in self.fs.flows:
                self._start(name, digression=self.awaiting is not None)
                return True
        if payload.startswith(GOTO):
            name, _, step = payload.removeprefix(GOTO).partition(":")
            flow = self.fs.flows.get(name)
            if flow is not None and step in flow.index:
                self.awaiting, self.attempts = None, 0
                self._set_top(Frame(flow=name, step=step))
                return True
        return False

    async def _pending(self, item: InboundEvent, text: str) -> None:
        if self._answer(item):
            await self._run()
            return
        match = self._match(text)
        if (
            match is not None
            and match.score < self.fs.settings.match_threshold + _DIGRESSION_MARGIN
        ):
            match = None  # leaving a question half-answered needs a clearer signal
        if match is not None and match.target.startswith("faq:"):
            self._say(self.fs.faqs[match.target.removeprefix("faq:")].say)
            self._repeat_question()
        elif self.turn.switched_from is not None and (
            match is None or match.target.removeprefix("flow:") in self._running()
        ):
            self._resume()  # back from another channel: where we were, not a wrong answer
        elif match is not None and match.target.removeprefix("flow:") in self._running():
            await self._retry()  # about the same topic, but not an answer: explain and count
        elif match is not None:
            self._start(match.target.removeprefix("flow:"), digression=True)
            await self._run()
        else:
            await self._retry()

    async def _idle(self, text: str) -> None:
        match = self._match(text)
        if match is not None and match.target.startswith("faq:"):
            self._say(self.fs.faqs[match.target.removeprefix("faq:")].say)
        elif match is not None:
            self._start(match.target.removeprefix("flow:"), digression=False)
            await self._run()
        elif not self.started and self.fs.start is not None:
            self._start(self.fs.start, digression=False)
            await self._run()
        else:
            self._say(self.fs.messages["fallback"], extra=self._menu())

    def _moves_on(self, item: InboundEvent) -> bool:
        """A button that leads somewhere, or a valid answer to a typed question."""
        if item.kind == "button" and item.payload and self._navigate(item.payload):
            return True
        return self._typed_answer() and self._answer(item)

    def _typed_answer(self) -> bool:
        """Whether the pending question takes a typed value (a choice, a date, yes or no...):
        a valid answer to it comes before global intents ("Try again" can be an option).
        A free-text answer does not, or "cancel" could never cancel it."""
        slot = self.fs.slots.get(self.awaiting or "")
        return slot is not None and slot.type != "text"

    def _answer(self, item: InboundEvent) -> bool:
        """Fill the pending slot from the input, if it is a valid answer."""
        name = self.awaiting
        slot = self.fs.slots.get(name or "")
        if name is None or slot is None:
            self.awaiting = None
            return False
        raw = item.payload if item.kind == "button" else item.text
        if item.kind == "contact" and item.contact is not None:
            raw = item.contact.phone
        if not raw:
            return False
        parsed = parse_answer(slot, raw, self._parse_context())
        if not isinstance(parsed, Valid):
            return False
        self._fill(name, slot, parsed.value)
        self.awaiting, self.attempts = None, 0
        self._advance()
        return True

    def _parse_context(self) -> ParseContext:
        settings = self.fs.settings
        return ParseContext(
            language=self.language,
            today=self.turn.now.date(),
            region=settings.phone_region,
            date_order=settings.date_order,
        )

    def _fill(self, name: str, slot: SlotDef, value: JsonValue) -> None:
        self.slots[name] = value
        if slot.remember:
            self.profile[name] = value

    # -- global intents, commands, system events -----------------------------------------

    async def _global(self, intent: str) -> None:
        if intent == "cancel":
            self._reset()
            self._say(self.fs.messages["cancel"])
        elif intent == "help":
            self._say(self.fs.messages["help"], extra=self._menu())
            self._repeat_question()
        elif intent == "human":
            await self.handoffs.hand_off("the customer asked for a person", None)
        elif intent == "elsewhere":
            await self._offer_link()
            self._repeat_question()
        elif intent == "restart":
            self._reset()
            self._say(self.fs.messages["restart"])
            if self.fs.start is not None:
                self._start(self.fs.start, digression=False)
                await self._run()

    async def _offer_link(self) -> None:
        """A link code, and the ways to use it on each channel that is on."""
        try:
            called = await call_builtin("link_code", {}, self.turn.linking, self._code_text)
        except ActionFailed:
            self._say(self.fs.messages["link_unavailable"])
            return
        self._note("linking", called.note or "link code given")
        speaker = self._speaker(None, extra={"link": called.result})
        try:
            self.replies.extend(speaker.say(self.fs.messages["link_offer"]))
        except (TemplateError, ValidationError) as exc:
            self._note("error", f"the link offer could not be rendered: {exc}")

    async def _command(self, command: Command) -> None:
        if command.name == "start":
            self._reset()
            if self.fs.start is not None:
                self._start(self.fs.start, digression=False)
                await self._run()
            else:
                self._say(self.fs.messages["help"], extra=self._menu())
        elif command.name in ("help", "stop", "restart"):
            await self._global("cancel" if command.name == "stop" else command.name)

    async def _system(self, event: SystemEvent) -> None:
        if event.name == AGENT:
            await self.handoffs.agent(event.data)
        elif event.name == "resume":
            self._resume()
        elif event.name == LINK_CONSENT:
            self._ask_consent(event)
        elif event.name == LINK_DECLINED:
            self._say(self.fs.messages["link_declined"])
            await self._carry_on(resume=False)
        elif event.name == LINK_REFUSED:
            self._tell_asker(event, "link_declined_notice")
        elif event.name == LINKED:
            self._say(self.fs.messages["linked"])
            self._tell_other_channel(event)
            await self._carry_on(resume=True)
        elif event.name == LINK_FAILED:
            reason = event.data.get("reason")
            self._say(self.fs.messages[_LINK_FAILURES.get(str(reason), "link_invalid")])
            await self._carry_on(resume=False)
        elif event.name == "start_flow":
            name = event.data.get("flow")
            if isinstance(name, str) and name in self.fs.flows:
                self._start(name, digression=False)
                await self._run()

    async def _carry_on(self, resume: bool) -> None:
        """After a link message: back to the pending question, or a new customer's start."""
        if self.awaiting is not None:
            self._resume() if resume else self._repeat_question()
        elif not self.started and self.fs.start is not None:
            self._start(self.fs.start, digression=False)
            await self._run()

    def _ask_consent(self, event: SystemEvent) -> None:
        """A link code of someone else's was presented here: ask whether to join their
        conversation, telling only where it was asked for and when it started. The answers
        carry the payloads the core gave; nothing else joins (see ``bot.identity.consent``)."""
        data = event.data
        if data.get("busy"):
            self._say(self.fs.messages["link_busy"])
        zone = ZoneInfo(self.fs.settings.timezone)
        started = datetime.fromisoformat(str(data.get("started"))).astimezone(zone)
        asked_on = str(data.get("asked_on") or "")
        join = {
            "channel": CHANNEL_NAMES.get(asked_on, asked_on),
            "date": started.date().isoformat(),
            "time": started.strftime("%H:%M"),
            "today": started.date() == self.turn.now.astimezone(zone).date(),
            "timezone": self.fs.settings.timezone,
        }
        try:
            said = self._speaker(None, extra={"join": join}).say(self.fs.messages["link_consent"])
        except (TemplateError, ValidationError) as exc:
            self._note("error", f"the join question could not be rendered: {exc}")
            said = []
        speaker = self._speaker(None)
        answers = (
            Button(title=speaker.text(_single(self.fs.messages["yes"])), payload=str(data["yes"])),
            Button(title=speaker.text(_single(self.fs.messages["no"])), payload=str(data["no"])),
        )
        self.replies.extend(_attach(said or [Text(text="?")], answers, ()))

    def _tell_other_channel(self, event: SystemEvent) -> None:
        """Where the code was asked for learns that the conversation now goes on elsewhere too
        (a stranger using someone's code would be noticed)."""
        self._tell_asker(event, "linked_notice")

    def _tell_asker(self, event: SystemEvent, message: str) -> None:
        """Tell the place where a link code was asked for (``asked_from``, or the customer's
        address on ``asked_on``) what became of it on ``channel``, in a message of its own that
        leaves any question pending there as it was; not when that is where it was used."""
        data = event.data
        channel = str(data.get("channel"))
        address = _address(data.get("asked_from"))
        if address is None and data.get("asked_on") != channel:
            address = self.turn.customer.addresses.get(str(data.get("asked_on")))
        if address is None or address.identity.key == data.get("by"):
            return
        name = CHANNEL_NAMES.get(channel, channel)
        said = self._speaker(None).say(self.fs.messages[message])
        texts = [
            m.model_copy(update={"text": m.text.replace("{channel}", name)})
            if isinstance(m, Text)
            else m
            for m in said
        ]
        self.sends.append(Send(address=address, messages=tuple(texts)))

    def _resume(self) -> None:
        """The customer is back (on this or another channel): say so, ask the question again."""
        if self.awaiting is None or not self.stack:
            return
        flow = self.fs.flows.get(self.stack[-1].flow)
        custom = flow.definition.resume if flow is not None else None
        self._say(custom if custom is not None else self.fs.messages["resume"], flow=flow)
        self._repeat_question()

    # -- running flows --------------------------------------------------------------------

    def _start(self, name: str, digression: bool) -> None:
        """Start a flow: on top of the pending one (which asks again afterwards), or instead."""
        self.started = True
        first = Frame(flow=name, step=self.fs.flows[name].ids[0])
        if digression:
            self.awaiting, self.attempts = None, 0
            self.stack.append(first)
        else:
            self._reset()
            self.stack = [first]

    def _running(self) -> set[str]:
        return {frame.flow for frame in self.stack}

    async def _run(self) -> None:
        while self.stack:
            self.budget -= 1
            if self.budget < 0:
                self._note(
                    "error", f"more than {MAX_STEPS} steps in one turn; the flow was stopped"
                )
                self._reset()
                return
            frame = self.stack[-1]
            flow = self.fs.flows.get(frame.flow)
            step = flow.step(frame.step) if flow is not None else None
            if flow is None or step is None:
                self._note("error", f"flow '{frame.flow}' has no step '{frame.step}' any more")
                self._finish_flow()
                continue
            if not await self._step(flow, step):
                return

    async def _step(self, flow: Flow, step: StepBase) -> bool:
        """Run one step; ``False`` when the turn stops here (a question, a handoff)."""
        if isinstance(step, SayStep) and step.to is not None:
            self._send(step.to, step.say, flow)
        elif isinstance(step, SayStep):
            self._say(step.say, flow=flow)
        elif isinstance(step, AskStep):
            return self._ask(flow, step)
        elif isinstance(step, BranchStep):
            self._branch(flow, step)
            return True
        elif isinstance(step, SetStep):
            self._assign(step)
        elif isinstance(step, CallStep):
            return await self._call(flow, step)
        elif isinstance(step, GotoStep):
            self._set_top(Frame(flow=flow.name, step=step.goto))
            return True
        elif isinstance(step, FlowStep):
            self._set_top(Frame(flow=step.flow, step=self.fs.flows[step.flow].ids[0]))
            return True
        elif isinstance(step, RunStep):
            self._advance()
            self.stack.append(Frame(flow=step.run, step=self.fs.flows[step.run].ids[0]))
            return True
        elif isinstance(step, HandoffStep):
            await self.handoffs.hand_off(step.handoff, step.say)
            return False
        elif isinstance(step, EndStep):
            self._say(step.say, flow=flow)
            self._finish_flow()
            return True
        self._advance()
        return True

    def _ask(self, flow: Flow, step: AskStep) -> bool:
        slot = self.fs.slots[step.ask]
        if not step.always and step.ask in self.slots:
            self._advance()
            return True
        if not step.always and slot.remember and step.ask in self.profile:
            self.slots[step.ask] = self.profile[step.ask]
            self._advance()
            return True
        self.awaiting, self.attempts = step.ask, 0
        self._prompt(flow, step, slot)
        return False

    def _prompt(self, flow: Flow, step: AskStep, slot: SlotDef) -> None:
        prompt = step.prompt or slot.prompt
        if prompt is None:
            template = self.fs.messages["ask"]
            said = self._speaker(flow).say(template)
            said = [
                m.model_copy(update={"text": m.text.replace("{slot}", step.ask.replace("_", " "))})
                if isinstance(m, Text)
                else m
                for m in said
            ]
        else:
            said = self._render(prompt, flow)
        speaker = self._speaker(flow)
        attached = [speaker.button(b) for b in step.buttons] or self._slot_buttons(slot)
        quick = self._slot_quick_replies(slot)
        self.replies.extend(_attach(said, tuple(attached), tuple(quick)))

    def _slot_buttons(self, slot: SlotDef) -> list[Button]:
        if slot.type != "choice":
            return []
        speaker = self._speaker(None)
        return [
            Button(title=speaker.text(o.title) or o.value, payload=o.value) for o in slot.options
        ]

    def _slot_quick_replies(self, slot: SlotDef) -> list[Button]:
        speaker = self._speaker(None)
        if slot.type == "yes_no":
            return [
                Button(title=speaker.text(_single(self.fs.messages["yes"])), payload="yes"),
                Button(title=speaker.text(_single(self.fs.messages["no"])), payload="no"),
            ]
        if slot.type == "phone":
            title = speaker.text(_single(self.fs.messages["share_phone"]))
            return [Button(title=title, kind="share_phone")]
        return []

    def _repeat_question(self) -> None:
        """Ask the pending question again (after an FAQ, help, a language switch, a resume)."""
        if self.awaiting is None or not self.stack:
            return
        flow = self.fs.flows.get(self.stack[-1].flow)
        step = flow.step(self.stack[-1].step) if flow is not None else None
        slot = self.fs.slots.get(self.awaiting)
        if flow is not None and isinstance(step, AskStep) and slot is not None:
            self._prompt(flow, step, slot)

    async def _retry(self) -> None:
        frame = self.stack[-1] if self.stack else None
        flow = self.fs.flows.get(frame.flow) if frame else None
        step = flow.step(frame.step) if flow is not None and frame is not None else None
        slot = self.fs.slots.get(self.awaiting or "")
        if flow is None or not isinstance(step, AskStep) or slot is None:
            self.awaiting = None
            self._say(self.fs.messages["fallback"], extra=self._menu())
            return
        self.attempts += 1
        if self.attempts >= (step.attempts or self.fs.settings.attempts):
            self.awaiting, self.attempts = None, 0
            if await self._fallback(flow, step.fallback, "too_many_attempts", step.ask):
                await self._run()
            return
        self._say(step.retry or slot.invalid or self.fs.messages["retry"], flow=flow)
        self._prompt(flow, step, slot)

    async def _fallback(
        self, flow: Flow, fallback: Fallback | None, message: str, reason: str
    ) -> bool:
        """After too many invalid answers, or a failed action; ``True`` to keep running."""
        chosen = fallback or self.fs.settings.fallback or Fallback()
        self._say(chosen.say if chosen.say is not None else self.fs.messages[message], flow=flow)
        if chosen.handoff:
            quiet = chosen.say is not None
            await self.handoffs.hand_off(f"fallback after {reason}", None, quiet=quiet)
            return False
        if chosen.goto:
            self._set_top(Frame(flow=flow.name, step=chosen.goto))
            return True
        if chosen.flow:
            self._set_top(Frame(flow=chosen.flow, step=self.fs.flows[chosen.flow].ids[0]))
            return True
        if chosen.skip:
            self._advance()
            return True
        self._reset()
        return False

    def _branch(self, flow: Flow, step: BranchStep) -> None:
        context = self._context()
        for case in step.branch:
            try:
                holds = bool(self.fs.templates.evaluate(case.when, context))
            except TemplateError as exc:
                self._note("error", f"flow '{flow.name}': {exc}")
                holds = False
            if holds:
                self._follow(flow, case)
                return
        if step.else_ is not None and (
            step.else_.goto or step.else_.flow or step.else_.run or step.else_.end
        ):
            self._follow(flow, step.else_)
        else:
            self._advance()

    def _follow(self, flow: Flow, target: Case | ElseDef) -> None:
        if target.goto:
            self._set_top(Frame(flow=flow.name, step=target.goto))
        elif target.flow:
            self._set_top(Frame(flow=target.flow, step=self.fs.flows[target.flow].ids[0]))
        elif target.run:
            self._advance()
            self.stack.append(Frame(flow=target.run, step=self.fs.flows[target.run].ids[0]))
        else:
            self._finish_flow()

    def _assign(self, step: SetStep) -> None:
        for key, value in step.set.items():
            scope, name = set_target(key)
            computed = self._value(value)
            (self.profile if scope == "profile" else self.slots)[name] = computed

    async def _call(self, flow: Flow, step: CallStep) -> bool:
        args = {name: self._value(value) for name, value in step.args.items()}
        context = ActionContext(
            customer_id=self.turn.customer.id,
            language=self.language,
            channel=self.turn.address.channel if self.turn.address else None,
            slots=read_only(self.slots),
            profile=read_only(self.profile),
            bot_dir=self.fs.bot_dir,
        )
        try:
            if step.call in BUILTIN_ARGUMENTS:
                called = await call_builtin(step.call, args, self.turn.linking, self._code_text)
                result = called.result
                if called.note:
                    self._note("linking", called.note)
            else:
                result = await self.fs.actions.call(step.call, args, context)
        except ActionFailed as exc:
            self._note("action_failed", str(exc), action=step.call)
            return await self._fallback(flow, step.on_error, "action_failed", step.call)
        if step.into:
            self.slots[step.into] = result
        self._advance()
        return True

    def _value(self, value: JsonValue) -> JsonValue:
        """A ``set`` value or action argument: literal, ``{{ template }}``, or ``= expression``."""
        if isinstance(value, list):
            return [self._value(item) for item in value]
        if isinstance(value, dict):
            return {name: self._value(item) for name, item in value.items()}
        if not isinstance(value, str):
            return value
        try:
            if value.startswith("="):
                return _as_json(self.fs.templates.evaluate(value[1:].strip(), self._context()))
            return self.fs.templates.render(value, self._context())
        except TemplateError as exc:
            self._note("error", str(exc))
            return None

    # -- the stack ------------------------------------------------------------------------

    def _set_top(self, frame: Frame) -> None:
        if self.stack:
            self.stack[-1] = frame
        else:
            self.stack.append(frame)

    def _advance(self) -> None:
        """The running flow goes on to its next step, or finishes after its last."""
        frame = self.stack[-1]
        flow = self.fs.flows[frame.flow]
        following = flow.after(frame.step) if frame.step in flow.index else None
        if following is None:
            self._finish_flow()
        else:
            self.stack[-1] = Frame(flow=frame.flow, step=following)

    def _finish_flow(self) -> None:
        """The running flow is done: back to the flow that ran it, or the conversation is over
        (and its slots are forgotten; remembered ones live on in the profile)."""
        self.stack.pop()
        if not self.stack:
            self.slots = {}
            self.awaiting, self.attempts = None, 0

    def _reset(self) -> None:
        self.stack, self.slots, self.awaiting, self.attempts = [], {}, None, 0

    # -- saying things --------------------------------------------------------------------

    def _context(self) -> dict[str, Any]:
        caps = self.turn.capabilities
        item = self.turn.input
        event = item if isinstance(item, InboundEvent) else None
        return {
            "slots": self.slots,
            "profile": self.profile,
            "language": self.language,
            "channel": {
                "name": self.turn.address.channel if self.turn.address else None,
                "buttons": bool(caps and caps.buttons),
                "markdown": bool(caps and caps.markdown),
            },
            "input": {
                "text": event.text if event else None,
                "payload": event.payload if event else None,
                "kind": event.kind if event else "system",
            },
            "customer": {"id": self.turn.customer.id},
            "today": self.turn.now.date().isoformat(),
            "now": self.turn.now.isoformat(),
        }

    def _speaker(self, flow: Flow | None, extra: dict[str, Any] | None = None) -> Speaker:
        return Speaker(
            self.fs.templates,
            self.language,
            self.fs.default_language,
            {**self._context(), **(extra or {})},
            flow.name if flow is not None else None,
        )

    def _render(self, message: MessageDef, flow: Flow | None) -> list[OutboundMessage]:
        try:
            return self._speaker(flow).say(message)
        except (TemplateError, ValidationError) as exc:
            self._note("error", f"a message could not be rendered: {exc}")
            return []

    def _say(
        self,
        message: MessageDef | None,
        flow: Flow | None = None,
        extra: list[Button] | None = None,
    ) -> None:
        if message is None:
            return
        said = self._render(message, flow)
        self.replies.extend(_attach(said, tuple(extra or ()), ()) if extra else said)

    def _send(self, channel: str, message: MessageDef, flow: Flow) -> None:
        """Say something on another of the customer's channels, where they can be reached."""
        address = self.turn.customer.addresses.get(channel)
        if address is None:
            self._note("undeliverable", f"the customer has never written on {channel}")
            return
        said = self._render(message, flow)
        if said:
            self.sends.append(Send(address=address, messages=tuple(said)))

    def _code_text(self, code: str, minutes: int) -> str:
        """The text message carrying a one-time code, in the customer's language."""
        said = self._speaker(None).say(self.fs.messages["code_sms"])
        text = " ".join(m.text for m in said if isinstance(m, Text))
        return text.replace("{code}", code).replace("{minutes}", str(minutes))

    def _menu(self) -> list[Button]:
        speaker = self._speaker(None)
        return [
            Button(title=speaker.text(flow.definition.title), payload=f"{FLOW}{flow.name}")
            for flow in self.fs.menu()
            if flow.definition.title is not None
        ]

    def _note(self, kind: str, text: str, **data: JsonValue) -> None:
        self.notes.append(NoteEntry(at=self.turn.now, kind=kind, text=text, data=data))


def _mostly(text: str, vocabulary: frozenset[str], share: float = 0.5) -> bool:
    """Whether more than ``share`` of the words of ``text`` that carry meaning are (nearly) in
    ``vocabulary``; function words ("what", "do", "you") only count when there is nothing else.
    "cancel it" is all cancel; "reset my password" and "can I cancel my order?" are not."""
    every = normalise(text).split()
    words = [word for word in every if word not in FUNCTION_WORDS] or every
    if not words:
        return False
    known = list(vocabulary)
    hits = sum(
        1 for word in words if word in vocabulary or difflib.get_close_matches(word, known, 1, 0.8)
    )
    return hits / len(words) > share


def _attach(
    messages: list[OutboundMessage], buttons: tuple[Button, ...], quick: tuple[Button, ...]
) -> list[OutboundMessage]:
    """Add buttons and quick replies to the last text of ``messages``."""
    if not buttons and not quick:
        return messages
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, Text):
            update = {
                "buttons": message.buttons + buttons,
                "quick_replies": message.quick_replies + quick,
            }
            return [*messages[:index], message.model_copy(update=update), *messages[index + 1 :]]
    return messages


def _single(message: MessageDef) -> str | dict[str, str]:
    """A built-in label (``yes``, ``no``) as one translatable text."""
    return message if isinstance(message, str | dict) else "?"


def _as_json(value: Any) -> JsonValue:
    try:
        return _JSON.validate_python(value)
    except ValidationError:
        return str(value)


def _address(value: JsonValue | None) -> Address | None:
    """An address a system event carries, if it is one."""
    if not isinstance(value, dict):
        return None
    try:
        return Address.model_validate(value)
    except ValidationError:
        return None
