"""Handing conversations to people: the desk's side of the turn pipeline.

Handoff is a state of the customer's record (:class:`~bot.turn.customer.Handoff`): bot, waiting,
with an agent, back to the bot. The dialog changes it (a handoff step, the "talk to a person"
intent, a fallback) and agents change it with :data:`AGENT` events, which go through the same
per-customer turn path as everything else. After every committed turn, :class:`DeskKeeper`
keeps the desk (the queue agents see) in step with the record, remembers the conversation's
digest at its boundaries (:mod:`bot.desk.threads`: for the console's filters and search), tells
consoles on every worker what changed (the bus), and tells other desks (Slack) what happened.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import JsonValue

from bot.desk.config import HandoffSection
from bot.desk.store import Desk
from bot.desk.summary import Summariser, plain
from bot.desk.threads import by_agent, thread_of
from bot.errors import MemoryUnavailable
from bot.format.messages import SystemEvent
from bot.format.transcript import InboundEntry, StatusEntry, TranscriptEntry
from bot.turn.bus import Bus
from bot.turn.customer import CustomerRecord, Handoff

log = logging.getLogger("omnibot.desk")

AGENT = "omnibot.agent"
"""The system event of an agent's action: ``data`` holds ``action`` (``claim``, ``reply``,
``note``, ``release``, ``transfer``, ``resolve``, ``reopen``), ``agent`` and, by action,
``text``, ``to`` or ``flow``; a ``claim`` may carry ``name``, how the customer is told who
joined (a Slack agent's display name), which defaults to ``agent``, and ``greeting`` (the
agent's own words instead of the bot's greeting) or ``greet: false`` (no greeting)."""
DESK_TOPIC = "desk"
"""Bus topic: the queue changed; or, as ``said:`` and the customer's id, a customer on the desk
wrote (for the consoles' unread markers, without fetching the queue again)."""
SAID = b"said:"
PRESENCE = timedelta(seconds=90)
"""How long an agent counts as online after the console last said so."""


TYPING = b"typing"
"""The message on a conversation's topic that says the customer is typing (channels that
report it: the web chat); any other message there says the conversation has something new."""


def conversation_topic(customer_id: str) -> str:
    """Bus topic: a conversation on the desk has something new, or its customer is typing."""
    return f"desk:{customer_id}"


def customer_wrote(entries: Sequence[TranscriptEntry]) -> bool:
    """Whether a turn carried something the customer did: not an agent's action nor a timer,
    which every turn records as its input too (the consoles' unread markers count only the
    customer)."""
    return any(
        isinstance(entry, InboundEntry) and not isinstance(entry.event, SystemEvent)
        for entry in entries
    )


def agent_event(action: str, agent: str, **data: JsonValue) -> SystemEvent:
    """The event of an agent's action, for :meth:`TurnPipeline.notify`."""
    return SystemEvent(name=AGENT, data={"action": action, "agent": agent, **data})


class DeskChannel(Protocol):
    """Somewhere else agents work (a Slack channel): told about conversations on the desk."""

    async def opened(self, customer: CustomerRecord) -> None:
        """A conversation came onto the desk."""
        ...

    async def said(self, customer: CustomerRecord, entries: Sequence[TranscriptEntry]) -> None:
        """A conversation on the desk has new transcript entries."""
        ...

    async def closed(self, customer: CustomerRecord) -> None:
        """A conversation went back to the bot."""
        ...

    async def delivered(self, customer_id: str, statuses: Sequence[StatusEntry]) -> None:
        """What became of messages sent to a customer (a channel's delivery report came)."""
        ...


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether a person can answer now: within the hours, and someone there to answer."""

    open: bool
    staffed: bool
    hours: str | None

    @property
    def answered(self) -> bool:
        """Somebody will answer soon."""
        return self.open and self.staffed


class DeskView:
    """What the dialog may ask the desk during one customer's turn."""

    def __init__(self, keeper: DeskKeeper, customer_id: str, now: datetime) -> None:
        self._keeper = keeper
        self._customer_id = customer_id
        self._now = now

    async def position(self) -> int | None:
        """The customer's place in the queue, from 1, when waiting."""
        try:
            return await self._keeper.desk.position(self._customer_id)
        except MemoryUnavailable:
            return None

    async def waiting(self) -> int:
        """How many conversations wait in the queue."""
        try:
            return len(await self._keeper.desk.waiting(10_000))
        except MemoryUnavailable:
            return 0

    async def availability(self) -> Availability:
        """Whether a person can answer now."""
        return await self._keeper.availability(self._now)

    @property
    def policy(self) -> HandoffSection:
        """``bot.yaml``'s ``handoff`` section."""
        return self._keeper.policy


class DeskKeeper:
    """Keeps the desk in step with customers' records; see the module docstring."""

    def __init__(
        self,
        desk: Desk,
        bus: Bus,
        policy: HandoffSection | None = None,
        channels: Sequence[DeskChannel] = (),
        summarise: Summariser = plain,
    ) -> None:
        self.desk = desk
        self.policy = policy or HandoffSection()
        self.summarise = summarise
        """Reads a handoff's summary in the flows' words, for desks that show it (Slack)."""
        self._bus = bus
        self._channels = list(channels)

    def add_channel(self, channel: DeskChannel) -> None:
        """Tell ``channel`` about the desk from now on (a connector that is also a desk)."""
        self._channels.append(channel)

    def view(self, customer_id: str, now: datetime) -> DeskView:
        """What the dialog may ask during ``customer_id``'s turn."""
        return DeskView(self, customer_id, now)

    async def availability(self, now: datetime) -> Availability:
        """Open hours, and an agent online (or a desk channel, where agents always see it)."""
        hours = self.policy.hours.describe() if self.policy.hours else None
        open_now = self.policy.open_at(now)
        staffed = bool(self._channels)
        if open_now and not staffed:
            try:
                staffed = bool(await self.desk.online())
            except MemoryUnavailable:
                staffed = False
        return Availability(open_now, staffed, hours)

    async def committed(
        self, before: CustomerRecord, after: CustomerRecord, entries: Sequence[TranscriptEntry]
    ) -> None:
        """After a committed turn: queue, withdraw, publish, tell desk channels."""
        was, now = before.handoff, after.handoff
        if not (was.on_desk or now.on_desk):
            return
        try:
            await self._follow(after, was, now)
            if _moved(was, now) or by_agent(entries):
                at = max((entry.at for entry in entries), default=after.updated_at)
                await self.desk.put_thread(thread_of(before, after, at))
        except MemoryUnavailable as exc:
            log.warning("the desk could not follow a handoff change: %s", exc)
        await self._publish(after.id, changed=_moved(was, now))
        if now.on_desk and customer_wrote(entries):
            with contextlib.suppress(MemoryUnavailable):
                await self._bus.publish(DESK_TOPIC, SAID + after.id.encode())
        await self._tell(before, after, entries)

    async def touched(self, customer_id: str, statuses: Sequence[StatusEntry] = ()) -> None:
        """A transcript grew outside a turn (delivery statuses came): consoles watching that
        conversation fetch it again, and desk channels are told."""
        await self._publish(customer_id, changed=False)
        if not statuses:
            return
        for channel in self._channels:
            try:
                await channel.delivered(customer_id, statuses)
            except Exception:  # another desk's failure must not cost the report anything
                log.exception("a desk channel failed; the conversation is on the console still")

    async def _follow(self, record: CustomerRecord, was: Handoff, now: Handoff) -> None:
        if now.on_desk and now.status != "agent":
            since = (now.since or record.updated_at).timestamp()
            await self.desk.enqueue(record.id, since)
        elif not now.on_desk and was.on_desk:
            await self.desk.withdraw(record.id)

    async def _publish(self, customer_id: str, changed: bool) -> None:
        try:
            await self._bus.publish(conversation_topic(customer_id), b"new")
            if changed:
                await self._bus.publish(DESK_TOPIC, customer_id.encode())
        except MemoryUnavailable as exc:
            log.warning("consoles were not told of a change: %s", exc)

    async def _tell(
        self, before: CustomerRecord, after: CustomerRecord, entries: Sequence[TranscriptEntry]
    ) -> None:
        was, now = before.handoff, after.handoff
        for channel in self._channels:
            try:
                if now.on_desk and not was.on_desk:
                    await channel.opened(after)
                elif now.on_desk:
                    await channel.said(after, entries)
                elif was.on_desk:
                    await channel.closed(after)
            except Exception:  # another desk's failure must not cost this turn anything
                log.exception("a desk channel failed; the conversation is on the console still")


def _moved(was: Handoff, now: Handoff) -> bool:
    return (was.status, was.agent_id, was.contact_on) != (now.status, now.agent_id, now.contact_on)
