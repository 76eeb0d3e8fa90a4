"""One turn of a conversation: the stored state, one input, the flows; out come the new state,
what to say, and notes for the transcript.

The order in which an input is understood:

1. a system event (``resume``, ``start_flow``, a business event, a waiting step's time); a stop
   (:mod:`bot.outreach.optout`), which a person holding the conversation does not change; or a
   channel command (``/start``);
2. while a person has the conversation, the bot stays silent (the customer may ``cancel``);
3. naming a language switches to it; a button that leads somewhere (``flow:``, ``goto:``) goes;
4. a global intent (cancel, help, talk to a person, start over);
5. when a question is pending: an answer fills its slot (a text slot that judges refuses a
   question or a trigger); else an FAQ is answered and the question asked again; else a flow's
   trigger runs that flow and then asks again; else the retry message, and after too many
   attempts the fallback;
6. otherwise: an FAQ, a flow's trigger, the start flow for a new customer, or the fallback.

A flow started by a trigger takes from that message the slots it asks for that it mentions.
"""

from __future__ import annotations

from bot.format.messages import InboundEvent, SystemEvent
from bot.outreach.optout import confirmed_by_bot, stop_said
from bot.turn.handler import Turn, TurnOutcome
from dialogs.conversation.events import Events
from dialogs.conversation.handoff import Handoffs
from dialogs.conversation.links import LinkMessages
from dialogs.conversation.question import Question
from dialogs.conversation.runner import Runner
from dialogs.conversation.stack import FlowStack
from dialogs.conversation.understanding import Understanding
from dialogs.conversation.voice import Voice
from dialogs.conversation.working import Working
from dialogs.design.content import FLOW, GOTO
from dialogs.design.flowset import FlowSet

_DIGRESSION_MARGIN = 0.15
"""How much surer than a trigger's threshold a match must be to leave a question pending."""


class Conversation:
    """One customer's conversation for the length of one turn."""

    def __init__(self, flowset: FlowSet, turn: Turn) -> None:
        self.flowset = flowset
        self.turn = turn
        self.working = Working.of(turn.customer, flowset.default_language)
        self.timer_before = self.working.timer
        """The wait the stored state held when the turn began (the working copy's may change)."""
        self.voice = Voice(flowset, turn, self.working)
        self.stack = FlowStack(flowset, self.working)
        self.handoffs = Handoffs(flowset, turn, self.working, self.voice)
        self.runner = Runner(flowset, turn, self.working, self.voice, self.stack, self.handoffs)
        self.understanding = Understanding(flowset, self.working, self.voice)
        self.question = Question(self.runner, self.understanding)
        self.links = LinkMessages(self.runner)
        self.events = Events(self.runner, self.question, self.links)

    def outcome(self) -> TurnOutcome:
        """The new customer record and what to say."""
        self.events.waits.settle()
        voice = self.voice
        return TurnOutcome(
            customer=self.working.written(self.turn.customer),
            replies=tuple(voice.replies),
            sends=tuple(voice.sends),
            notes=tuple(voice.notes),
            author=voice.author,
            purpose=self._purpose(),
        )

    def _purpose(self) -> str:
        """``marketing`` if any flow that spoke this turn is for marketing: the strictest wins."""
        flows = self.flowset.flows
        spoke = (flows[name].definition.purpose for name in self.voice.flows if name in flows)
        return "marketing" if "marketing" in spoke else "transactional"

    async def respond(self) -> None:
        """Understand the input (see the module docstring) and run the flows as far as they go;
        then, once a conversation, offer e-mail to a customer who just gave an address."""
        await self._understand()
        self.links.email_offer()

    async def _understand(self) -> None:
        item, working, understanding = self.turn.input, self.working, self.understanding
        self.events.waits.expire()
        if isinstance(item, SystemEvent):
            await self.events.system(item)
            return
        understanding.choose_language(item)
        text = (item.text or "").strip()
        if working.handoff.status == "agent" and working.handoff.contact_on:
            working.handoff = working.handoff.model_copy(update={"contact_on": None})  # back: here
        if working.handoff.status == "bot" and item.kind != "command":
            await self.flowset.matcher.prepare(text, working.language)  # the model off the loop
        if stop_said(item):
            self.events.stopped(confirmed_by_bot(item))
        elif working.handoff.status != "bot":
            self.handoffs.with_person(understanding.intent(text))
            if not self.voice.replies:
                await self.handoffs.acknowledge()
        elif item.kind == "command" and item.command is not None:
            await self.events.command(item.command)
        elif understanding.switch_language(text):
            self.question.repeat()
        elif self._moves_on(item):
            await self.runner.run()
        elif (intent := understanding.intent(text)) is not None:
            await self.events.intent(intent)
        elif working.awaiting is not None:
            await self._pending(item, text)
        else:
            await self._idle(text)

    def _moves_on(self, item: InboundEvent) -> bool:
        """A button that leads somewhere, or a valid answer to a typed question."""
        if item.kind == "button" and item.payload and self._navigate(item.payload):
            return True
        return self.question.takes_typed() and self.question.answer(item)

    def _navigate(self, payload: str) -> bool:
        """A button's payload that leads somewhere: a contact-later choice, a flow, a step."""
        if self.handoffs.contact(payload):
            return True
        if payload.startswith(FLOW):
            name = payload.removeprefix(FLOW)
            if name in self.flowset.flows:
                self.stack.start(name, digression=self.working.awaiting is not None)
                return True
        if payload.startswith(GOTO):
            name, _, step = payload.removeprefix(GOTO).partition(":")
            flow = self.flowset.flows.get(name)
            if flow is not None and step in flow.index:
                self.working.awaiting, self.working.attempts = None, 0
                self.stack.goto(name, step)
                return True
        return False

    async def _pending(self, item: InboundEvent, text: str) -> None:
        """A question is pending: an answer, an FAQ, back from another channel, another topic,
        or a wrong answer."""
        if self.question.answer(item):
            await self.runner.run()
            return
        # Leaving a question half-answered needs a clearer signal.
        match = self.understanding.match(text, margin=_DIGRESSION_MARGIN)
        running = self.stack.running()
        if match is not None and match.target.startswith("faq:"):
            self.voice.say(self.flowset.faqs[match.target.removeprefix("faq:")].say)
            self.question.repeat()
        elif self.turn.switched_from is not None and (
            match is None or match.target.removeprefix("flow:") in running
        ):
            self.question.resume()  # back from another channel: where we were, not a wrong answer
        elif match is not None and match.target.removeprefix("flow:") in running:
            await self.question.retry()  # about the same topic, but not an answer: explain, count
        elif match is not None:
            await self.runner.begin(match.target.removeprefix("flow:"), True, text)
        else:
            await self.question.retry()

    async def _idle(self, text: str) -> None:
        """Nothing is pending: an FAQ, a flow's trigger, the start for a new customer, or the
        fallback."""
        match = self.understanding.match(text)
        if match is not None and match.target.startswith("faq:"):
            self.voice.say(self.flowset.faqs[match.target.removeprefix("faq:")].say)
        elif match is not None:
            await self.runner.begin(match.target.removeprefix("flow:"), said=text)
        elif not self.working.started and self.flowset.start is not None:
            await self.runner.begin(self.flowset.start)
        else:
            self.voice.say(self.flowset.messages["fallback"], extra=self.voice.menu())
