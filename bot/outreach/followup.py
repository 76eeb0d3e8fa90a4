"""A follow-up an agent schedules from the console: a short message, or a flow to start, at a
time of the customer's own day ("contact tomorrow at 10:00").

It is one item of the schedule (key ``follow-up:<id>``) that fires as the system event
:data:`FOLLOW_UP`, a turn the business starts like any other: the outreach decision
(:mod:`bot.outreach.reach`) sends it, as ``transactional``, on the customer's channel, or defers
or suppresses it, and the dialog says the text or starts the flow.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import JsonValue

from bot.outreach.schedule import Scheduled

FOLLOW_UP = "follow_up"
"""The name of the system event a follow-up fires as."""
KEY_PREFIX = "follow-up:"
"""The keys of follow-ups among a customer's scheduled items (the only ones an agent cancels)."""
MAX_TEXT = 1000
MAX_WHY = 200
FURTHEST = timedelta(days=366)


class Invalid(ValueError):
    """A follow-up the console refuses: ``field`` is the part of the request at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def follow_up(
    body: dict[str, Any],
    customer_id: str,
    agent: str,
    *,
    zone: ZoneInfo,
    flows: list[str],
    now: datetime,
) -> Scheduled:
    """The item for the console's request ``body`` (``at``, ``text`` or ``flow``, ``why``);
    raises :class:`Invalid` naming the field. ``at`` without an offset is the customer's local
    time in ``zone``."""
    due = _due(body.get("at"), zone, now)
    text, flow = body.get("text"), body.get("flow")
    if (text is None) == (flow is None):
        raise Invalid("text", "give either a message ('text') or a flow ('flow'), not both")
    data: dict[str, JsonValue] = {"agent": agent, "why": _why(body.get("why"))}
    if text is not None:
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise Invalid("text", f"a message of 1 to {MAX_TEXT} characters")
        data["text"] = text.strip()
    else:
        if not isinstance(flow, str) or flow not in flows:
            raise Invalid("flow", "one of the bot's flows")
        data["flow"] = flow
    return Scheduled(
        customer_id=customer_id,
        key=f"{KEY_PREFIX}{secrets.token_hex(6)}",
        due_at=due,
        name=FOLLOW_UP,
        data=data,
        created_at=now,
    )


def described(item: Scheduled, zone: ZoneInfo) -> dict[str, JsonValue]:
    """What an agent sees of a scheduled item: its name, when (in the customer's ``zone``),
    why, and whether they may cancel it (follow-ups only: a flow's wait belongs to the flow)."""
    data = item.data
    if item.name == FOLLOW_UP:
        what = f"message: {data.get('text')}" if "text" in data else f"flow {data.get('flow')}"
        why = f"{data.get('why') or 'follow-up'} ({what}, by {data.get('agent')})"
    elif "flow" in data:
        why = f"the flow {data.get('flow')} waits at {data.get('step')}"
    elif item.key.startswith("deferred:"):
        why = "a message put off by quiet hours or the daily cap"
    else:
        why = item.key
    return {
        "key": item.key,
        "name": item.name,
        "due_at": item.due_at.astimezone(zone).isoformat(),
        "why": why,
        "cancellable": item.key.startswith(KEY_PREFIX),
    }


def _due(at: object, zone: ZoneInfo, now: datetime) -> datetime:
    if not isinstance(at, str) or len(at) > 40:
        raise Invalid("at", "a date and time like 2026-03-02T10:00")
    try:
        when = datetime.fromisoformat(at)
    except ValueError as exc:
        raise Invalid("at", "a date and time like 2026-03-02T10:00") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    if when <= now:
        raise Invalid("at", "a time in the future")
    if when > now + FURTHEST:
        raise Invalid("at", "at most a year ahead")
    return when


def _why(why: object) -> str:
    if why is None:
        return ""
    if not isinstance(why, str) or len(why) > MAX_WHY:
        raise Invalid("why", f"at most {MAX_WHY} characters")
    return why.strip()
