"""What a customer's page may show of their transcript after joins.

A join folds one customer's conversation into another's: from then on it is one conversation,
and every channel of it sees what is said on every other. What came *before* the join stays
with the side it was said on: each channel identity is shown its own side's earlier entries and
everything from the join on, never the other side's past (a stranger who got someone to join
gets nothing of their history, and neither do they of the stranger's). Agents see everything;
this is only the customer's view (the web chat's history and catch-up, Direct Line's).

Each join leaves a :class:`JoinMark` in the record: the last entry id from before it and the
identities of the customer folded in. An entry up to a mark is shown to an identity only if the
entry's own identity (who wrote it, or whom it was sent to) was on the same side of that join.
Entries that belong to nobody (from before entries named their recipient) are shown only when
no join came after them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import Field

from bot.format.messages import InboundEvent, Model
from bot.format.transcript import InboundEntry, Logged, OutboundEntry, entry_order


class JoinMark(Model):
    """One join in a customer's transcript: entries up to ``through`` came from two customers,
    and ``joined`` are the channel identities (``channel:user``) of the one folded in."""

    through: str = Field(pattern=r"^\d{1,20}-\d{1,20}$")
    joined: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the transcript as one identity sees it: the entries it may be shown and the id
    of the last entry read (``None`` when there was none), where the next page starts."""

    entries: list[Logged]
    last: str | None


def page(batch: Sequence[Logged], marks: Sequence[JoinMark], identity: str) -> Page:
    """The entries of ``batch`` that ``identity`` may be shown, given the customer's joins."""
    last = batch[-1].id if batch else None
    return Page([logged for logged in batch if shown_to(identity, logged, marks)], last)


def shown_to(identity: str, logged: Logged, marks: Iterable[JoinMark]) -> bool:
    """Whether ``identity`` may be shown ``logged``: no join after it separates the two."""
    order = entry_order(logged.id)
    owner = owner_of(logged)
    for mark in marks:
        if order > entry_order(mark.through):
            continue
        if owner is None or (owner in mark.joined) != (identity in mark.joined):
            return False
    return True


def owner_of(logged: Logged) -> str | None:
    """The channel identity an entry belongs to: the customer who wrote it, or the one it was
    sent to."""
    entry = logged.entry
    if isinstance(entry, InboundEntry) and isinstance(entry.event, InboundEvent):
        return entry.event.sender.key
    if isinstance(entry, OutboundEntry):
        return entry.to
    return None


def marked(
    marks: Sequence[JoinMark], through: str | None, joined: Iterable[str], first: str | None
) -> tuple[JoinMark, ...]:
    """``marks`` with a new join through entry ``through`` (none when the transcripts were both
    empty), less those before the transcript's ``first`` entry, which hide nothing any more."""
    kept = [
        mark for mark in marks if first is None or entry_order(mark.through) >= entry_order(first)
    ]
    if through is not None:
        kept.append(JoinMark(through=through, joined=tuple(sorted(set(joined)))))
    unique: list[JoinMark] = []
    for mark in kept:
        if mark not in unique:
            unique.append(mark)
    return tuple(unique)
