"""Conversations as things with a life: what the desk remembers of each conversation that came
to it, so that agents can filter and search them after they leave the queue.

A :class:`Thread` is a small digest of one customer's conversation with the team: its status
(``open`` with the bot, ``waiting``, ``agent``, ``resolved``), who has or had it, the channels,
phones and e-mails it is known by, and the values the customer gave (an order number). The
:class:`~bot.desk.handoff.DeskKeeper` writes it at the conversation's boundaries only (a handoff,
a claim, a release, a resolve, a reply or a note by an agent), never on an ordinary bot turn,
and the desk keeps the :data:`MAX_THREADS` most recent. Tags are the agents' own and kept beside
the digest, so that rewriting a digest never drops them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

import phonenumbers
from pydantic import JsonValue

from bot.format.messages import Model
from bot.format.transcript import NoteEntry, OutboundEntry, TranscriptEntry
from bot.turn.customer import CustomerRecord, Handoff

ThreadStatus = Literal["open", "waiting", "agent", "resolved"]
STATUSES: tuple[ThreadStatus, ...] = ("open", "waiting", "agent", "resolved")
MAX_THREADS = 20_000
"""How many conversations the desk remembers (the most recently touched ones)."""
MAX_TAGS = 10
TAG = re.compile(r"[^\W_][\w-]{0,23}")
"""A tag: 1 to 24 letters, digits, ``-`` or ``_``, starting with a letter or digit."""
TAG_RULE = "A tag is 1 to 24 letters, digits, - or _ (no spaces), starting with a letter or digit"
"""What the console shows beside the tag box when a tag is refused."""
_VALUES, _VALUE_CHARS = 30, 200


class Thread(Model):
    """One conversation as the desk lists it. ``agent`` is who holds it (``agent``) or resolved
    it (``resolved``); times are seconds since the epoch."""

    customer: str
    status: ThreadStatus
    agent: str | None = None
    name: str | None = None
    language: str | None = None
    channels: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    reason: str | None = None
    goal: str | None = None
    """The flow the customer came for (the first of the handoff's), by its name."""
    since: float | None = None
    updated: float = 0.0
    resolved_at: float | None = None
    tags: tuple[str, ...] = ()


def status_of(was: Handoff, now: Handoff) -> tuple[ThreadStatus, str | None]:
    """A conversation's status after a turn, and the agent it names: one an agent held that
    leaves the desk was resolved by them; one that leaves the queue unanswered is open again."""
    if now.status == "waiting":
        return "waiting", None
    if now.status == "agent":
        return "agent", now.agent_id
    if was.status == "agent":
        return "resolved", was.agent_id
    return "open", None


def thread_of(before: CustomerRecord, after: CustomerRecord, at: datetime) -> Thread:
    """The digest of ``after``'s conversation, written at ``at`` (``before``: the record before
    the turn, whose handoff summary still holds what the customer told when a resolve clears
    it)."""
    status, agent = status_of(before.handoff, after.handoff)
    handoff = after.handoff if after.handoff.on_desk else before.handoff
    told = [after.profile, after.slots, _slots(before.handoff), _slots(after.handoff)]
    name = after.profile.get("name")
    return Thread(
        customer=after.id,
        status=status,
        agent=agent,
        name=name if isinstance(name, str) else None,
        language=after.language,
        channels=tuple(sorted(after.first_wrote_at, key=lambda c: after.first_wrote_at[c])),
        phones=_unique(phones_of(after, told)),
        emails=_unique(emails_of(after, told)),
        values=_unique(_texts(told))[:_VALUES],
        reason=handoff.reason,
        goal=_first_flow(handoff),
        since=handoff.since.timestamp() if handoff.since else None,
        updated=at.timestamp(),
        resolved_at=at.timestamp() if status == "resolved" else None,
    )


def by_agent(entries: Sequence[TranscriptEntry]) -> bool:
    """Whether a turn carried an agent's doing (a reply, a note, a claim...): a boundary."""
    for entry in entries:
        if isinstance(entry, OutboundEntry) and entry.author.startswith("agent:"):
            return True
        if isinstance(entry, NoteEntry) and entry.kind in ("agent", "agent_note"):
            return True
    return False


def checked_tag(raw: object) -> str | None:
    """A tag as kept (lower case), or ``None`` when ``raw`` is not one."""
    if not isinstance(raw, str) or not TAG.fullmatch(raw.strip()):
        return None
    return raw.strip().lower()


def phone_digits(text: str) -> str | None:
    """A phone number as its digits, in E.164 (``+`` and the country code) when it says
    ``+``; ``None`` when it has fewer than 7 digits."""
    text = text.strip().removeprefix("whatsapp:").removeprefix("sms:")
    digits = phonenumbers.normalize_digits_only(text)
    if len(digits) < 7:
        return None
    if text.startswith("+"):
        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return "+" + digits
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return digits


def phones_of(record: CustomerRecord, told: Iterable[dict[str, JsonValue]]) -> list[str]:
    """Every phone the customer is known by: verified, their SMS and WhatsApp ids, and what
    they gave under a name with ``phone`` in it."""
    raw = [a.value for a in record.verified if a.kind == "phone"]
    raw += [i.user_id for i in record.identities if i.channel in ("sms", "whatsapp")]
    raw += [str(v) for part in told for k, v in part.items() if "phone" in k and _scalar(v)]
    return [digits for text in raw if (digits := phone_digits(text))]


def emails_of(record: CustomerRecord, told: Iterable[dict[str, JsonValue]]) -> list[str]:
    """Every e-mail address the customer is known by."""
    raw = [a.value for a in record.verified if a.kind == "email"]
    raw += [i.user_id for i in record.identities if i.channel == "email"]
    raw += [str(v) for part in told for v in part.values() if isinstance(v, str) and "@" in v]
    return [text.strip().lower() for text in raw if "@" in text]


def _first_flow(handoff: Handoff) -> str | None:
    flows = handoff.summary.get("flows")
    first = flows[0] if isinstance(flows, list) and flows else None
    return first if isinstance(first, str) else None


def _slots(handoff: Handoff) -> dict[str, JsonValue]:
    slots = handoff.summary.get("slots")
    return slots if isinstance(slots, dict) else {}


def _scalar(value: JsonValue) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _texts(parts: Iterable[dict[str, JsonValue]]) -> list[str]:
    found: list[str] = []
    for part in parts:
        for value in part.values():
            if _scalar(value):
                found.append(str(value)[:_VALUE_CHARS])
            elif isinstance(value, dict):
                found += _texts([value])
    return found


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
