"""The insights' side of the turn pipeline: count a turn before it is committed (the marks ride
in the record the turn commits), and write what it counted after its replies have gone, in one
call to the tallies, only when it counted something (see :mod:`.accounting`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from bot.desk.insights import fields
from bot.desk.insights.accounting import IDLE_CHECK, Counted, InsightPolicy, account
from bot.desk.insights.tallies import Tallies, Watch
from bot.errors import MemoryUnavailable
from bot.format.messages import SystemEvent
from bot.format.transcript import TranscriptEntry
from bot.turn.customer import CustomerRecord

Notify = Callable[[str, SystemEvent], Awaitable[object]]
Known = Callable[[str], Awaitable[bool]]
HOLD = timedelta(minutes=15)
"""How long a conversation being checked is not handed out again (its check turn runs meanwhile;
one lost with a worker is checked again after this)."""

log = logging.getLogger("omnibot.insights")


class Insights:
    """Counts conversations for the managers' view. The tallies also watch the conversations
    going on, by when each should be checked for idleness: :meth:`sweep` hands the due ones to
    their customers' turns, which close those nobody came back to."""

    def __init__(self, tallies: Tallies, policy: InsightPolicy) -> None:
        self.tallies = tallies
        self.policy = policy

    def account(
        self,
        before: CustomerRecord,
        after: CustomerRecord,
        item: object,
        entries: Sequence[TranscriptEntry],
        sent_on: str | None = None,
    ) -> tuple[CustomerRecord, Counted]:
        """``after`` with the insight marks moved on, and what the turn counts."""
        return account(self.policy, before, after, item, entries, sent_on)

    async def record(self, customer_id: str, counted: Counted, delivered: bool) -> None:
        """Write what a committed turn counted (``delivered``: its replies went out), in one
        call. Insights are not worth a customer's turn: an unreachable memory costs them the
        counts only."""
        if not counted:
            return
        counts = counted.counts
        sent = counted.sent
        if sent is not None and delivered:
            counts[(sent.day, fields.table(sent.channel, sent.language, "outreach_delivered"))] += 1
        watch: Watch | None = None
        if counted.check_at is not None:
            watch = (customer_id, counted.check_at.timestamp())
        elif counted.closed:
            watch = (customer_id, None)
        try:
            await self.tallies.add(counts, watch)
        except MemoryUnavailable as exc:
            log.warning("the insights lost a turn's counts: %s", exc)

    async def sweep(self, notify: Notify, known: Known, now: datetime, limit: int = 200) -> int:
        """Queue an idle check for each conversation whose check is due; how many. A customer
        erased meanwhile is forgotten instead (a turn would make them a new, empty record)."""
        due = await self.tallies.due(now.timestamp(), HOLD.total_seconds(), limit)
        stamp, queued = int(now.timestamp()), 0
        for customer_id in due:
            if not await known(customer_id):
                await self.tallies.add({}, (customer_id, None))
                continue
            event_id = f"insights:{stamp}:{customer_id}"
            await notify(
                customer_id, SystemEvent(event_id=event_id, name=IDLE_CHECK, received_at=now)
            )
            queued += 1
        return queued
