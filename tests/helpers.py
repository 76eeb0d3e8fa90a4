"""Small builders shared by tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from bot.format.messages import Address, ChannelIdentity, InboundEvent, SystemEvent
from bot.format.outbound import Button, OutboundMessage, Text
from bot.format.transcript import NoteEntry, TranscriptEntry
from bot.turn.customer import CustomerRecord
from bot.turn.handler import Turn, TurnOutcome

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def identity(user: str = "u1", channel: str = "telegram") -> ChannelIdentity:
    return ChannelIdentity(channel=channel, user_id=user)


def text_event(
    text: str = "hi", event_id: str = "e1", user: str = "u1", channel: str = "telegram"
) -> InboundEvent:
    address = Address(channel=channel, user_id=user, conversation_id=user)
    return InboundEvent(event_id=event_id, channel=channel, address=address, kind="text", text=text)


def anonymous_user(session: str) -> str:
    """The web chat user id of an anonymous session: a digest of its token, which is all the
    web chat keeps of it (``connectors/webchat/socket.py``)."""
    return "s:" + hashlib.sha256(session.encode()).hexdigest()[:32]


def record(customer_id: str, **slots: object) -> CustomerRecord:
    return CustomerRecord.new(customer_id, NOW).model_copy(update={"slots": dict(slots)})


def note(text: str) -> NoteEntry:
    return NoteEntry(at=NOW, kind="test", text=text)


def inbound(event: InboundEvent | SystemEvent) -> InboundEvent:
    """``event``, which a test expects to be a customer's (it fails on a system event)."""
    assert isinstance(event, InboundEvent), event
    return event


def text_of(message: OutboundMessage) -> str:
    """The text of a message the bot sent, which a test expects to be a text."""
    assert isinstance(message, Text), message
    return message.text


def note_text(entry: TranscriptEntry) -> str:
    """The text of a transcript entry, which a test expects to be a note."""
    assert isinstance(entry, NoteEntry), entry
    return entry.text


OPTIONS = (
    Button(title="Courier", payload="courier"),
    Button(title="Store", payload="store"),
)


def seen(record: CustomerRecord) -> list[str]:
    """What :func:`counting` noted of each input of ``record``'s customer, in order: the
    channel, the kind and the payload or text (``telegram:text:hi``)."""
    noted = record.slots.get("seen", [])
    assert isinstance(noted, list)
    texts = [item for item in noted if isinstance(item, str)]
    assert len(texts) == len(noted)
    return texts


async def counting(turn: Turn) -> TurnOutcome:
    """Counts turns in a slot, remembers what each input was, replies with the count."""
    customer = turn.customer
    count = customer.slots.get("count", 0)
    assert isinstance(count, int)
    count += 1
    noted = seen(customer)
    item = turn.input
    if isinstance(item, InboundEvent):
        if item.text == "boom":
            raise RuntimeError("the handler broke")
        noted.append(f"{item.channel}:{item.kind}:{item.payload or item.text}")
        if item.text == "choose":
            reply = Text(text="How should we send it?", buttons=OPTIONS)
            slots = {**customer.slots, "count": count, "seen": noted}
            return TurnOutcome(customer.model_copy(update={"slots": slots}), replies=(reply,))
    else:
        noted.append(f"system:{item.name}")
    slots = {**customer.slots, "count": count, "seen": noted}
    return TurnOutcome(
        customer=customer.model_copy(update={"slots": slots}),
        replies=(Text(text=f"#{count}"),),
    )
