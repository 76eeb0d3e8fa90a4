"""What the conversation says about linking channels (see :mod:`bot.identity.linking`): the
link code offered, the question whether to join another conversation, and notices sent where a
code was asked for."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import JsonValue, ValidationError

from bot.format.messages import Address, SystemEvent
from bot.format.outbound import Button, Text
from bot.turn.handler import Send
from dialogs.actions.builtins import call_builtin
from dialogs.actions.registry import ActionFailed
from dialogs.conversation.runner import Runner
from dialogs.design.content import as_label, attach
from dialogs.design.defaults import CHANNEL_NAMES
from dialogs.design.templates import TemplateError


class LinkMessages:
    """Says the linking messages of one turn."""

    def __init__(self, runner: Runner) -> None:
        self.flowset = runner.flowset
        self.turn = runner.turn
        self.voice = runner.voice

    async def offer(self) -> None:
        """A link code, and the ways to use it on each channel that is on."""
        voice, messages = self.voice, self.flowset.messages
        try:
            called = await call_builtin("link_code", {}, self.turn.linking, voice.code_text)
        except ActionFailed:
            voice.say(messages["link_unavailable"])
            return
        voice.note("linking", called.note or "link code given")
        speaker = voice.speaker(None, extra={"link": called.result})
        try:
            voice.replies.extend(speaker.say(messages["link_offer"]))
        except (TemplateError, ValidationError) as exc:
            voice.note("error", f"the link offer could not be rendered: {exc}")

    def ask_consent(self, event: SystemEvent) -> None:
        """A link code of someone else's was presented here: ask whether to join their
        conversation, telling only where it was asked for and when it started. The answers
        carry the payloads the core gave; nothing else joins (see ``bot.identity.consent``)."""
        data, voice, messages = event.data, self.voice, self.flowset.messages
        if data.get("busy"):
            voice.say(messages["link_busy"])
        zone = ZoneInfo(self.flowset.settings.timezone)
        started = datetime.fromisoformat(str(data.get("started"))).astimezone(zone)
        asked_on = str(data.get("asked_on") or "")
        join = {
            "channel": CHANNEL_NAMES.get(asked_on, asked_on),
            "date": started.date().isoformat(),
            "time": started.strftime("%H:%M"),
            "today": started.date() == self.turn.now.astimezone(zone).date(),
            "timezone": self.flowset.settings.timezone,
        }
        try:
            said = voice.speaker(None, extra={"join": join}).say(messages["link_consent"])
        except (TemplateError, ValidationError) as exc:
            voice.note("error", f"the join question could not be rendered: {exc}")
            said = []
        speaker = voice.speaker(None)
        answers = (
            Button(title=speaker.text(as_label(messages["yes"])), payload=str(data["yes"])),
            Button(title=speaker.text(as_label(messages["no"])), payload=str(data["no"])),
        )
        voice.replies.extend(attach(said or [Text(text="?")], answers, ()))

    def tell_asker(self, event: SystemEvent, message: str) -> None:
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
        said = self.voice.speaker(None).say(self.flowset.messages[message])
        texts = [
            m.model_copy(update={"text": m.text.replace("{channel}", name)})
            if isinstance(m, Text)
            else m
            for m in said
        ]
        self.voice.sends.append(Send(address=address, messages=tuple(texts)))


def _address(value: JsonValue | None) -> Address | None:
    """An address a system event carries, if it is one."""
    if not isinstance(value, dict):
        return None
    try:
        return Address.model_validate(value)
    except ValidationError:
        return None
