"""Finding conversations: the filters and the search box of the console's conversation list.

A search reads the :data:`SCAN` most recently touched digests (:mod:`bot.desk.threads`) in one
desk request, keeps those that pass the filters, and matches the search text against each
digest's phones, e-mails, name, values and tags in this process; only then, and only for the
:data:`TEXT_SCAN` most recent candidates not matched yet, the transcripts are read for the text
(one memory request each, a few at a time). Nothing in a search term is ever a pattern or a
command: it is compared as text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.desk.threads import STATUSES, Thread, ThreadStatus, checked_tag, phone_digits
from bot.format.transcript import InboundEntry, Logged, NoteEntry, OutboundEntry

SCAN = 2000
"""How many of the most recent conversations a search looks at."""
TEXT_SCAN = 100
"""How many of those a search reads the transcript of, for text."""
TEXT_ENTRIES = 200
"""How many of the newest entries of each transcript it reads."""
RESULTS = 50
"""The most conversations one search answers with."""
MAX_QUERY = 100
_PHONE = re.compile(r"\+?[\d\s().\-/]{7,30}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}")
"""An agent's name, as :mod:`bot.desk.console.auth` allows them."""
_CHANNEL = re.compile(r"[a-z_]{1,32}")


class Invalid(ValueError):
    """A search the console refuses; ``field`` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Query:
    """What an agent asked for: filters (each optional) and a search text."""

    status: ThreadStatus | None = None
    channel: str | None = None
    agent: str | None = None
    tag: str | None = None
    text: str = ""

    @property
    def phone(self) -> str | None:
        """The search text's digits when it reads as a phone number (8 digits or more), without
        a leading international ``00`` or trunk ``0``."""
        if not _PHONE.fullmatch(self.text):
            return None
        digits = phone_digits(self.text)
        if digits is None or self.text.startswith("+"):
            return digits
        return digits.removeprefix("00").lstrip("0") or None


def query_of(params: Mapping[str, str]) -> Query:
    """The query in a request's parameters; raises :class:`Invalid` naming the bad one."""
    status, channel = params.get("status") or None, params.get("channel") or None
    agent, tag = params.get("agent") or None, params.get("tag") or None
    text = " ".join(params.get("q", "").split())
    if status is not None and status not in STATUSES:
        raise Invalid("status", "one of " + ", ".join(STATUSES))
    if channel is not None and not _CHANNEL.fullmatch(channel):
        raise Invalid("channel", "a channel's name, such as sms")
    if agent is not None and not _NAME.fullmatch(agent):
        raise Invalid("agent", "an agent's name")
    if tag is not None and (tag := checked_tag(tag)) is None:
        raise Invalid("tag", "1 to 24 letters, digits, - or _")
    if len(text) > MAX_QUERY:
        raise Invalid("q", f"at most {MAX_QUERY} characters")
    return Query(status=status, channel=channel, agent=agent, tag=tag, text=text)


def passes(thread: Thread, query: Query) -> bool:
    """Whether a conversation passes the query's filters."""
    return (
        (query.status is None or thread.status == query.status)
        and (query.channel is None or query.channel in thread.channels)
        and (query.agent is None or thread.agent == query.agent)
        and (query.tag is None or query.tag in thread.tags)
    )


def matched(thread: Thread, query: Query) -> str | None:
    """What of the digest the search text matched (``phone``, ``email``, ``name``, ``details``,
    ``tag``), or ``None``; an empty search text matches everything (as ``""``)."""
    if not query.text:
        return ""
    phone = query.phone
    if phone is not None and any(p.endswith(phone) for p in thread.phones):
        return "phone"
    wanted = fold(query.text)
    if len(wanted) < 2:
        return None
    if thread.customer == query.text:
        return "id"
    fields = (
        ("email", thread.emails),
        ("name", (thread.name or "",)),
        ("details", thread.values),
        ("tag", thread.tags),
    )
    for label, texts in fields:
        if any(wanted in fold(text) for text in texts):
            return label
    return None


def said(entries: list[Logged], query: Query) -> bool:
    """Whether the search text was said in these transcript entries (by anyone, notes too)."""
    wanted = fold(query.text)
    if len(wanted) < 3:
        return False
    return any(wanted in fold(text) for logged in entries if (text := _text(logged)))


def fold(text: str) -> str:
    """Text as compared: case and accents ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _text(logged: Logged) -> str | None:
    entry = logged.entry
    if isinstance(entry, InboundEntry):
        text = getattr(entry.event, "text", None)
        return text if isinstance(text, str) else None
    if isinstance(entry, OutboundEntry):
        text = getattr(entry.message, "text", None)
        return text if isinstance(text, str) else None
    if isinstance(entry, NoteEntry):
        return entry.text
    return None
