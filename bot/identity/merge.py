"""Merging two customers who turn out to be one person, by written rules.

- The conversation in progress wins (a flow under way, usually waiting for an answer); when both
  or neither are, the one active most recently. It keeps its dialog position, slots (the
  other's slots fill only what it lacks, so nothing already given is asked again), offered
  options and language. A channel seen for the first time has no conversation to win with.
- The last channel is the one written from most recently.
- The profile is the union; where both have a value, a value one of them has verified (the same
  as one of its verified attributes) beats one that is not, and otherwise the more recent wins.
- Verified attributes, identities, addresses (the more recent per channel) are the union; so are
  opt-outs (a customer who said stop on a channel stays opted out) and unreachable channels.
- A conversation with a person (or waiting for one) is kept, whichever side it was on.
- Transcripts interleave by time; the merge itself is recorded, and so are both sides' earlier
  joins (each channel is shown only its own side's past: see :mod:`bot.identity.visibility`).
- A join the target was asked to consent to stays pending; the source's is answered (it is
  the join being made) or dropped with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from pydantic import JsonValue

from bot.format.transcript import TRANSCRIPT_ENTRY, Logged, entry_order
from bot.turn.customer import CustomerRecord, Handoff

_HANDOFF_WEIGHT = {"agent": 2, "waiting": 1, "bot": 0}


def merge_records(target: CustomerRecord, source: CustomerRecord, now: datetime) -> CustomerRecord:
    """``source`` folded into ``target`` (which keeps its id)."""
    recent, older = (source, target) if source.updated_at > target.updated_at else (target, source)
    lead, other = (older, recent) if _leads(older, recent) else (recent, older)
    return target.model_copy(
        update={
            "created_at": min(target.created_at, source.created_at),
            "updated_at": now,
            "last_channel": recent.last_channel or older.last_channel,
            "language": lead.language or other.language,
            "dialog": lead.dialog,
            "slots": {**other.slots, **lead.slots},
            "offered": lead.offered,
            "profile": _profile(recent, older),
            "handoff": _handoff(target.handoff, source.handoff),
            "addresses": {**older.addresses, **recent.addresses},
            "identities": _union(target.identities, source.identities),
            "verified": _union(target.verified, source.verified),
            "unreachable": target.unreachable | source.unreachable,
            "opted_out": target.opted_out | source.opted_out,
            "wrote_at": _latest(target.wrote_at, source.wrote_at),
            "first_wrote_at": _earliest(target.first_wrote_at, source.first_wrote_at),
            "joins": _union(target.joins, source.joins),
        }
    )


def _in_progress(record: CustomerRecord) -> bool:
    """A flow is under way (the dialog engine keeps its flow stack under ``stack``)."""
    return bool(record.dialog.get("stack"))


def _leads(older: CustomerRecord, recent: CustomerRecord) -> bool:
    """Whether the older record's conversation is the one that goes on."""
    if _in_progress(older) != _in_progress(recent):
        return _in_progress(older)
    return not recent.dialog and bool(older.dialog)


def _profile(recent: CustomerRecord, older: CustomerRecord) -> dict[str, JsonValue]:
    merged = {**older.profile, **recent.profile}
    for key, value in older.profile.items():
        mine = recent.profile.get(key)
        if mine != value and _proven(value, older) and not _proven(mine, recent):
            merged[key] = value
    return merged


def _proven(value: JsonValue, record: CustomerRecord) -> bool:
    """Whether ``value`` is one of the record's verified attributes (a checked phone, ...)."""
    return isinstance(value, str) and value.lower() in {a.value.lower() for a in record.verified}


def _handoff(one: Handoff, other: Handoff) -> Handoff:
    return one if _HANDOFF_WEIGHT[one.status] >= _HANDOFF_WEIGHT[other.status] else other


T = TypeVar("T")


def _latest(one: dict[str, datetime], other: dict[str, datetime]) -> dict[str, datetime]:
    """When the customer last wrote on each channel, on either record."""
    return {name: max(t for t in (one.get(name), other.get(name)) if t) for name in one | other}


def _earliest(one: dict[str, datetime], other: dict[str, datetime]) -> dict[str, datetime]:
    """When the customer first wrote on each channel, on either record."""
    return {name: min(t for t in (one.get(name), other.get(name)) if t) for name in one | other}


def _union(one: Sequence[T], other: Sequence[T]) -> tuple[T, ...]:
    seen: list[T] = list(one)
    for item in other:
        if item not in seen:
            seen.append(item)
    return tuple(seen)


def interleave(target: Sequence[Logged], source: Sequence[Logged]) -> list[Logged]:
    """Both transcripts in the order they were written, by entry id (ids are times).

    The target's entries keep their ids, so a reader who has seen some (a web chat open on the
    target) is not shown them again; the source's keep theirs too unless one is taken, when it
    moves just after. An entry present in both (a merge redone after an interruption) is kept
    once."""
    tagged = [(entry_order(e.id), 0, e) for e in target] + [
        (entry_order(e.id), 1, e) for e in source
    ]
    seen: set[str] = set()
    merged: list[Logged] = []
    last = (-1, 0)
    for order, _, logged in sorted(tagged, key=lambda item: (item[0], item[1])):
        key = json.dumps(TRANSCRIPT_ENTRY.dump_python(logged.entry, mode="json"), sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        order = order if order > last else (last[0], last[1] + 1)
        last = order
        merged.append(Logged(f"{order[0]}-{order[1]}", logged.entry))
    return merged
