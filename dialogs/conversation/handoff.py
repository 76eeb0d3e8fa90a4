"""Talking to a person, seen from the dialog: handing off, waiting, agents' actions, and back.

- **Handing off** (a ``handoff`` step, the ``human`` intent, a fallback): when somebody can
  answer, the customer waits in the queue with a summary for the agent (the slots collected,
  the flows under way, first the one the customer came for; language, channel); when nobody
  can (outside ``handoff.hours``, nobody online), they are told so and may pick a channel to be
  contacted on later, while the bot carries on.
- **Waiting**: the bot stays silent; a message is acknowledged with the place in the queue at
  most every ``handoff.acknowledge_minutes``; "never mind" leaves the queue.
- **Agents' actions** (:data:`~bot.desk.handoff.AGENT` events through the turn path): claim, reply,
  note, release, transfer, resolve (back to the bot, optionally into a named flow), reopen (a
  conversation back with the bot goes to the agent reopening it, and the customer is told
  nothing until the agent writes). A reply reaches the customer on the channel the agent
  picked, else on the one they asked to be contacted on, else where they wrote last.
"""

from __future__ import annotations

from typing import Any

from pydantic import JsonValue

from bot.desk.handoff import Availability
from bot.desk.summary import REOPENED
from bot.format.outbound import Button, Text
from bot.turn.customer import Handoff
from bot.turn.handler import Send, Turn
from dialogs.conversation.voice import Voice
from dialogs.conversation.working import Working
from dialogs.design.content import as_label
from dialogs.design.defaults import CHANNEL_NAMES
from dialogs.design.flowset import FlowSet
from dialogs.design.parts import MessageDef

CONTACT = "contact:"
"""The payload prefix of the buttons that choose a channel to be contacted on later."""


class Handoffs:
    """The handoff part of one turn."""

    def __init__(self, flowset: FlowSet, turn: Turn, working: Working, voice: Voice) -> None:
        self.flowset = flowset
        self.turn = turn
        self.working = working
        self.voice = voice

    async def hand_off(self, reason: str, say: MessageDef | None, quiet: bool = False) -> None:
        """Pass the conversation to a person, or offer to be contacted later."""
        turn, working, voice = self.turn, self.working, self.voice
        summary: dict[str, JsonValue] = {
            "slots": dict(working.slots),
            "flows": [frame.flow for frame in working.stack],
            "language": working.language,
            "channel": turn.address.channel if turn.address else None,
        }
        working.stack, working.awaiting, working.attempts = [], None, 0
        available = await turn.desk.availability() if turn.desk else None
        if available is None or available.answered:
            working.handoff = Handoff(
                status="waiting", since=turn.now, reason=reason, summary=summary
            )
            if not quiet:
                voice.say(say if say is not None else self.flowset.messages["handoff"])
            await self._position(self.flowset.messages["queue_position"], ahead=1)
            voice.note("handoff", reason, summary=summary)
            return
        working.handoff = Handoff(reason=reason, summary=summary)
        voice.note("handoff", f"{reason}; nobody could answer", summary=summary)
        self._unavailable(available)

    def with_person(self, intent: str | None) -> None:
        """A customer message while waiting or with an agent: the bot stays out of the way."""
        working, handoff = self.working, self.working.handoff
        if intent == "cancel" and handoff.status == "waiting":
            working.handoff = Handoff()
            self.voice.note("handoff", "the customer left the queue")
            self.voice.say(self.flowset.messages["handoff_left"])
        elif intent == "human" and handoff.status == "waiting":
            self.voice.say(self.flowset.messages["handoff_waiting"])

    async def acknowledge(self) -> None:
        """While waiting, say the message reached the team, at most every so often."""
        working, desk, now = self.working, self.turn.desk, self.turn.now
        minutes = desk.policy.acknowledge_minutes if desk else 0
        last = working.handoff.acknowledged_at
        if working.handoff.status != "waiting" or not minutes:
            return
        if last is not None and (now - last).total_seconds() < minutes * 60:
            return
        working.handoff = working.handoff.model_copy(update={"acknowledged_at": now})
        await self._position(self.flowset.messages["handoff_ack"], ahead=0)

    def contact(self, payload: str) -> bool:
        """A button of the contact-later offer; ``True`` if it was one."""
        if not payload.startswith(CONTACT):
            return False
        working, messages = self.working, self.flowset.messages
        channel = payload.removeprefix(CONTACT)
        if channel and channel in self.turn.customer.addresses:
            working.handoff = working.handoff.model_copy(
                update={"contact_on": channel, "since": self.turn.now}
            )
            self.voice.note("handoff", f"the customer asked to be contacted on {channel}")
            self._say(messages["contact_later_set"], channel=CHANNEL_NAMES.get(channel, channel))
        else:
            working.handoff = Handoff()
            self.voice.say(messages["contact_later_no"])
        return True

    def agent(self, data: dict[str, JsonValue]) -> str | None:
        """An agent's action on this conversation; the flow to go on with, when the agent
        hands the conversation back to the bot into one."""
        action, agent = str(data.get("action", "")), str(data.get("agent", ""))
        working, note = self.working, self.voice.note
        if action == "note":
            note("agent_note", str(data.get("text", "")), agent=agent)
        elif action == "claim":
            self._claim(agent, data)
        elif action == "reopen":
            self._reopen(agent, data)
        elif working.handoff.status != "agent" or working.handoff.agent_id != agent:
            note("agent", f"{agent} may not {action} a conversation they do not hold")
        elif action == "reply":
            self._reply(agent, str(data.get("text", "")), data.get("channel"))
        elif action == "release":
            working.handoff = working.handoff.model_copy(
                update={"status": "waiting", "agent_id": None}
            )
            note("agent", f"{agent} put the conversation back in the queue")
        elif action == "transfer":
            to = str(data.get("to", ""))
            working.handoff = working.handoff.model_copy(update={"agent_id": to})
            note("agent", f"{agent} passed the conversation to {to}")
        elif action == "resolve":
            return self._resolve(agent, data.get("flow"))
        return None

    def _claim(self, agent: str, data: dict[str, JsonValue]) -> None:
        """``data`` may hold ``name``, how the customer is told who joined (a Slack agent's
        display name; the agent's id otherwise), and what the agent chose to tell them:
        ``greeting``, their own words, or ``greet: false``, nothing. The built-in greeting is
        said once in a handoff: a claim after a release does not greet the customer again."""
        working = self.working
        if not working.handoff.on_desk:
            self.voice.note("agent", f"{agent} could not take the conversation: it is with the bot")
            return
        if working.handoff.status == "agent" and working.handoff.agent_id == agent:
            return
        given, greeted = data.get("greeting"), working.handoff.greeted
        own = given if isinstance(given, str) and given else None
        says = own is not None or (data.get("greet") is not False and not greeted)
        working.handoff = working.handoff.model_copy(
            update={"status": "agent", "agent_id": agent, "greeted": greeted or says}
        )
        self.voice.note("agent", f"{agent} took the conversation")
        if own is not None:
            self._reply(agent, own)
        elif says:
            self._say(self.flowset.messages["agent_joined"], agent=str(data.get("name") or agent))

    def _reopen(self, agent: str, data: dict[str, JsonValue]) -> None:
        """Silently: the bot stops where it was, and the customer hears from the agent first
        (the desk already holds the conversation for ``agent``). The summary stays what the
        customer came for (``data``'s ``summary`` and ``reason``: the last handoff's, which a
        resolve cleared from the record), with the reopening added to it."""
        working, now = self.working, self.turn.now
        if working.handoff.status == "agent":
            self.voice.note("agent", f"{agent} could not reopen: {working.handoff.agent_id} has it")
            return
        was, given, why = working.handoff, data.get("summary"), data.get("reason")
        summary = dict(given) if isinstance(given, dict) else dict(was.summary)
        summary[REOPENED] = {"by": agent, "at": now.isoformat()}
        reason = why if isinstance(why, str) and why else was.reason or f"reopened by {agent}"
        working.stack, working.awaiting, working.attempts = [], None, 0
        working.handoff = Handoff(
            status="agent", agent_id=agent, since=now, reason=reason, summary=summary
        )
        self.voice.note("agent", f"{agent} reopened the conversation")

    def _reply(self, agent: str, text: str, channel: JsonValue = None) -> None:
        """``channel`` is the one the agent picked (the console checked it reaches the customer);
        without one, the reply goes where every message to a waiting customer goes."""
        self.voice.author = f"agent:{agent}"
        self._deliver([Text(text=text)], channel if isinstance(channel, str) else None)

    def _resolve(self, agent: str, flow: JsonValue) -> str | None:
        self.working.handoff = Handoff()
        self.voice.note("agent", f"{agent} handed the conversation back to the bot")
        self._say(self.flowset.messages["agent_left"])
        return flow if isinstance(flow, str) and flow in self.flowset.flows else None

    def _unavailable(self, available: Availability) -> None:
        customer, desk, messages = self.turn.customer, self.turn.desk, self.flowset.messages
        self._say(messages["handoff_closed"], hours=available.hours if not available.open else None)
        channels = [
            name
            for name in customer.addresses
            if name not in customer.unreachable | customer.opted_out
        ]
        if not desk or not desk.policy.contact_later or not channels:
            self.working.handoff = Handoff()
            return
        speaker = self.voice.speaker(None)
        buttons = [
            Button(title=CHANNEL_NAMES.get(name, name), payload=f"{CONTACT}{name}")
            for name in channels
        ]
        buttons.append(Button(title=speaker.text(as_label(messages["no_thanks"])), payload=CONTACT))
        said = speaker.say(messages["contact_later"])
        self.voice.replies.extend(_with_buttons(said, buttons))

    async def _position(self, message: MessageDef, ahead: int) -> None:
        """Say ``message`` with the customer's place in the queue (``ahead``: places that the
        customer will take once the turn is committed, not queued yet)."""
        desk = self.turn.desk
        position = await desk.position() if desk else None
        if position is None and desk is not None and ahead:
            position = await desk.waiting() + ahead
        self._say(message, position=position)

    def _say(self, message: MessageDef, **extra: Any) -> None:
        """Say a built-in text with ``extra`` in its template context, where the customer is to
        be reached (the channel they asked to be contacted on, if they did)."""
        try:
            said = self.voice.speaker(None, extra=extra).say(message)
        except Exception as exc:  # a designer's template must never cost the turn
            self.voice.note("error", f"a message could not be rendered: {exc}")
            return
        self._deliver(said)

    def _deliver(self, messages: list[Any], chosen: str | None = None) -> None:
        channel = chosen or self.working.handoff.contact_on
        address = self.turn.customer.addresses.get(channel) if channel else None
        if address is not None and (self.turn.address is None or address != self.turn.address):
            self.voice.sends.append(Send(address=address, messages=tuple(messages)))
        else:
            self.voice.replies.extend(messages)


def _with_buttons(said: list[Any], buttons: list[Button]) -> list[Any]:
    for index in range(len(said) - 1, -1, -1):
        if isinstance(said[index], Text):
            text = said[index]
            return [
                *said[:index],
                text.model_copy(update={"buttons": text.buttons + tuple(buttons)}),
            ]
    return said
