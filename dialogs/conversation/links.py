"""What the conversation says about linking channels (see :mod:`bot.identity.linking`): the
link code offered (and, asked for by e-mail, an invitation mailed to the address the customer
gave), the question whether to join another conversation, notices sent where a code was asked
for, and the offer to continue by e-mail after an e-mail address is given."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import JsonValue, ValidationError

from bot.format.messages import Address, InboundEvent, SystemEvent
from bot.format.outbound import Button, Text
from bot.turn.handler import Send
from dialogs.actions.builtins import call_builtin
from dialogs.actions.registry import ActionFailed
from dialogs.conversation.runner import Runner
from dialogs.design.content import as_label, attach
from dialogs.design.defaults import CHANNEL_NAMES
from dialogs.design.templates import TemplateError

EMAIL = "email"
_OWED = "email-owed"
"""In ``offered``: an address was given while a question was pending; the offer is still due."""
_BY_EMAIL = re.compile(r"\be[- ]?mail\b", re.IGNORECASE)
"""Asking to continue by e-mail, rather than anywhere ("continue by e-mail", "me manda por
email")."""


class LinkMessages:
    """Says the linking messages of one turn."""

    def __init__(self, runner: Runner) -> None:
        self.flowset = runner.flowset
        self.turn = runner.turn
        self.voice = runner.voice
        self.working = runner.working

    async def offer(self) -> None:
        """A link code, and the ways to use it on each channel that is on; asked for by
        e-mail, also an invitation mailed to the address the customer gave (if any)."""
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
        if _BY_EMAIL.search(self._said()) and self._elsewhere():
            await self._invite_by_email()

    async def _invite_by_email(self) -> None:
        """Mail the address the customer typed an invitation whose reply presents this turn's
        code (see :mod:`bot.identity.invitations` for when it may go), and say so."""
        linking, voice, messages = self.turn.linking, self.voice, self.flowset.messages
        contact = self._typed_email()
        if contact is None or linking is None:
            return
        invitation = await linking.invite(EMAIL, contact)
        to = masked_email(contact)
        if invitation.address is None:
            voice.note("linking", f"no e-mail invitation to {to}: {invitation.outcome.value}")
            return
        said = voice.render(messages["email_invitation"], None)
        if not said:
            return
        voice.sends.append(Send(address=invitation.address, messages=tuple(said)))
        voice.note("linking", f"e-mail invitation to {to}")
        try:
            voice.replies.extend(
                voice.speaker(None, extra={"invited": {"to": to}}).say(messages["email_invited"])
            )
        except (TemplateError, ValidationError) as exc:
            voice.note("error", f"the invitation notice could not be rendered: {exc}")

    def email_offer(self) -> None:
        """Once a conversation, after the customer gave an e-mail address in a slot on another
        channel and e-mail is on: they can continue by e-mail. Said at the end of a turn that
        leaves no question pending (when the flow is done), never in the middle of one: an
        address given while the flow still asks is remembered (``email-owed``) until then."""
        turn, working = self.turn, self.working
        if EMAIL in working.offered or not self._elsewhere() or EMAIL in turn.customer.addresses:
            return
        if turn.linking is None or EMAIL not in turn.linking.channels:
            return
        owed = _OWED in working.offered
        if not owed and not working.given.intersection(self._emails()):
            return
        if working.awaiting is not None:
            if not owed:
                working.offered = (*working.offered, _OWED)
            return
        working.offered = (*(c for c in working.offered if c != _OWED), EMAIL)
        self.voice.replies.extend(self.voice.render(self.flowset.messages["email_offer"], None))

    def _elsewhere(self) -> bool:
        """Whether the customer writes from a channel other than e-mail."""
        return self.turn.address is not None and self.turn.address.channel != EMAIL

    def _said(self) -> str:
        item = self.turn.input
        return (item.text or "") if isinstance(item, InboundEvent) else ""

    def _emails(self) -> list[str]:
        """The bot's slots of type ``email``."""
        return [name for name, slot in self.flowset.slots.items() if slot.type == "email"]

    def _typed_email(self) -> str | None:
        """The e-mail address the customer gave in this conversation, else one remembered."""
        for values in (self.working.slots, self.working.profile):
            for name in self._emails():
                value = values.get(name)
                if isinstance(value, str) and value:
                    return value
        return None

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


def masked_email(address: str) -> str:
    """An e-mail address for messages and transcripts: ``a•••@example.com``."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}"


def _address(value: JsonValue | None) -> Address | None:
    """An address a system event carries, if it is one."""
    if not isinstance(value, dict):
        return None
    try:
        return Address.model_validate(value)
    except ValidationError:
        return None
