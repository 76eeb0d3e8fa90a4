"""Talking to a person, seen from the dialog: handing off, waiting, agents' actions, and back.

- **Handing off** (a ``handoff`` step, the ``human`` intent, a fallback): when somebody can
  answer, the customer waits in the queue with a summary for the agent (the slots collected,
  language, channel); when nobody can (outside ``handoff.hours``, nobody online), they are told
  so and may pick a channel to be contacted on later, while the bot carries on.
- **Waiting**: the bot stays silent; a message is acknowledged with the place in the queue at
  most every ``handoff.acknowledge_minutes``; "never mind" leaves the queue.
- **Agents' actions** (:data:`~bot.desk.handoff.AGENT` events through the turn path): claim, reply,
  note, release, transfer, resolve (back to the bot, optionally into a named flow). A reply
  reaches the customer where they wrote last, or on the channel they asked to be contacted on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from bot.desk.handoff import Availability
from bot.format.outbound import Button, Text
from bot.turn.customer import Handoff
from bot.turn.handler import Send
from dialogs.defaults import CHANNEL_NAMES
from dialogs.parts import MessageDef

if TYPE_CHECKING:
    from dialogs.conversation import Conversation

CONTACT = "contact:"
"""The payload prefix of the buttons that choose a channel to be contacted on later."""


class Handoffs:
    """The handoff part of one turn of a :class:`~dialogs.conversation.Conversation`."""

    def __init__(self, conversation: Conversation) -> None:
        self.c = conversation

    async def hand_off(self, reason: str, say: MessageDef | None, quiet: bool = False) -> None:
        """Pass the conversation to a person, or offer to be contacted later."""
        c = self.c
        summary: dict[str, JsonValue] = {
            "slots": dict(c.slots),
            "language": c.language,
            "channel": c.turn.address.channel if c.turn.address else None,
        }
        c.stack, c.awaiting, c.attempts = [], None, 0
        available = await c.turn.desk.availability() if c.turn.desk else None
        if available is None or available.answered:
            c.handoff = Handoff(status="waiting", since=c.turn.now, reason=reason, summary=summary)
            if not quiet:
                c._say(say if say is not None else c.fs.messages["handoff"])
            await self._position(c.fs.messages["queue_position"], ahead=1)
            c._note("handoff", reason, summary=summary)
            return
        c.handoff = Handoff(reason=reason, summary=summary)
        c._note("handoff", f"{reason}; nobody could answer", summary=summary)
        self._unavailable(available)

    def with_person(self, intent: str | None) -> None:
        """A customer message while waiting or with an agent: the bot stays out of the way."""
        c, handoff = self.c, self.c.handoff
        if intent == "cancel" and handoff.status == "waiting":
            c.handoff = Handoff()
            c._note("handoff", "the customer left the queue")
            c._say(c.fs.messages["handoff_left"])
        elif intent == "human" and handoff.status == "waiting":
            c._say(c.fs.messages["handoff_waiting"])

    async def acknowledge(self) -> None:
        """While waiting, say the message reached the team, at most every so often."""
        c, desk = self.c, self.c.turn.desk
        minutes = desk.policy.acknowledge_minutes if desk else 0
        last = c.handoff.acknowledged_at
        if c.handoff.status != "waiting" or not minutes:
            return
        if last is not None and (c.turn.now - last).total_seconds() < minutes * 60:
            return
        c.handoff = c.handoff.model_copy(update={"acknowledged_at": c.turn.now})
        await self._position(c.fs.messages["handoff_ack"], ahead=0)

    def contact(self, payload: str) -> bool:
        """A button of the contact-later offer; ``True`` if it was one."""
        if not payload.startswith(CONTACT):
            return False
        c = self.c
        channel = payload.removeprefix(CONTACT)
        if channel and channel in c.turn.customer.addresses:
            c.handoff = c.handoff.model_copy(update={"contact_on": channel, "since": c.turn.now})
            c._note("handoff", f"the customer asked to be contacted on {channel}")
            self._say(
                c.fs.messages["contact_later_set"], channel=CHANNEL_NAMES.get(channel, channel)
            )
        else:
            c.handoff = Handoff()
            c._say(c.fs.messages["contact_later_no"])
        return True

    async def agent(self, data: dict[str, JsonValue]) -> None:
        """An agent's action on this conversation."""
        action, agent = str(data.get("action", "")), str(data.get("agent", ""))
        c = self.c
        if action == "note":
            c._note("agent_note", str(data.get("text", "")), agent=agent)
        elif action == "claim":
            self._claim(agent, str(data.get("name") or agent))
        elif c.handoff.status != "agent" or c.handoff.agent_id != agent:
            c._note("agent", f"{agent} may not {action} a conversation they do not hold")
        elif action == "reply":
            self._reply(agent, str(data.get("text", "")))
        elif action == "release":
            c.handoff = c.handoff.model_copy(update={"status": "waiting", "agent_id": None})
            c._note("agent", f"{agent} put the conversation back in the queue")
        elif action == "transfer":
            to = str(data.get("to", ""))
            c.handoff = c.handoff.model_copy(update={"agent_id": to})
            c._note("agent", f"{agent} passed the conversation to {to}")
        elif action == "resolve":
            await self._resolve(agent, data.get("flow"))

    def _claim(self, agent: str, name: str) -> None:
        """``name`` is how the customer is told who joined (a Slack agent's display name; the
        agent's id otherwise)."""
        c = self.c
        if not c.handoff.on_desk:
            c._note("agent", f"{agent} could not take the conversation: it is with the bot")
            return
        if c.handoff.status == "agent" and c.handoff.agent_id == agent:
            return
        c.handoff = c.handoff.model_copy(update={"status": "agent", "agent_id": agent})
        c._note("agent", f"{agent} took the conversation")
        self._say(c.fs.messages["agent_joined"], agent=name)

    def _reply(self, agent: str, text: str) -> None:
        c = self.c
        c.author = f"agent:{agent}"
        self._deliver([Text(text=text)])

    async def _resolve(self, agent: str, flow: JsonValue) -> None:
        c = self.c
        c.handoff = Handoff()
        c._note("agent", f"{agent} handed the conversation back to the bot")
        self._say(c.fs.messages["agent_left"])
        if isinstance(flow, str) and flow in c.fs.flows:
            c._start(flow, digression=False)
            await c._run()

    def _unavailable(self, available: Availability) -> None:
        c = self.c
        self._say(
            c.fs.messages["handoff_closed"], hours=available.hours if not available.open else None
        )
        channels = [
            name
            for name in c.turn.customer.addresses
            if name not in c.turn.customer.unreachable | c.turn.customer.opted_out
        ]
        if not c.turn.desk or not c.turn.desk.policy.contact_later or not channels:
            c.handoff = Handoff()
            return
        speaker = c._speaker(None)
        buttons = [
            Button(title=CHANNEL_NAMES.get(name, name), payload=f"{CONTACT}{name}")
            for name in channels
        ]
        buttons.append(
            Button(title=speaker.text(_single(c.fs.messages["no_thanks"])), payload=CONTACT)
        )
        said = speaker.say(c.fs.messages["contact_later"])
        c.replies.extend(_with_buttons(said, buttons))

    async def _position(self, message: MessageDef, ahead: int) -> None:
        """Say ``message`` with the customer's place in the queue (``ahead``: places that the
        customer will take once the turn is committed, not queued yet)."""
        desk = self.c.turn.desk
        position = await desk.position() if desk else None
        if position is None and desk is not None and ahead:
            position = await desk.waiting() + ahead
        self._say(message, position=position)

    def _say(self, message: MessageDef, **extra: Any) -> None:
        """Say a built-in text with ``extra`` in its template context, where the customer is to
        be reached (the channel they asked to be contacted on, if they did)."""
        c = self.c
        try:
            said = c._speaker(None, extra=extra).say(message)
        except Exception as exc:  # a designer's template must never cost the turn
            c._note("error", f"a message could not be rendered: {exc}")
            return
        self._deliver(said)

    def _deliver(self, messages: list[Any]) -> None:
        c = self.c
        channel = c.handoff.contact_on
        address = c.turn.customer.addresses.get(channel) if channel else None
        if address is not None and (c.turn.address is None or address != c.turn.address):
            c.sends.append(Send(address=address, messages=tuple(messages)))
        else:
            c.replies.extend(messages)


def _single(message: MessageDef) -> str | dict[str, str]:
    return message if isinstance(message, str | dict) else "?"


def _with_buttons(said: list[Any], buttons: list[Button]) -> list[Any]:
    for index in range(len(said) - 1, -1, -1):
        if isinstance(said[index], Text):
            text = said[index]
            return [
                *said[:index],
                text.model_copy(update={"buttons": text.buttons + tuple(buttons)}),
            ]
    return said
