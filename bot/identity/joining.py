"""Joining two customers who turn out to be one person: the store-level half of a merge.

The pipeline calls this while it holds the lease of the customer being absorbed (the
*source*, whose turn found the proof); the customer the proof points to (the *target*, who
owns the code or the verified attribute) keeps its id. The steps, each idempotent and ordered so
that an interruption loses nothing:

1. take the target's lease too (waiting a little: its turns are short);
2. write the merged record (with a mark of the join, which keeps each side's past its own: see
   :mod:`bot.identity.visibility`), the interleaved transcript with a note of the merge, and the
   source's deduplication ids to the target, in one fenced write;
3. move every identity of the source to the target (new messages now reach the target);
4. move the source's verified attributes to the target;
5. move the source's scheduled items (reminders, waits, deferred messages) to the target, so
   they fire for the joined customer (:meth:`~bot.outreach.schedule.Schedule.move`: an item
   whose key the target already has is dropped, the target's kept);
6. move the inputs still queued for the source to the target's inbox, in order (an item that
   fired for the source meanwhile goes with them, and is one input with its moved copy);
7. erase the source.

An interruption after step 2 leaves the target complete and the source intact; its next turn
finds the same proof and finishes the join (merging again changes nothing already merged).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import JsonValue

from bot.format.channel_names import channel_name
from bot.format.messages import ChannelIdentity
from bot.format.transcript import AUTO_ID, Logged, NoteEntry
from bot.identity.merge import interleave, merge_records
from bot.identity.visibility import marked
from bot.outreach.schedule import Schedule
from bot.turn.customer import CustomerRecord
from bot.turn.store import Lease, Memory, TurnInput

log = logging.getLogger("omnibot.joining")
_FIRST_WAIT = 0.02
_MAX_WAIT = 0.5


@dataclass(frozen=True, slots=True)
class Joined:
    """The target after a join: its lease (now held by the caller) and its merged record."""

    lease: Lease
    customer: CustomerRecord


class Joiner:
    """Folds one customer into another; see the module docstring."""

    def __init__(
        self,
        memory: Memory,
        tokens: Callable[[], str],
        patience: float | None = None,
        schedule: Schedule | None = None,
    ) -> None:
        self._memory = memory
        self._tokens = tokens
        self._schedule = schedule
        self._patience = (
            patience if patience is not None else memory.policy.lease.total_seconds() / 2
        )

    async def join(
        self,
        source: Lease,
        record: CustomerRecord,
        target_id: str,
        *,
        reason: str,
        now: datetime,
        replace_head: TurnInput | None = None,
        follow_up: TurnInput | None = None,
    ) -> Joined | None:
        """Fold ``record`` (the source, whose lease is ``source``) into ``target_id``.

        ``replace_head`` takes the place of the source's input being processed; ``follow_up``
        is queued for the target after the source's inputs. ``None`` when
        the target is busy for longer than the patience allows or no longer exists: nothing
        was changed, and the caller carries on as if there were no proof.
        """
        lease = await self._acquire(target_id)
        if lease is None:
            return None
        target = await self._memory.load(target_id)
        if target is None:
            await self._memory.drop_lease(lease)
            return None
        merged = merge_records(target, record, now).model_copy(
            update={"version": target.version + 1}
        )
        identities = await self._identities(source.customer_id, record)
        seen = await self._seen(source.customer_id, replace_head is not None)
        note = _note(source.customer_id, identities, reason, now)
        merged = await self._write(lease, source.customer_id, merged, note, seen, identities)
        for identity in identities:
            await self._memory.link(identity, target_id)
        await self._move_attributes(record, source.customer_id, target_id)
        if self._schedule is not None:
            await self._schedule.move(source.customer_id, target_id)
        await self._move_inbox(source.customer_id, target_id, replace_head)
        if follow_up is not None:
            await self._memory.enqueue(target_id, follow_up, identity=None, token=self._tokens())
        await self._memory.erase(source.customer_id)
        log.info("joined customer %s into %s (%s)", source.customer_id, target_id, reason)
        return Joined(lease, merged)

    async def _acquire(self, customer_id: str) -> Lease | None:
        give_up = time.monotonic() + self._patience
        wait = _FIRST_WAIT
        while True:
            lease = await self._memory.try_lease(customer_id, self._tokens())
            if lease is not None or time.monotonic() + wait > give_up:
                return lease
            await asyncio.sleep(wait)
            wait = min(wait * 2, _MAX_WAIT)

    async def _identities(self, customer_id: str, record: CustomerRecord) -> list[ChannelIdentity]:
        keys = set(await self._memory.identities(customer_id))
        keys.update(identity.key for identity in record.identities)
        found = []
        for key in sorted(keys):
            channel, _, user = key.partition(":")
            found.append(ChannelIdentity(channel=channel, user_id=user))
        return found

    async def _seen(self, source_id: str, head_replaced: bool) -> dict[str, float]:
        """The source's deduplication ids, less those of inputs still queued (they are moved,
        and their move must not count as a redelivery). Read before the inbox, so an input
        that arrives in between is in neither and is moved like the rest."""
        seen = await self._memory.seen(source_id)
        queued = await self._memory.queued(source_id)
        moving = queued[1:] if head_replaced else queued
        for item in moving:
            seen.pop(item.input.event_id or "", None)
        return seen

    async def _write(
        self,
        lease: Lease,
        source_id: str,
        merged: CustomerRecord,
        note: NoteEntry,
        seen: dict[str, float],
        joined: Sequence[ChannelIdentity],
    ) -> CustomerRecord:
        """Write the merged record and transcript; the record as written."""
        limit = self._memory.policy.transcript_limit
        ours = await self._memory.entries(lease.customer_id, None, limit)
        theirs = await self._memory.entries(source_id, None, limit)
        before = interleave(ours, theirs)[-(limit - 1) :]
        through, first = (before[-1].id, before[0].id) if before else (None, None)
        joins = marked(merged.joins, through, (i.key for i in joined), first)
        merged = merged.model_copy(update={"joins": joins})
        await self._memory.rewrite(lease, merged, [*before, Logged(AUTO_ID, note)], seen)
        return merged

    async def _move_attributes(
        self, record: CustomerRecord, source_id: str, target_id: str
    ) -> None:
        for attribute in record.verified:
            if await self._memory.owner(attribute) == source_id:
                await self._memory.disown(attribute, source_id)
                await self._memory.claim(attribute, target_id)

    async def _move_inbox(
        self, source_id: str, target_id: str, replace_head: TurnInput | None
    ) -> None:
        for index, queued in enumerate(await self._memory.queued(source_id)):
            item = replace_head if index == 0 and replace_head is not None else queued.input
            await self._memory.enqueue(target_id, item, identity=None, token=self._tokens())


def _note(
    source_id: str, identities: Sequence[ChannelIdentity], reason: str, now: datetime
) -> NoteEntry:
    data: dict[str, JsonValue] = {
        "customer": source_id,
        "reason": reason,
        "identities": [identity.key for identity in identities],
    }
    names = {channel_name(identity.channel, in_sentence=True) for identity in identities}
    channels = ", ".join(sorted(names)) or "no channel"
    return NoteEntry(
        at=now, kind="merge", text=f"joined the conversation on {channels} ({reason})", data=data
    )
