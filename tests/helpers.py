"""Small builders shared by tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from bot.format.messages import Address, ChannelIdentity, InboundEvent
from bot.format.outbound import Button, Text
from bot.format.transcript import NoteEntry
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


OPTIONS = (
    Button(title="Courier", payload="courier"),
    Button(title="Store", payload="store"),
)


async def counting(turn: Turn) -> TurnOutcome:
    """Counts turns in a slot, remembers what each input was, replies with the count."""
    customer = turn.customer
    count = int(customer.slots.get("count", 0)) + 1  # type: ignore[arg-type]
    seen = list(customer.slots.get("seen", []))  # type: ignore[arg-type]
    item = turn.input
    if isinstance(item, InboundEvent):
        if item.text == "boom":
            raise RuntimeError("the handler broke")
        seen.append(f"{item.channel}:{item.kind}:{item.payload or item.text}")
        if item.text == "choose":
            reply = Text(text="How should we send it?", buttons=OPTIONS)
            slots = {**customer.slots, "count": count, "seen": seen}
            return TurnOutcome(customer.model_copy(update={"slots": slots}), replies=(reply,))
    else:
        seen.append(f"system:{item.name}")
    slots = {**customer.slots, "count": count, "seen": seen}
    return TurnOutcome(
        customer=customer.model_copy(update={"slots": slots}),
        replies=(Text(text=f"#{count}"),),
    )
