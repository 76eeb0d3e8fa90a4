"""What a turn says, and where: designers' messages rendered for this customer, notes kept."""

from __future__ import annotations

from typing import Any

from pydantic import JsonValue, ValidationError

from bot.format.messages import InboundEvent
from bot.format.outbound import Button, OutboundMessage, Text
from bot.format.transcript import NoteEntry
from bot.turn.handler import Send, Turn
from dialogs.conversation.working import Working
from dialogs.design.content import FLOW, Speaker, as_label, attach
from dialogs.design.flowset import FlowSet
from dialogs.design.parts import ButtonDef, MessageDef
from dialogs.design.templates import TemplateError
from dialogs.nlu.slots import SlotDef


class Voice:
    """The replies of one turn, the sends to the customer's other channels, the notes for the
    transcript, and who speaks (the bot, or an agent whose reply the bot passes on).

    Messages are rendered in the customer's language, with the turn's template context: the
    slots, the profile, the channel, the input, the date, and the business event of a flow one
    started.
    """

    def __init__(self, flowset: FlowSet, turn: Turn, working: Working) -> None:
        self.flowset = flowset
        self.turn = turn
        self.working = working
        self.replies: list[OutboundMessage] = []
        self.sends: list[Send] = []
        self.notes: list[NoteEntry] = []
        self.author = "bot"
        self.flows: set[str] = set()
        """The flows whose messages this turn says (whose ``purpose`` a proactive turn has)."""

    def context(self) -> dict[str, Any]:
        """What templates and conditions see."""
        caps = self.turn.capabilities
        item = self.turn.input
        event = item if isinstance(item, InboundEvent) else None
        return {
            "slots": self.working.slots,
            "profile": self.working.profile,
            "language": self.working.language,
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
            **({"event": held} if (held := self.working.event()) is not None else {}),
        }

    def speaker(self, flow: str | None, extra: dict[str, Any] | None = None) -> Speaker:
        """A speaker for the messages of flow ``flow`` (``None``: built-in ones), with ``extra``
        in the template context."""
        if flow is not None:
            self.flows.add(flow)
        return Speaker(
            self.flowset.templates,
            self.working.language,
            self.flowset.default_language,
            {**self.context(), **(extra or {})},
            flow,
        )

    def render(self, message: MessageDef, flow: str | None) -> list[OutboundMessage]:
        """``message`` rendered; one that cannot be is noted, and says nothing."""
        try:
            return self.speaker(flow).say(message)
        except (TemplateError, ValidationError) as exc:
            self.note("error", f"a message could not be rendered: {exc}")
            return []

    def say(
        self,
        message: MessageDef | None,
        flow: str | None = None,
        extra: list[Button] | None = None,
    ) -> None:
        """Reply with ``message`` (and ``extra`` buttons on its last text)."""
        if message is None:
            return
        said = self.render(message, flow)
        self.replies.extend(attach(said, tuple(extra or ()), ()) if extra else said)

    def send(self, channel: str, message: MessageDef, flow: str) -> None:
        """Say something on another of the customer's channels, where they can be reached."""
        address = self.turn.customer.addresses.get(channel)
        if address is None:
            self.note("undeliverable", f"the customer has never written on {channel}")
            return
        said = self.render(message, flow)
        if said:
            self.sends.append(Send(address=address, messages=tuple(said)))

    def pose(
        self,
        flow: str,
        name: str,
        prompt: MessageDef | None,
        buttons: list[ButtonDef],
        slot: SlotDef,
    ) -> None:
        """Ask for slot ``name``: ``prompt`` (else the slot's, else the built-in one naming the
        slot), with ``buttons`` (else a choice slot's options) and the slot type's quick
        replies."""
        prompt = prompt or slot.prompt
        said: list[OutboundMessage]
        if prompt is None:
            said = [
                m.model_copy(update={"text": m.text.replace("{slot}", name.replace("_", " "))})
                if isinstance(m, Text)
                else m
                for m in self.speaker(flow).say(self.flowset.messages["ask"])
            ]
        else:
            said = self.render(prompt, flow)
        speaker = self.speaker(flow)
        attached = [speaker.button(b) for b in buttons] or self._options(slot)
        quick = self._quick_replies(slot)
        self.replies.extend(attach(said, tuple(attached), tuple(quick)))

    def code_text(self, code: str, minutes: int) -> str:
        """The text message carrying a one-time code, in the customer's language."""
        said = self.speaker(None).say(self.flowset.messages["code_sms"])
        text = " ".join(m.text for m in said if isinstance(m, Text))
        return text.replace("{code}", code).replace("{minutes}", str(minutes))

    def menu(self) -> list[Button]:
        """A button for each flow offered in help and fallback messages."""
        speaker = self.speaker(None)
        return [
            Button(title=speaker.text(flow.definition.title), payload=f"{FLOW}{flow.name}")
            for flow in self.flowset.menu()
            if flow.definition.title is not None
        ]

    def note(self, kind: str, text: str, **data: JsonValue) -> None:
        """A note for the transcript."""
        self.notes.append(NoteEntry(at=self.turn.now, kind=kind, text=text, data=data))

    def _options(self, slot: SlotDef) -> list[Button]:
        if slot.type != "choice":
            return []
        speaker = self.speaker(None)
        return [
            Button(title=speaker.text(o.title) or o.value, payload=o.value) for o in slot.options
        ]

    def _quick_replies(self, slot: SlotDef) -> list[Button]:
        speaker = self.speaker(None)
        messages = self.flowset.messages
        if slot.type == "yes_no":
            return [
                Button(title=speaker.text(as_label(messages["yes"])), payload="yes"),
                Button(title=speaker.text(as_label(messages["no"])), payload="no"),
            ]
        if slot.type == "phone":
            title = speaker.text(as_label(messages["share_phone"]))
            return [Button(title=title, kind="share_phone")]
        return []
