"""Small builders shared by tests, and the memory backends the suites run on (``make_memory``)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.app.metrics import Metrics
from bot.format.capabilities import PLAIN_TEXT, RICH
from bot.format.messages import Address, ChannelIdentity, InboundEvent, SystemEvent
from bot.format.outbound import Button, OutboundMessage, Text
from bot.format.transcript import (
    NoteEntry,
    TranscriptEntry,
)
from bot.turn.customer import CustomerRecord
from bot.turn.delivery import Outlets
from bot.turn.handler import Turn, TurnHandler, TurnOutcome
from bot.turn.pipeline import TurnPipeline
from bot.turn.presence import Presence
from bot.turn.store import Memory, MemoryPolicy
from connectors.loopback import LoopbackConnector
from memory import EmbeddedMemory, EmbeddedPresence
from memory.keys import KeyLayout
from memory.redis.connection import connect
from memory.redis.presence import RedisPresence
from memory.redis.store import RedisMemory
from memory.redis.wire import wire_for
from tests.redis_cluster import OneCustomerPerCommand

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    """The time the test says it is: it starts at the time given (:data:`NOW` when none is) and
    stands still until the test moves it. Called, it is the pipeline's clock; ``seconds`` is the
    same time as a Unix timestamp, for what reads one (a fake vendor API, a link signer)."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def advance(
        self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> None:
        self.now += timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


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


def make_presence(
    kind: str, url: str, namespace: str, clock: Callable[[], float] = time.time
) -> Presence:
    """The open pages on a backend of ``kind`` at ``url`` (as :func:`make_memory`; on the
    cluster, every command checked to stay in one customer's slot)."""
    if kind == "embedded":
        return EmbeddedPresence(clock)
    client = OneCustomerPerCommand.for_url(url) if kind == "cluster" else connect(url)
    return RedisPresence(client, namespace, clock)


def make_memory(
    kind: str,
    url: str,
    namespace: str,
    policy: MemoryPolicy,
    clock: Callable[[], float] = time.time,
) -> Memory:
    """A backend of ``kind`` at ``url``, with ``policy`` (and ``clock`` for what the backend
    timestamps itself): "embedded"; "redis", one server as ``omnibot run`` uses it (the turn
    path on :mod:`memory.redis.wire`); "redis-py", one server with every command through redis-py
    (what a URL the wire does not serve gets); "cluster".

    On the cluster, the client also fails the test at once if a command names the keys of two
    customers (which could share a slot by chance and so pass unnoticed)."""
    if kind == "embedded":
        return EmbeddedMemory(policy, clock)
    if kind == "cluster":
        return RedisMemory(OneCustomerPerCommand.for_url(url), policy, KeyLayout(namespace), clock)
    wire = wire_for(url) if kind == "redis" else None
    return RedisMemory(connect(url), policy, KeyLayout(namespace), clock, wire=wire)


BACKENDS = ("embedded", "redis")
WITH_CLUSTER = (*BACKENDS, "cluster")
EVERY_BACKEND = (*WITH_CLUSTER, "redis-py")


@dataclass
class Worker:
    """One worker: its own memory client, pipeline and channels."""

    memory: Memory
    pipeline: TurnPipeline
    channels: dict[str, LoopbackConnector]
    metrics: Metrics = field(default_factory=Metrics)

    async def settled(self, customer_id: str) -> CustomerRecord:
        """The customer's record once every turn started so far has run."""
        await self.pipeline.join()
        stored = await self.memory.load(customer_id)
        assert stored is not None
        return stored


async def start_worker(
    memory: Memory, handler: TurnHandler = counting, extra: Sequence[LoopbackConnector] = ()
) -> Worker:
    telegram = LoopbackConnector("telegram", RICH)
    sms = LoopbackConnector("sms", PLAIN_TEXT)
    connectors = [telegram, sms, *extra]
    metrics = Metrics()
    pipeline = TurnPipeline(
        memory=memory, handler=handler, outlets=Outlets(connectors), metrics=metrics
    )
    for connector in connectors:
        await connector.start(pipeline)
    return Worker(memory, pipeline, {c.channel: c for c in connectors}, metrics)
