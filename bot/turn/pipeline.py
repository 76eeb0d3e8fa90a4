"""The turn pipeline: the one path by which anything changes a customer's state.

    submit(event)
      -> resolve the channel identity to a customer id      (cached; one lookup on a miss)
      -> enqueue: deduplicate, append to the inbox, try the lease   (one round trip)
      -> acknowledge the webhook
      -> [background, if the lease was taken] for each input in the inbox, in order:
           interpret the input against the options of the bot's latest message: a typed
             "2" becomes the second one; a press of a button not among them, the typed title
           run the handler on the input and the customer's state
           render the replies for the target channel
           commit state + transcript, drop the input        (one round trip)
           deliver the rendered messages
         release the lease once the inbox is empty          (one round trip)

Inputs from every worker go into the same inbox, and only the lease holder runs turns, so turns
for one customer run one at a time and in arrival order across any number of workers. Replies are
sent only after their turn is committed: a crash before the commit leaves the input queued for the
next lease holder, and nothing was sent yet. A crash after the commit leaves the ids of the
replies being sent in the outbox: the next holder marks them ``uncertain`` and does not send them
again (at most once). :meth:`TurnPipeline.recover` finds customers a dead worker left with work.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import JsonValue

from bot.app.logs import customer_context, hiding
from bot.app.metrics import Metrics
from bot.connector import Outgoing, Submission, SubmitResult
from bot.desk.handoff import DeskKeeper
from bot.desk.insights.accounting import IDLE_CHECK
from bot.desk.insights.recorder import Insights
from bot.errors import DeliveryError, LeaseLost, MemoryUnavailable, Unreachable, WindowClosed
from bot.format.channel_names import channel_name
from bot.format.messages import (
    Address,
    ChannelIdentity,
    InboundEvent,
    SystemEvent,
    VerifiedAttribute,
    utcnow,
)
from bot.format.offered import OfferedOptions, interpret
from bot.format.outbound import OUTBOUND, OutboundMessage, Template, Typing
from bot.format.rendering import render
from bot.format.transcript import (
    DeliveryStatus,
    InboundEntry,
    Logged,
    NoteEntry,
    OutboundEntry,
    StatusEntry,
    TranscriptEntry,
)
from bot.identity.consent import offered_to
from bot.identity.joining import Joined
from bot.identity.link_codes import LinkPolicy
from bot.identity.linking import LINKED, UNLINK, Linker, Notice, TurnLinking, unlinked
from bot.identity.phone_codes import CodeProvider
from bot.identity.resolver import IdentityResolver
from bot.identity.texted_codes import sms_address
from bot.identity.visibility import Page, page
from bot.outreach.consent import MARKETING, TRANSACTIONAL
from bot.outreach.moved import MOVED, moved, moved_event
from bot.outreach.optout import confirmed_by_bot, opted
from bot.outreach.quiet import customer_zone
from bot.outreach.reach import Decision, Deferred, Go, Policy, Reach, Suppressed, is_proactive
from bot.outreach.schedule import Schedule, Timers
from bot.turn.bus import Bus, customer_topic
from bot.turn.customer import CustomerRecord, new_customer_id
from bot.turn.delivery import Outlets
from bot.turn.handler import Send, Turn, TurnHandler, TurnOutcome
from bot.turn.leases import LeaseKeeper
from bot.turn.presence import Presence
from bot.turn.store import Enqueued, EnqueueStatus, Lease, Memory, Queued, TurnInput
from bot.turn.tasks import TaskTracker
from bot.turn.window import REOPEN, Templates, Windows, WindowState, words

log = logging.getLogger("omnibot.pipeline")

UNREACHABLE = "omnibot.unreachable"
"""The system event the pipeline queues when a channel refuses a customer's address; the
pipeline itself handles it (no handler sees it), so it takes the customer's turn like any
other write."""
WINDOW_CLOSED = "omnibot.window_closed"
"""The system event the pipeline queues when a channel refuses free-form messages because its
customer-service window is closed (WhatsApp's 131047): its turn closes the window in the record
and routes what was refused again (a template, or another channel)."""
_STALE_RETRIES = 3
_RETRY_FIRST = 0.05
_RETRY_CAP = 1.0
T = TypeVar("T")
_RESULTS = {
    EnqueueStatus.ACQUIRED: SubmitResult.ACCEPTED,
    EnqueueStatus.QUEUED: SubmitResult.ACCEPTED,
    EnqueueStatus.DUPLICATE: SubmitResult.DUPLICATE,
    EnqueueStatus.FULL: SubmitResult.BUSY,
}


@dataclass(frozen=True, slots=True)
class _Delivery:
    address: Address
    messages: tuple[Outgoing, ...]
    purpose: str = REOPEN
    """Why they go: a proactive turn's purpose, else ``reopen`` (:mod:`bot.outreach.moved`)."""


@dataclass(slots=True)
class _Plan:
    """A decided turn, ready to commit and deliver."""

    customer: CustomerRecord
    entries: list[TranscriptEntry] = field(default_factory=list)
    deliveries: list[_Delivery] = field(default_factory=list)


class TurnPipeline:
    """Runs every customer's turns; see the module docstring for the path they take."""

    def __init__(
        self,
        *,
        memory: Memory,
        handler: TurnHandler,
        outlets: Outlets,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        linking: LinkPolicy | None = None,
        desk: DeskKeeper | None = None,
        code_provider: CodeProvider | None = None,
        bus: Bus | None = None,
        templates: Templates | None = None,
        language: str = "en",
        schedule: Schedule | None = None,
        outreach: Policy | None = None,
        presence: Presence | None = None,
        insights: Insights | None = None,
    ) -> None:
        self._memory = memory
        self._handler = handler
        self._outlets = outlets
        self._metrics = metrics or Metrics()
        self._clock = clock
        self._identities = IdentityResolver(memory)
        self._tasks = TaskTracker()
        self._leases = LeaseKeeper(memory)
        self._worker = worker or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._sequence = itertools.count()
        self._linker = Linker(
            memory, outlets, self._token, linking, code_provider, self._metrics, schedule
        )
        self._desk = desk
        self._bus = bus
        self.windows = Windows(templates or {}, language, outlets.capabilities, outlets.live)
        """Whether free-form messages may go on a channel with a window (WhatsApp's 24
        hours), else what: for replies here, the agent console and outreach."""
        self.timers: Timers | None = schedule
        """Where a deferred proactive turn is scheduled again: the schedule, or (set by the
        composition root) the worker's scheduler, which counts it and wakes the other workers."""
        self._reach = Reach(outreach or Policy(), self.windows, outlets.capabilities, outlets.live)
        self._presence = presence
        self._insights = insights

    async def submit(self, event: InboundEvent) -> Submission:
        """Queue a customer's event durably and schedule its turn.

        Raises :class:`~bot.errors.MemoryUnavailable` if the memory cannot record it, in which
        case nothing was queued and the channel should be asked to retry.
        """
        for _ in range(_STALE_RETRIES):
            customer_id = await self._identities.resolve(event.sender)
            enqueued = await self._memory.enqueue(
                customer_id, event, identity=event.sender, token=self._token()
            )
            if enqueued.status is not EnqueueStatus.STALE:
                return self._queued(customer_id, enqueued, event.channel)
            self._identities.forget(event.sender)
        raise MemoryUnavailable("the identity index kept changing while resolving a customer")

    async def customer_of(self, identity: ChannelIdentity) -> str | None:
        """The customer an identity belongs to, without creating one."""
        return await self._memory.lookup(identity)

    async def entries(self, customer_id: str, after: str | None, limit: int) -> list[Logged]:
        """A customer's transcript entries after ``after`` (the newest ``limit`` if ``None``)."""
        return await self._memory.entries(customer_id, after, limit)

    async def shown(
        self, customer_id: str, identity: ChannelIdentity, after: str | None, limit: int
    ) -> Page:
        """A page of a customer's transcript as ``identity`` may be shown it: its own side's
        entries from before each join, everything since (see :mod:`bot.identity.visibility`)."""
        batch = await self._memory.entries(customer_id, after, limit)
        # The record is read after the entries: a join that rewrote the transcript before they
        # were read is in it (both are written in one step), so no other side's past slips in.
        record = await self._memory.load(customer_id)
        return page(batch, record.joins if record else (), identity.key)

    async def record(self, customer_id: str, statuses: Sequence[StatusEntry]) -> None:
        """Append delivery statuses that arrive after the turn (a channel's delivery report);
        the transcript is append-only, so this needs no lease."""
        await self._memory.append(customer_id, statuses)
        if self._desk is not None:
            await self._desk.touched(customer_id, statuses)

    def window(self, record: CustomerRecord) -> WindowState | None:
        """The customer-service window of the channel ``record``'s customer last wrote on, now
        (``None`` if that channel keeps none): what the agent console shows."""
        return self.windows.state(record, self._clock())

    def now(self) -> datetime:
        """The turns' time (a test's clock in tests)."""
        return self._clock()

    def zone(self, record: CustomerRecord) -> ZoneInfo:
        """The time zone ``record``'s customer lives in (their quiet hours, the time an agent
        gives a follow-up)."""
        return customer_zone(record, self._reach.policy.zone)

    async def notify(self, customer_id: str, event: SystemEvent) -> Submission:
        """Queue a system event (timer, proactive notice) for ``customer_id``'s next turn."""
        enqueued = await self._memory.enqueue(
            customer_id, event, identity=None, token=self._token()
        )
        return self._queued(customer_id, enqueued, "system")

    async def unlink(self, customer_id: str, identity: ChannelIdentity) -> str | None:
        """Separate one channel identity from a customer: it becomes a new customer with no
        history, and the customer's record forgets it (in their next turn). Returns the new
        customer's id, or ``None`` if the identity was not ``customer_id``'s."""
        if await self._memory.lookup(identity) != customer_id:
            return None
        fresh = new_customer_id()
        await self._memory.link(identity, fresh)
        self._identities.forget(identity)
        await self.notify(customer_id, SystemEvent(name=UNLINK, data={"identity": identity.key}))
        return fresh

    async def recover(self, idle: timedelta, limit: int = 100) -> int:
        """Take over customers whose turns a stopped worker left unfinished (inputs queued, or
        replies being sent) and who have been sent nothing for ``idle``; returns how many."""
        taken = 0
        for customer_id in await self._memory.stranded(idle, limit):
            enqueued = await self._memory.recover(customer_id, self._token())
            if enqueued is not None and enqueued.status is EnqueueStatus.ACQUIRED:
                log.info("taking over turns a stopped worker left", extra={"customer": customer_id})
                self._metrics.errors.labels("recovered").inc()
                self._tasks.spawn(self._drain(enqueued), name=f"turns:{customer_id}")
                taken += 1
        return taken

    async def join(self) -> None:
        """Wait until every turn this worker started has finished."""
        await self._tasks.join()

    async def close(self, grace: float = 30.0) -> bool:
        """Finish in-flight turns (up to ``grace`` seconds), then stop renewing leases.

        Turns cut off after the grace period lose nothing: their inputs stay queued until the lease
        expires and another worker, or this one after a restart, takes them.
        """
        finished = await self._tasks.drain(grace)
        await self._leases.close()
        return finished

    def _token(self) -> str:
        return f"{self._worker}:{next(self._sequence)}"

    def _queued(self, customer_id: str, enqueued: Enqueued, channel: str) -> Submission:
        result = _RESULTS[enqueued.status]
        self._metrics.of(self._metrics.inbound, channel, result.value).inc()
        if enqueued.status is EnqueueStatus.ACQUIRED:
            self._tasks.spawn(self._drain(enqueued), name=f"turns:{customer_id}")
        return Submission(result, customer_id)

    async def _drain(self, enqueued: Enqueued) -> None:
        lease: Lease | None = enqueued.lease
        assert lease is not None  # ACQUIRED always carries its lease
        record = enqueued.customer or CustomerRecord.new(lease.customer_id, self._clock())
        queued = enqueued.head
        if enqueued.unsent:
            await self._uncertain(lease.customer_id, enqueued.unsent)
        while lease is not None:
            lease, record, queued = await self._hold(lease, record, queued)

    async def _hold(
        self, lease: Lease, record: CustomerRecord, queued: Queued | None
    ) -> tuple[Lease | None, CustomerRecord, Queued | None]:
        """Run one customer's turns while holding their lease; a join hands over the lease of
        the customer they turned out to be, whose turns go on from here."""
        with customer_context(lease.customer_id), self._leases.holding(lease):
            try:
                if queued is None:
                    queued = await self._persist(lambda: self._memory.release(lease))
                while queued is not None:
                    with hiding(*queued.input.said()):
                        step = await self._turn(lease, record, queued)
                    if isinstance(step, Joined):
                        await self._announce(lease.customer_id)  # its pages follow the join
                        return step.lease, step.customer, None
                    record, queued = step
            except (LeaseLost, MemoryUnavailable) as exc:
                self._metrics.errors.labels("memory").inc()
                log.warning("turn interrupted, its input stays queued: %s", exc)
        return None, record, None

    async def _turn(
        self, lease: Lease, record: CustomerRecord, queued: Queued
    ) -> tuple[CustomerRecord, Queued | None] | Joined:
        started = time.perf_counter()
        item = queued.input
        examined = await self._linker.before(lease, record, self._prepare(record, item))
        if examined.joined is not None:
            return examined.joined
        turn = examined.turn
        channel = turn.address.channel if turn.address else "system"
        delay = (turn.now - item.received_at).total_seconds()
        self._metrics.of(self._metrics.turn_delay_seconds, channel).observe(max(delay, 0.0))
        outcome, failed = await self._decide(turn)
        decision = self._reached(turn, outcome, await self._pages(turn, outcome))
        turn, outcome = await self._follow(lease.customer_id, turn, outcome, decision)
        proven = _proven(turn)
        plan = self._plan(turn, _with_proven(_kept(outcome, turn.customer), proven), item)
        plan.customer = _asked(plan.customer)
        counted = None
        if self._insights is not None:
            sent_on = decision.address.channel if isinstance(decision, Go) else None
            plan.customer, counted = self._insights.account(
                turn.customer, plan.customer, turn.input, plan.entries, sent_on
            )
        sending = [
            o.message_id
            for delivery in plan.deliveries
            for o in delivery.messages
            if not isinstance(o.message, Typing)
        ]
        following = await self._persist(
            lambda: self._memory.commit(lease, queued, plan.customer, plan.entries, sending)
        )
        self._count(decision)
        await self._announce(lease.customer_id, plan.customer)
        delivered = await self._deliver(lease.customer_id, plan.deliveries)
        if self._insights is not None and counted is not None:
            await self._insights.record(lease.customer_id, counted, delivered)
        await self._tell(examined.notices)
        if self._desk is not None:
            await self._desk.committed(record, plan.customer, plan.entries)
        metrics = self._metrics
        metrics.of(metrics.turns, channel, "failed" if failed else "ok").inc()
        metrics.of(metrics.turn_seconds, channel).observe(time.perf_counter() - started)
        if proven:
            joined = await self._linker.after(lease, plan.customer, proven, turn.now)
            if joined is not None:
                return joined
        if following is None:
            following = await self._persist(lambda: self._memory.release(lease))
        return plan.customer, following

    async def _announce(self, customer_id: str, record: CustomerRecord | None = None) -> None:
        """Tell the customer's open pages, on any worker, that their conversation changed,
        whichever channel it changed on (only customers on a channel that keeps pages open
        have any, so nobody else costs a message)."""
        live = record is None or any(self._outlets.live(i.channel) for i in record.identities)
        if self._bus is None or not live:
            return
        try:
            await self._bus.publish(customer_topic(customer_id), b"new")
        except MemoryUnavailable as exc:  # pages catch up on their next notification
            log.warning("could not announce new entries: %s", exc)

    async def _tell(self, notices: Sequence[Notice]) -> None:
        """Queue what a turn has to tell other customers (a code of theirs was not accepted)."""
        for notice in notices:
            try:
                await self.notify(notice.customer_id, notice.event)
            except MemoryUnavailable as exc:
                log.warning("could not queue a %s notice: %s", notice.event.name, exc)

    async def _persist(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run a commit or release, retrying a briefly unreachable memory with capped backoff.

        Safe because both are idempotent; gives up after half a lease, leaving the input queued.
        """
        delay = _RETRY_FIRST
        give_up = time.monotonic() + self._memory.policy.lease.total_seconds() / 2
        while True:
            try:
                return await operation()
            except MemoryUnavailable:
                if time.monotonic() + delay > give_up:
                    raise
                self._metrics.errors.labels("memory_retry").inc()
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_CAP)

    def _prepare(self, record: CustomerRecord, item: TurnInput) -> Turn:
        now = self._clock()
        switched = None
        if isinstance(item, SystemEvent):
            record = _returning(record, item)
            address = record.last_address
        else:
            if record.last_channel not in (None, item.channel):
                switched = record.last_channel
            record = record.seen_at(item.address, now).with_verified(item.verified)
            record = record.named(item.name)
            record = opted(record, item, now)
            item = interpret(offered_to(record.joining, record.offered, item), item)
            address = item.address
        capabilities = self._outlets.capabilities(address.channel) if address else None
        turn = Turn(
            input=item,
            customer=record,
            address=address,
            capabilities=capabilities,
            now=now,
            switched_from=switched,
        )
        desk = self._desk.view(record.id, now) if self._desk else None
        return replace(turn, linking=self._linker.handle(turn), desk=desk)

    async def _decide(self, turn: Turn) -> tuple[TurnOutcome, bool]:
        item = turn.input
        if isinstance(item, SystemEvent) and item.name == UNREACHABLE:
            return _unreachable(turn, item), False
        if isinstance(item, SystemEvent) and item.name == WINDOW_CLOSED:
            return _window_closed(turn, item), False
        if isinstance(item, SystemEvent) and item.name == MOVED:
            return moved(turn, item), False
        if isinstance(item, SystemEvent) and item.name == UNLINK:
            return await unlinked(self._memory, turn, item), False
        if isinstance(item, SystemEvent) and item.name == IDLE_CHECK:
            return TurnOutcome(customer=turn.customer), False  # counted by the insights alone
        try:
            return await self._handler(turn), False
        except Exception:  # a failing handler must cost the customer neither input nor state
            self._metrics.errors.labels("handler").inc()
            log.exception("the turn handler failed; the customer's state is kept")
            note = NoteEntry(at=turn.now, kind="error", text="the turn failed; state was kept")
            return TurnOutcome(customer=turn.customer, notes=(note,)), True

    def _reached(
        self, turn: Turn, outcome: TurnOutcome, pages: frozenset[str] = frozenset()
    ) -> Decision | None:
        """Where and whether the replies of a turn the business started go (one decision per
        turn, :mod:`bot.outreach.reach`); ``None`` for any other turn, or one saying nothing."""
        if self.timers is None or not outcome.replies or not is_proactive(turn.input):
            return None
        purpose = MARKETING if outcome.purpose == MARKETING else TRANSACTIONAL
        said = words(outcome.replies)
        return self._reach.decide(outcome.customer, purpose, turn.now, said, pages)

    async def _pages(self, turn: Turn, outcome: TurnOutcome) -> frozenset[str]:
        """The channels that only show pages (the web chat) on which the customer of a
        proactive turn has one open now: read (one round trip) only for a customer with an
        identity on such a channel; none when the memory cannot tell (taken as closed)."""
        customer = outcome.customer
        if self._presence is None or not outcome.replies or not is_proactive(turn.input):
            return frozenset()
        if not any(self._outlets.live(i.channel) for i in customer.identities):
            return frozenset()
        try:
            return await self._presence.channels(customer.id)
        except MemoryUnavailable as exc:
            log.warning("could not read the customer's open pages, taken as closed: %s", exc)
            return frozenset()

    async def _follow(
        self, customer_id: str, turn: Turn, outcome: TurnOutcome, decision: Decision | None
    ) -> tuple[Turn, TurnOutcome]:
        """The turn and outcome as ``decision`` has them: the replies addressed to the channel
        chosen; or, held back, nothing changed but a note (a deferred turn is scheduled again,
        keyed by its event, so a retried turn schedules it once)."""
        if decision is None:
            return turn, replace(outcome, purpose=None)
        if isinstance(decision, Go):
            purpose = MARKETING if outcome.purpose == MARKETING else TRANSACTIONAL
            state = outcome.customer.outreach.counted(purpose, turn.now)
            customer = outcome.customer.model_copy(update={"outreach": state})
            notes = (*outcome.notes, decision.note)
            kept = replace(outcome, customer=customer, notes=notes, purpose=purpose)
            return replace(turn, address=decision.address), kept
        if isinstance(decision, Deferred) and self.timers is not None:
            assert isinstance(turn.input, SystemEvent)  # only proactive turns are decided
            item = self._reach.deferral(customer_id, turn.input, decision.until, turn.now)
            await self.timers.put(item)
        return turn, TurnOutcome(customer=turn.customer, notes=(decision.note,))

    def _count(self, decision: Decision | None) -> None:
        metrics = self._metrics
        if isinstance(decision, Go):
            metrics.of(metrics.outreach_delivered, decision.address.channel).inc()
        elif isinstance(decision, Suppressed):
            metrics.of(metrics.outreach_suppressed, decision.reason).inc()
        elif isinstance(decision, Deferred):
            metrics.of(metrics.outreach_deferred, decision.reason).inc()

    def _plan(self, turn: Turn, outcome: TurnOutcome, original: TurnInput) -> _Plan:
        # Routing reads none of what the commit stamps (version, time, offered), so the record
        # is copied once, at the end, with all three.
        plan = _Plan(outcome.customer, [InboundEntry(at=turn.now, event=turn.input)])
        plan.entries.extend(_cut_note(turn.input, turn.now))
        plan.entries.extend(_unoffered_note(original, turn.input, turn.now))
        ids = _message_ids(turn.input)
        author = outcome.author
        stamped: dict[str, object] = {"version": turn.customer.version + 1, "updated_at": turn.now}
        if outcome.replies:
            purpose = outcome.purpose or REOPEN
            stamped["offered"] = self._route(
                plan,
                turn.address,
                outcome.replies,
                ids,
                turn.now,
                author,
                purpose,
                confirming=confirmed_by_bot(turn.input),
            )
        for send in outcome.sends:
            self._route(plan, send.address, send.messages, ids, turn.now, author)
        plan.entries.extend(outcome.notes)
        plan.customer = plan.customer.model_copy(update=stamped)
        return plan

    def _route(
        self,
        plan: _Plan,
        address: Address | None,
        messages: Sequence[OutboundMessage],
        ids: Callable[[], str],
        now: datetime,
        author: str = "bot",
        purpose: str = REOPEN,
        confirming: bool = False,
    ) -> OfferedOptions | None:
        capabilities = self._outlets.capabilities(address.channel) if address else None
        if address is not None and capabilities is not None:
            routed = self.windows.route(plan.customer, address, messages, now, purpose)
            plan.entries.extend([routed.note] if routed.note else [])
            if routed.address is None:
                return None
            address, messages = routed.address, routed.messages
            capabilities = self._outlets.capabilities(address.channel)
        silent = plan.customer.unreachable | plan.customer.opted_out
        refused = address is not None and address.channel in silent and not confirming
        if address is None or capabilities is None or refused:
            where = address.channel if address else "no channel"
            why = (
                "the customer opted out"
                if address and address.channel in plan.customer.opted_out
                else "not reachable"
            )
            text = f"{len(messages)} message(s) not sent to {where}: {why}"
            plan.entries.append(NoteEntry(at=now, kind="undeliverable", text=text))
            return None
        rendered = render(messages, capabilities, address.channel)
        outgoing = tuple(Outgoing(ids(), message) for message in rendered.messages)
        plan.entries.extend(
            OutboundEntry(
                at=now,
                message_id=o.message_id,
                channel=address.channel,
                author=author,
                message=o.message,
                to=address.identity.key,
                purpose=None if purpose == REOPEN else purpose,
            )
            for o in outgoing
            if not isinstance(o.message, Typing)
        )
        plan.deliveries.append(_Delivery(address, outgoing, purpose))
        return rendered.offered

    async def _deliver(self, customer_id: str, deliveries: Sequence[_Delivery]) -> bool:
        """Send what a committed turn decided; whether every channel took its messages."""
        delivered = True
        for delivery in deliveries:
            channel = delivery.address.channel
            try:
                await self._outlets.send(delivery.address, delivery.messages)
            except DeliveryError as exc:
                self._metrics.deliveries.labels(channel, "failed").inc(len(delivery.messages))
                log.warning("delivery to %s failed: %s", channel, exc)
                delivered = False
                await self._record_failure(customer_id, delivery, exc)
                if isinstance(exc, WindowClosed):
                    await self.notify(customer_id, _refused_outside(delivery, exc))
                elif isinstance(exc, Unreachable):
                    data: dict[str, JsonValue] = {"channel": channel, "reason": str(exc)}
                    event = SystemEvent(name=UNREACHABLE, data=data)
                    await self.notify(customer_id, event)
                    await self._move(customer_id, delivery, exc)
            else:
                sent = self._metrics.of(self._metrics.deliveries, channel, "sent")
                sent.inc(len(delivery.messages))
        return delivered

    async def _move(self, customer_id: str, delivery: _Delivery, error: Unreachable) -> None:
        """Queue what an unreachable channel refused of a proactive turn for the customer's
        next channel, once (:mod:`bot.outreach.moved`)."""
        sent = {receipt.message_id for receipt in error.sent}
        channel = delivery.address.channel
        event = moved_event(channel, delivery.purpose, delivery.messages, str(error), sent)
        if event is not None:
            await self.notify(customer_id, event)

    async def _uncertain(self, customer_id: str, message_ids: Sequence[str]) -> None:
        """A worker stopped while sending these: they may or may not have gone out, and are not
        sent again."""
        self._metrics.deliveries.labels("unknown", "uncertain").inc(len(message_ids))
        log.warning("%d message(s) were being sent when a worker stopped", len(message_ids))
        detail = "the worker sending it stopped; not sent again"
        await self._mark(customer_id, message_ids, "uncertain", detail)

    async def _record_failure(
        self, customer_id: str, delivery: _Delivery, error: DeliveryError
    ) -> None:
        delivered = {receipt.message_id for receipt in error.sent}
        failed = [
            o.message_id
            for o in delivery.messages
            if not isinstance(o.message, Typing) and o.message_id not in delivered
        ]
        await self._mark(customer_id, failed, "failed", str(error))

    async def _mark(
        self, customer_id: str, message_ids: Sequence[str], status: DeliveryStatus, detail: str
    ) -> None:
        """Record what became of messages after their turn (the transcript is append-only)."""
        now = self._clock()
        entries = [
            StatusEntry(at=now, message_id=mid, status=status, detail=detail) for mid in message_ids
        ]
        try:
            await self._memory.append(customer_id, entries)
        except MemoryUnavailable as exc:
            log.warning("could not record %s deliveries: %s", status, exc)


def _unreachable(turn: Turn, event: SystemEvent) -> TurnOutcome:
    """Remember that the customer's address on a channel refuses messages, until they write
    from it again (see :meth:`CustomerRecord.seen_at`)."""
    channel = str(event.data.get("channel", ""))
    customer = turn.customer.model_copy(
        update={"unreachable": turn.customer.unreachable | {channel}}
    )
    name = channel_name(channel)
    text = f"{name} refuses messages to this customer: {event.data.get('reason', '')}"
    return TurnOutcome(
        customer=customer, notes=(NoteEntry(at=turn.now, kind="unreachable", text=text),)
    )


def _refused_outside(delivery: _Delivery, error: WindowClosed) -> SystemEvent:
    """The event that routes again what a channel refused because its window is closed (not
    what it had accepted, nor a template, which a closed window lets through)."""
    sent = {receipt.message_id for receipt in error.sent}
    refused = [
        OUTBOUND.dump_python(o.message, mode="json")
        for o in delivery.messages
        if o.message_id not in sent and not isinstance(o.message, Typing | Template)
    ]
    data: dict[str, JsonValue] = {
        "channel": delivery.address.channel,
        "reason": str(error),
        "messages": refused,
    }
    return SystemEvent(name=WINDOW_CLOSED, data=data)


def _window_closed(turn: Turn, event: SystemEvent) -> TurnOutcome:
    """The channel's window is closed whatever the record said: close it there, and send what
    it refused the way a closed window allows (see :mod:`bot.turn.window`)."""
    channel = str(event.data.get("channel", ""))
    customer = turn.customer.window_closed(channel)
    name, why = channel_name(channel), event.data.get("reason")
    text = f"{name} refused free-form messages, its window is closed: {why}"
    notes = (NoteEntry(at=turn.now, kind="window", text=text),)
    address = customer.addresses.get(channel)
    raw = event.data.get("messages")
    messages = tuple(OUTBOUND.validate_python(m) for m in raw) if isinstance(raw, list) else ()
    sends = (Send(address, messages),) if address is not None and messages else ()
    return TurnOutcome(customer=customer, sends=sends, notes=notes)


def _returning(record: CustomerRecord, event: SystemEvent) -> CustomerRecord:
    """A ``linked`` event is answered where the customer presented the code: that channel is
    now the one they are on."""
    channel = event.data.get("channel")
    if event.name != LINKED or not isinstance(channel, str) or channel not in record.addresses:
        return record
    return record.model_copy(update={"last_channel": channel})


def _kept(outcome: TurnOutcome, before: CustomerRecord) -> TurnOutcome:
    """The outcome with what only the core decides as the core left it: a join waiting for the
    customer's yes and the marks of past joins (no handler can make up either)."""
    if outcome.customer.joining is before.joining and outcome.customer.joins is before.joins:
        return outcome  # untouched, as from every handler that copies the record it was given
    customer = outcome.customer.model_copy(
        update={"joining": before.joining, "joins": before.joins}
    )
    return replace(outcome, customer=customer)


def _asked(customer: CustomerRecord) -> CustomerRecord:
    """The record with the answers of a join question just asked remembered with it."""
    if customer.joining is None or customer.joining.answers is not None:
        return customer
    return customer.model_copy(update={"joining": customer.joining.shown(customer.offered)})


def _proven(turn: Turn) -> tuple[VerifiedAttribute, ...]:
    return tuple(turn.linking.proven) if isinstance(turn.linking, TurnLinking) else ()


def _with_proven(outcome: TurnOutcome, proven: Sequence[VerifiedAttribute]) -> TurnOutcome:
    """The outcome with what the customer proved this turn among their verified attributes;
    only the pipeline adds these, from the checks it ran itself. A proven phone can be texted
    from now on."""
    if not proven:
        return outcome
    customer = outcome.customer.with_verified(tuple(proven))
    addresses = dict(customer.addresses)
    for attribute in proven:
        if attribute.kind == "phone" and "sms" not in addresses:
            addresses["sms"] = sms_address(attribute.value)
    return replace(outcome, customer=customer.model_copy(update={"addresses": addresses}))


def _cut_note(item: TurnInput, now: datetime) -> list[TranscriptEntry]:
    """A note that the customer's message was cut to fit the limits, if it was."""
    if isinstance(item, InboundEvent) and item.cut is not None:
        return [NoteEntry(at=now, kind="cut", text=item.cut.describe())]
    return []


def _unoffered_note(original: TurnInput, read: TurnInput, now: datetime) -> list[TranscriptEntry]:
    """A note that a press of a button the bot had not offered was read as typed text."""
    if not isinstance(original, InboundEvent) or original.kind != "button":
        return []
    if (
        isinstance(read, InboundEvent)
        and read.kind == "button"
        and read.payload == original.payload
    ):
        return []
    text = "a press of a button the bot's latest message did not offer was read as typed text"
    return [NoteEntry(at=now, kind="unoffered_press", text=text)]


def _message_ids(item: TurnInput) -> Callable[[], str]:
    """Message ids derived from the input's own id, so a retried turn reuses them."""
    origin = item.channel if isinstance(item, InboundEvent) else "system"
    seed = f"{origin}:{item.event_id}" if item.event_id else secrets.token_hex(8)
    stem = hashlib.blake2b(seed.encode(), digest_size=6).hexdigest()
    counter = itertools.count(1)
    return lambda: f"{stem}.{next(counter)}"
