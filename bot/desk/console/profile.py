"""The customer at a glance: who they are, where they wrote, what they agreed to, their past.

Built from what the customer's record and transcript already hold, with nothing fetched per
turn: the verified attributes (and who vouched for each), every channel with the first and last
time the customer wrote on it (``first_wrote_at``/``wrote_at``; for a record older than
``first_wrote_at``, the earliest message of the transcript read), the preferred channel, the
language, their answers about marketing and the channels they stopped, and the earlier
handoffs of the transcript with how each ended. Nothing secret goes in it: no link code, no
address (a web chat's session id is one), no token.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.format.messages import InboundEvent
from bot.format.transcript import InboundEntry, Logged, NoteEntry
from bot.outreach.reach import PREFERRED
from bot.turn.customer import CustomerRecord

RESOLVED = "handed the conversation back to the bot"
"""The words of the note a resolve leaves (:mod:`dialogs.conversation.handoff`)."""
LEFT = "the customer left the queue"


def profile(record: CustomerRecord, entries: Sequence[Logged]) -> dict[str, Any]:
    """The profile panel's data for ``record``, whose transcript's newest entries are
    ``entries`` (oldest first)."""
    preferred = record.profile.get(PREFERRED)
    name = record.profile.get("name")
    return {
        "name": name if isinstance(name, str) else None,
        "verified": [
            {"kind": fact.kind, "value": fact.value, "issuer": fact.issuer}
            for fact in record.verified
        ],
        "channels": channels(record, entries),
        "preferred": preferred if isinstance(preferred, str) else None,
        "language": record.language,
        "consent": _consent(record),
        "conversations": conversations(entries),
    }


def channels(record: CustomerRecord, entries: Sequence[Logged]) -> list[dict[str, Any]]:
    """Every channel the customer used, in the order they first wrote on them."""
    seen = _first_seen(entries)
    names = dict.fromkeys([*record.first_wrote_at, *record.wrote_at, *record.addresses, *seen])
    rows = []
    for channel in names:
        first = record.first_wrote_at.get(channel) or seen.get(channel)
        last = record.wrote_at.get(channel) or _last_seen(entries, channel)
        row = {
            "channel": channel,
            "first": _iso(first),
            "last": _iso(last),
            "opted_out": channel in record.opted_out,
            "unreachable": channel in record.unreachable,
        }
        rows.append((first.timestamp() if first else float("inf"), row))
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def order_of_use(record: CustomerRecord) -> list[str]:
    """The channels the customer wrote on, first used first (the queue card's "Web chat → SMS");
    channels known only by an address come last."""
    used = sorted(record.first_wrote_at, key=lambda name: record.first_wrote_at[name])
    return list(dict.fromkeys([*used, *record.wrote_at, *record.addresses]))


def conversations(entries: Sequence[Logged]) -> list[dict[str, Any]]:
    """Each handoff of the transcript read, oldest first: when, why, and how it ended (who
    resolved it and when; ``ended`` is ``None`` while it goes on)."""
    found: list[dict[str, Any]] = []
    for logged in entries:
        entry = logged.entry
        if not isinstance(entry, NoteEntry):
            continue
        if entry.kind == "handoff" and "summary" in entry.data:
            found.append({"at": entry.at.isoformat(), "reason": entry.text, "ended": None})
        elif found and found[-1]["ended"] is None and _ends(entry):
            found[-1].update(ended=entry.at.isoformat(), outcome=_outcome(entry))
    return found


def _ends(entry: NoteEntry) -> bool:
    return (entry.kind == "agent" and entry.text.endswith(RESOLVED)) or (
        entry.kind == "handoff" and entry.text == LEFT
    )


def _outcome(entry: NoteEntry) -> str:
    if entry.kind == "handoff":
        return "the customer left the queue"
    return "resolved by " + entry.text.removesuffix(" " + RESOLVED)


def _consent(record: CustomerRecord) -> dict[str, Any]:
    """The latest answer about marketing (``marketing`` ``None``: never asked) and the channels
    where the customer said stop."""
    consents = record.outreach.consents
    latest = consents[-1] if consents else None
    return {
        "marketing": latest.given if latest else None,
        "at": latest.at.isoformat() if latest else None,
        "channel": latest.channel if latest else None,
        "opted_out": sorted(record.opted_out),
    }


def _first_seen(entries: Sequence[Logged]) -> dict[str, datetime]:
    seen: dict[str, datetime] = {}
    for logged in entries:
        event = logged.entry.event if isinstance(logged.entry, InboundEntry) else None
        if isinstance(event, InboundEvent):
            seen.setdefault(event.channel, logged.entry.at)
    return seen


def _last_seen(entries: Sequence[Logged], channel: str) -> datetime | None:
    for logged in reversed(entries):
        event = logged.entry.event if isinstance(logged.entry, InboundEntry) else None
        if isinstance(event, InboundEvent) and event.channel == channel:
            return logged.entry.at
    return None


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
