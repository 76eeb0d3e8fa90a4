"""Transcript entries: the append-only history of a customer's conversation on every channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, JsonValue, TypeAdapter

from bot.format.messages import InboundEvent, Model, SystemEvent
from bot.format.outbound import OutboundMessage

DeliveryStatus = Literal["sent", "delivered", "read", "failed", "undeliverable", "uncertain"]
"""``uncertain``: the worker sending it stopped mid-way; it may or may not have reached the
channel, and is not sent again (at most once)."""


class InboundEntry(Model):
    """Something the customer (or a system writer) did."""

    type: Literal["in"] = "in"
    at: AwareDatetime
    event: Annotated[InboundEvent | SystemEvent, Field(discriminator="source")]


class OutboundEntry(Model):
    """A message as it was sent to one channel (after rendering); ``to`` is the channel
    identity it went to (``channel:user``), which decides who may be shown it after a join
    (see :mod:`bot.identity.visibility`)."""

    type: Literal["out"] = "out"
    at: AwareDatetime
    message_id: str
    channel: str | None
    author: str = "bot"
    message: OutboundMessage
    to: str | None = None
    purpose: str | None = None
    """The purpose of the turn the business started that sent it (``transactional``,
    ``marketing``); ``None`` for a reply: a late refusal moves only the former
    (:mod:`bot.outreach.moved`)."""


class StatusEntry(Model):
    """What became of an outbound message: delivered, failed, and why."""

    type: Literal["status"] = "status"
    at: AwareDatetime
    message_id: str
    status: DeliveryStatus
    detail: str | None = None


class NoteEntry(Model):
    """Something that happened in the conversation that is not a message (errors, handoffs)."""

    type: Literal["note"] = "note"
    at: AwareDatetime
    kind: str = Field(min_length=1, max_length=64)
    text: str
    data: dict[str, JsonValue] = Field(default_factory=dict)


TranscriptEntry = Annotated[
    InboundEntry | OutboundEntry | StatusEntry | NoteEntry, Field(discriminator="type")
]


@dataclass(frozen=True, slots=True)
class Logged:
    """A transcript entry and its id, which orders entries and marks how far a reader got."""

    id: str
    entry: InboundEntry | OutboundEntry | StatusEntry | NoteEntry


AUTO_ID = "*"
"""A transcript entry id for the backend to assign (the next one, after every existing id)."""


def entry_order(entry_id: str) -> tuple[int, int]:
    """A transcript entry id (``<ms>-<seq>``, as in a Redis stream) as something that sorts."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


TRANSCRIPT_ENTRY: TypeAdapter[InboundEntry | OutboundEntry | StatusEntry | NoteEntry] = TypeAdapter(
    TranscriptEntry
)
