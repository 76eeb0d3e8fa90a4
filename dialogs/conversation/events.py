"""What is not an answer or a topic: system events, channel commands and global intents."""

from __future__ import annotations

from pydantic import JsonValue

from bot.desk.handoff import AGENT
from bot.format.messages import Command, InboundEvent, SystemEvent
from bot.format.outbound import Text
from bot.identity.linking import LINK_CONSENT, LINK_DECLINED, LINK_FAILED, LINK_REFUSED, LINKED
from bot.outreach.events.business import BUSINESS_EVENT
from bot.outreach.followup import FOLLOW_UP
from dialogs.actions.preference import PREFERRED, preference
from dialogs.conversation.links import LinkMessages
from dialogs.conversation.question import Question
from dialogs.conversation.runner import Runner
from dialogs.conversation.waits import TIMER, Waits
from dialogs.design.defaults import CHANNEL_NAMES

_LINK_FAILURES = {"invalid": "link_invalid", "limited": "link_limited"}


class Events:
    """Handles, for one turn: events from the system (an agent's action, a customer back, a
    link's outcome, a flow started from outside), ``/start``-like commands, and the global
    intents (cancel, help, a person, another channel, start over)."""

    def __init__(self, runner: Runner, question: Question, links: LinkMessages) -> None:
        self.runner = runner
        self.question = question
        self.links = links
        self.flowset = runner.flowset
        self.voice = runner.voice
        self.waits = Waits(runner)

    async def system(self, event: SystemEvent) -> None:
        """A system event."""
        messages = self.flowset.messages
        if event.name == AGENT:
            await self._agent(event)
        elif event.name == "resume":
            self.question.resume()
        elif event.name == LINK_CONSENT:
            self.links.ask_consent(event)
        elif event.name == LINK_DECLINED:
            self.voice.say(messages["link_declined"])
            await self._carry_on(resume=False)
        elif event.name == LINK_REFUSED:
            self.links.tell_asker(event, "link_declined_notice")
        elif event.name == LINKED:
            self.voice.say(messages["linked"])
            # where the code was asked for learns that the conversation goes on here too (a
            # stranger using someone's code would be noticed)
            self.links.tell_asker(event, "linked_notice")
            await self._carry_on(resume=True)
        elif event.name == LINK_FAILED:
            reason = event.data.get("reason")
            self.voice.say(messages[_LINK_FAILURES.get(str(reason), "link_invalid")])
            await self._carry_on(resume=False)
        elif event.name == "start_flow":
            await self._start_flow(event)
        elif event.name == BUSINESS_EVENT:
            await self._business(event)
        elif event.name == TIMER:
            await self.waits.fired(event)
        elif event.name == FOLLOW_UP:
            await self._follow_up(event)

    async def _follow_up(self, event: SystemEvent) -> None:
        """A follow-up an agent scheduled: their message is said as they wrote it (never
        rendered as a template); their flow runs as a business event's does (over a pending
        question, not while a person has the conversation)."""
        agent, text, flow = (event.data.get(key) for key in ("agent", "text", "flow"))
        self.voice.note("follow-up", f"follow-up scheduled by {agent}", agent=str(agent))
        if isinstance(text, str) and text.strip():
            self.voice.replies.append(Text(text=text))
        elif not isinstance(flow, str) or flow not in self.flowset.flows:
            self.voice.note("follow-up", f"the follow-up's flow {flow!r} is gone; nothing ran")
        elif self.runner.working.handoff.status != "bot":
            self.voice.note("follow-up", "a person has the conversation; the flow did not run")
        else:
            digression = self.runner.working.awaiting is not None
            self.runner.stack.start(flow, digression=digression)
            await self.runner.run()

    async def _business(self, event: SystemEvent) -> None:
        """A business event from the store: the flow it names runs. Over a pending question it
        runs as a digression, and the question is asked again when it ends (as after a flow
        another message starts); while a person has the conversation, nothing runs and the
        agent sees a note. A flow waiting for this event (``until``) goes on instead. An event
        whose flow already runs for the same event (type and data: the same cart, sent twice
        under two ``webhook-id``s) is a note, not a second run: one reminder per cart."""
        kind = str(event.data.get("type", ""))
        data = event.data.get("data")
        held: dict[str, JsonValue] = {"type": kind, "data": data if isinstance(data, dict) else {}}
        if await self.waits.awaited(kind, held):
            return
        flow = self.flowset.on_event(kind)
        if flow is None:
            self.voice.note("event", f"business event '{kind}': no flow runs on it")
            return
        if self.runner.working.handoff.status != "bot":
            text = f"business event '{kind}' came while a person has the conversation; no flow ran"
            self.voice.note("event", text)
            return
        running = (
            frame.flow == flow.name and frame.event == held for frame in self.runner.working.stack
        )
        if any(running):
            text = f"business event '{kind}': {flow.name} already runs for the same event"
            self.voice.note("event", text)
            return
        digression = self.runner.working.awaiting is not None
        self.runner.stack.start(flow.name, digression=digression, event=held)
        await self.runner.run()

    async def _start_flow(self, event: SystemEvent) -> None:
        """A flow started from outside: from its first step, or from its ``step`` with
        ``slots`` filled (how a conversation test starts in the middle of a flow)."""
        name, step, slots = (event.data.get(key) for key in ("flow", "step", "slots"))
        if not isinstance(name, str) or name not in self.flowset.flows:
            return
        stack = self.runner.stack
        stack.start(name, digression=False)
        if isinstance(step, str) and self.flowset.flows[name].step(step) is not None:
            stack.goto(name, step)
        if isinstance(slots, dict):
            self.runner.slots.update(slots)
        await self.runner.run()

    async def command(self, command: Command) -> None:
        """A channel command: ``/start`` starts over; help and restart are intents (a stop is
        :meth:`stopped`)."""
        if command.name == "start":
            self.runner.stack.reset()
            if self.flowset.start is not None:
                await self.runner.begin(self.flowset.start)
            else:
                self.voice.say(self.flowset.messages["help"], extra=self.voice.menu())
        elif command.name in ("help", "restart"):
            await self.intent(command.name)

    def stopped(self, confirm: bool) -> None:
        """A stop (:mod:`bot.outreach.optout`): with the bot, what ran is cancelled, as by
        ``cancel``; with a person, the handoff goes on, and the agent reads why nothing more
        goes to this channel. ``confirm``: the customer is told here, once (unless the channel
        answers its own stop)."""
        if self.runner.working.handoff.status == "bot":
            self.runner.stack.reset()
        if confirm:
            self.voice.say(self.flowset.messages["opted_out"])
        address = self.runner.turn.address
        name = address.channel if address else "this channel"
        channel = CHANNEL_NAMES.get(name, name)
        text = f"the customer said stop on {channel}; marketing and this channel are stopped"
        self.voice.note("opted_out", text)

    async def intent(self, intent: str) -> None:
        """A global intent."""
        messages, voice = self.flowset.messages, self.voice
        if intent == "cancel":
            self.runner.stack.reset()
            voice.say(messages["cancel"])
        elif intent == "help":
            voice.say(messages["help"], extra=voice.menu())
            self.question.repeat()
        elif intent == "human":
            await self.runner.handoffs.hand_off("the customer asked for a person", None)
        elif intent == "elsewhere":
            await self.links.offer()
            self.question.repeat()
        elif intent == "prefer":
            self._prefer()
            self.question.repeat()
        elif intent == "restart":
            self.runner.stack.reset()
            voice.say(messages["restart"])
            if self.flowset.start is not None:
                await self.runner.begin(self.flowset.start)

    def _prefer(self) -> None:
        """The customer names the channel the business should write on: kept when it is on
        and they can be written to there, else they are told why not."""
        item = self.runner.turn.input
        text = (item.text or "") if isinstance(item, InboundEvent) else ""
        linking = self.runner.turn.linking
        chosen = preference(text, self.runner.turn.customer, linking.channels if linking else None)
        if chosen.kept:
            self.runner.working.profile[PREFERRED] = chosen.channel
            self.voice.note("outreach", f"the customer prefers {chosen.channel}")
        message = "preferred_channel" if chosen.kept else "preferred_channel_unavailable"
        speaker = self.voice.speaker(None, extra=chosen.context())
        self.voice.replies.extend(speaker.say(self.flowset.messages[message]))

    async def _agent(self, event: SystemEvent) -> None:
        """An agent's action; one that hands the conversation back into a flow starts it."""
        flow = self.runner.handoffs.agent(event.data)
        if flow is not None:
            await self.runner.begin(flow)

    async def _carry_on(self, resume: bool) -> None:
        """After a link message: back to the pending question, or a new customer's start."""
        working = self.runner.working
        if working.awaiting is not None:
            self.question.resume() if resume else self.question.repeat()
        elif not working.started and self.flowset.start is not None:
            await self.runner.begin(self.flowset.start)
