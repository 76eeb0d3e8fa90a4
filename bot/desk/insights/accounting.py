"""Counting a turn for the insights: a pure function of the record before and after the turn.

Most turns count nothing and only move ``last_at`` in the record (which the turn commits anyway).
A turn counts at a conversation's boundaries: the customer's first message (a conversation, and a
re-contact of the one before), a handoff, an agent's first reply, the desk letting go of it, an
idle check finding it left (contained or abandoned), a proactive message sent or answered. The
definitions are in ``docs/agents.md``, "Insights for managers".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import JsonValue

from bot.desk.insights import fields
from bot.desk.insights.marks import InsightMarks, Reached, Visit
from bot.format.messages import InboundEvent, SystemEvent
from bot.format.transcript import OutboundEntry, TranscriptEntry
from bot.turn.customer import CustomerRecord

IDLE_CHECK = "omnibot.insights_idle"
"""The system event of the idle check: the pipeline takes it (no handler sees it)."""


@dataclass(frozen=True, slots=True)
class InsightPolicy:
    """``idle``: a conversation whose customer has not written for this long is over (contained,
    or abandoned if left inside a flow); ``recontact``: a conversation starting this soon after
    the customer's previous one ended re-contacts it; ``answer``: a customer's message this soon
    after a proactive one answers it; ``zone``: the days' time zone (the bot's)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    idle: timedelta = timedelta(hours=24)
    recontact: timedelta = timedelta(days=7)
    answer: timedelta = timedelta(hours=24)
    language: str = "en"

    def day(self, moment: datetime) -> str:
        """The day ``moment`` falls on in the bot's time zone."""
        return moment.astimezone(self.zone).date().isoformat()


@dataclass(slots=True)
class Counted:
    """What one turn adds: ``counts`` by (day, field); when to check the conversation for
    idleness next (``check_at``), or that it is over and needs no check (``closed``); and a
    proactive message sent (its day, channel and language) whose delivery is counted once it
    has gone."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    check_at: datetime | None = None
    closed: bool = False
    sent: Reached | None = None

    def add(self, day: str, name: str, amount: int = 1) -> None:
        self.counts[(day, name)] += amount

    def __bool__(self) -> bool:
        return bool(self.counts) or self.check_at is not None or self.closed or bool(self.sent)


def position(dialog: dict[str, JsonValue]) -> tuple[str | None, str | None]:
    """The flow and step the dialog is at (the running flow's), or ``(None, None)`` when no flow
    runs. Read from the stored form, which the dialog engine owns: only ``stack`` is relied on."""
    stack = dialog.get("stack")
    if not isinstance(stack, list) or not stack or not isinstance(stack[-1], dict):
        return None, None
    top = stack[-1]
    flow, step = top.get("flow"), top.get("step")
    return (flow if isinstance(flow, str) else None), (step if isinstance(step, str) else None)


def account(
    policy: InsightPolicy,
    before: CustomerRecord,
    after: CustomerRecord,
    item: object,
    entries: Sequence[TranscriptEntry],
    sent_on: str | None = None,
) -> tuple[CustomerRecord, Counted]:
    """``after`` with its marks moved on, and what the turn counts. ``item`` is the turn's input;
    ``sent_on`` the channel a proactive message of this turn was sent on."""
    now = after.updated_at
    counted = Counted()
    marks = before.insight
    if isinstance(item, SystemEvent) and item.name == IDLE_CHECK:
        marks = _checked(policy, before, marks, now, counted)
    if isinstance(item, InboundEvent):
        marks = _wrote(policy, before, after, marks, item, now, counted)
    marks = _desk(before, after, marks, entries, now, counted)
    if sent_on is not None:
        marks = _reached(policy, after, marks, sent_on, now, counted)
    return after.model_copy(update={"insight": marks}), counted


def _checked(
    policy: InsightPolicy,
    record: CustomerRecord,
    marks: InsightMarks,
    now: datetime,
    counted: Counted,
) -> InsightMarks:
    """The idle check: close the conversation if it is over, else look again when it could be."""
    visit = marks.open
    if visit is None:
        counted.closed = True
        return marks
    if record.handoff.on_desk:
        counted.check_at = now + policy.idle
        return marks
    if now - visit.last_at < policy.idle:
        counted.check_at = visit.last_at + policy.idle
        return marks
    return _closed(record, marks, visit, visit.last_at + policy.idle, counted)


def _closed(
    record: CustomerRecord, marks: InsightMarks, visit: Visit, at: datetime, counted: Counted
) -> InsightMarks:
    """A conversation over without (more of) a person: abandoned where a flow waits, else
    contained, unless it was handed off (counted as such already)."""
    if visit.handed_at is None:
        flow, step = position(record.dialog)
        t = visit.channel, visit.language
        if flow is not None:
            counted.add(visit.day, fields.table(*t, "abandoned"))
            counted.add(visit.day, fields.dropped(flow, step))
        else:
            counted.add(visit.day, fields.table(*t, "contained"))
    counted.closed = True
    ended = visit.model_copy(update={"ended_at": at})
    return marks.model_copy(update={"open": None, "last": ended})


def _wrote(
    policy: InsightPolicy,
    before: CustomerRecord,
    after: CustomerRecord,
    marks: InsightMarks,
    item: InboundEvent,
    now: datetime,
    counted: Counted,
) -> InsightMarks:
    """A customer's message: it goes on their conversation, or opens one (closing one left idle
    whose check has not come yet), and answers a proactive message of the last ``answer``."""
    visit = marks.open
    if visit is not None and not before.handoff.on_desk and now - visit.last_at >= policy.idle:
        marks = _closed(before, marks, visit, visit.last_at + policy.idle, counted)
        visit = None
    if visit is None:
        marks = _opened(policy, after, marks, item.channel, now, counted)
    else:
        marks = marks.model_copy(update={"open": visit.model_copy(update={"last_at": now})})
    reached = marks.reached
    if reached is not None and now - reached.at <= policy.answer:
        t = reached.channel, reached.language
        counted.add(reached.day, fields.table(*t, "outreach_answered"))
    return marks.model_copy(update={"reached": None}) if reached is not None else marks


def _opened(
    policy: InsightPolicy,
    record: CustomerRecord,
    marks: InsightMarks,
    channel: str,
    now: datetime,
    counted: Counted,
) -> InsightMarks:
    language = record.language or policy.language
    visit = Visit(
        day=policy.day(now),
        channel=fields.part(channel),
        language=fields.part(language)[:35],
        started_at=now,
        last_at=now,
    )
    counted.add(visit.day, fields.table(visit.channel, visit.language, "conversations"))
    counted.check_at = now + policy.idle
    last = marks.last
    if last is not None and last.ended_at is not None and now - last.ended_at <= policy.recontact:
        counted.add(last.day, fields.table(last.channel, last.language, "recontacted"))
    return marks.model_copy(update={"open": visit})


def _desk(
    before: CustomerRecord,
    after: CustomerRecord,
    marks: InsightMarks,
    entries: Sequence[TranscriptEntry],
    now: datetime,
    counted: Counted,
) -> InsightMarks:
    """Handed off, first answered by a person, and let go by the desk."""
    visit = marks.open
    if visit is None:
        return marks
    was, is_ = before.handoff, after.handoff
    if visit.handed_at is None and is_.on_desk and not was.on_desk:
        visit = visit.model_copy(update={"handed_at": now})
        flow, step = position(before.dialog)
        counted.add(visit.day, fields.table(visit.channel, visit.language, "handed_off"))
        counted.add(visit.day, fields.why(flow, step, is_.reason))
    handed = visit.handed_at
    if handed is None:
        return marks  # never handed off: the visit is the one it was
    if not visit.answered and _agent_replied(entries):
        visit = visit.model_copy(update={"answered": True})
        _timed(visit, "first_response", now - handed, counted)
    marks = marks.model_copy(update={"open": visit})
    if was.on_desk and not is_.on_desk:
        if was.status == "agent":
            _timed(visit, "resolution", now - handed, counted)
        marks = _closed(after, marks, visit, now, counted)
    return marks


def _timed(visit: Visit, metric: str, took: timedelta, counted: Counted) -> None:
    name = fields.timed(visit.channel, visit.language, metric, took.total_seconds())
    counted.add(visit.day, name)


def _agent_replied(entries: Sequence[TranscriptEntry]) -> bool:
    return any(isinstance(e, OutboundEntry) and e.author != "bot" for e in entries)


def _reached(
    policy: InsightPolicy,
    record: CustomerRecord,
    marks: InsightMarks,
    channel: str,
    now: datetime,
    counted: Counted,
) -> InsightMarks:
    """A proactive message went out on ``channel``."""
    language = fields.part(record.language or policy.language)[:35]
    reached = Reached(day=policy.day(now), channel=fields.part(channel), language=language, at=now)
    counted.add(reached.day, fields.table(reached.channel, language, "outreach_sent"))
    counted.sent = reached
    return marks.model_copy(update={"reached": reached})
