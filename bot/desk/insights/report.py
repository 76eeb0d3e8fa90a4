"""The insights of a period, read from the daily tallies: the table per channel and language,
where conversations were abandoned, why they were handed off, and what each number means."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.desk.insights import fields
from bot.desk.summary import humanised
from bot.format.channel_names import channel_name
from bot.format.language_tags import language_name

TimeValue = int | str | None
"""A time in seconds: the bound of the bucket it falls in (``"inf"``: over seven days;
``None``: nothing to measure)."""


def definitions(idle_hours: float) -> dict[str, str]:
    """What each number counts, written next to it on the page and in the documentation."""
    idle = f"{idle_hours:g} hour{'s' if idle_hours != 1 else ''}"
    return {
        "conversations": "Conversations a customer started in the period: a message from a "
        f"customer who had no conversation going (none, or the last one over: {idle} without a "
        "message from them, or let go by an agent).",
        "contained": "Contained by the bot: conversations that ended, after "
        f"{idle} without a message from the customer, with no flow waiting for an answer and "
        "never handed to a person.",
        "handed_off": "Handed off: conversations that came onto the agents' desk (waiting for a "
        "person, or asking to be contacted later).",
        "abandoned": f"Abandoned: conversations left for {idle} in the middle of a flow "
        "(the flow's step they were left at is listed below), never handed to a person.",
        "recontacted": "Re-contacted within 7 days: of the conversations started in the period, "
        "those after which the same customer started another within 7 days of its end.",
        "first_response": "First response: from the handoff to the first message a person sent "
        "the customer (median and 90th percentile, as the upper bound of the bucket it falls "
        "in: 1, 5, 15, 30 min, 1, 2, 4, 8 h, 1, 3, 7 days).",
        "resolution": "Resolution: from the handoff to the agent letting the conversation go "
        "back to the bot (resolved), for conversations an agent took.",
        "outreach_sent": "Outreach sent: messages the business started (events, schedules) that "
        "the outreach rules let go, counted on the day they went, on the channel chosen.",
        "outreach_delivered": "Outreach delivered: of those, the ones the channel accepted.",
        "outreach_answered": "Outreach answered: of those, the ones the customer wrote back to "
        "within 24 hours.",
    }


@dataclass(slots=True)
class Row:
    """One channel and language of the period (``channel`` ``"all"`` for the total)."""

    channel: str
    language: str
    counts: Counter[str] = field(default_factory=Counter)
    buckets: dict[str, Counter[str]] = field(default_factory=dict)

    def time(self, metric: str, share: float) -> TimeValue:
        """The time under which ``share`` of the handoffs' ``metric`` fall."""
        counted = self.buckets.get(metric, Counter())
        total = sum(counted.values())
        if not total:
            return None
        needed, seen = math.ceil(share * total), 0
        for bound in (*(str(b) for b in fields.BUCKETS), "inf"):
            seen += counted[bound]
            if seen >= needed:
                return int(bound) if bound != "inf" else "inf"
        return "inf"

    def values(self) -> dict[str, int | str | None]:
        """The row's numbers by column (see :data:`COLUMNS`), its channel and language by their
        codes and by their names."""
        total = self.channel == "all"
        shown: dict[str, int | str | None] = {
            "channel": self.channel,
            "channel_name": "All channels" if total else channel_name(self.channel),
            "language": self.language,
            "language_name": "all languages" if total else language_name(self.language),
        }
        shown.update({metric: self.counts[metric] for metric in fields.METRICS})
        for metric in fields.TIMES:
            shown[f"{metric}_median_s"] = self.time(metric, 0.5)
            shown[f"{metric}_p90_s"] = self.time(metric, 0.9)
        return shown


COLUMNS = (
    "channel",
    "channel_name",
    "language",
    "language_name",
    *fields.METRICS,
    *(f"{metric}_{q}_s" for metric in fields.TIMES for q in ("median", "p90")),
)
"""The table's columns, in order (the CSV's header)."""


@dataclass(frozen=True, slots=True)
class Report:
    """A period's insights."""

    first: date
    last: date
    rows: list[dict[str, int | str | None]]
    abandoned: list[dict[str, int | str | None]]
    handoffs: list[dict[str, int | str | None]]


def days(first: date, last: date) -> list[str]:
    """Each day of the period, as the tallies name them."""
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def report(
    first: date,
    last: date,
    tallies: Mapping[str, Mapping[str, int]],
    titles: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
) -> Report:
    """The insights of ``first``..``last`` (both included) from their days' ``tallies``;
    ``titles`` names flows and ``labels`` steps (an ``ask`` step by its slot's label); those
    without one are named by their id made readable."""
    named = _Names(titles, labels or {})
    rows: dict[tuple[str, str], Row] = {}
    total = Row("all", "all")
    drops: Counter[tuple[str, str]] = Counter()
    whys: Counter[tuple[str, str, str]] = Counter()
    for counters in tallies.values():
        for name, amount in counters.items():
            kind, *parts = name.split("|")
            if kind == "drop" and len(parts) == 2:
                drops[(parts[0], parts[1])] += amount
            elif kind == "why" and len(parts) == 3:
                whys[(parts[0], parts[1], parts[2])] += amount
            elif kind == "t" and len(parts) in (3, 4):
                row = rows.setdefault((parts[0], parts[1]), Row(parts[0], parts[1]))
                for target in (row, total):
                    _count(target, parts[2:], amount)
    ordered = [rows[key].values() for key in sorted(rows)]
    return Report(
        first,
        last,
        [*ordered, total.values()],
        [
            {**named.where(flow, step), "count": n}
            for (flow, step), n in sorted(drops.items(), key=lambda item: (-item[1], item[0]))
        ],
        [
            {**named.where(flow, step), "reason": _shown(why), "count": n}
            for (flow, step, why), n in sorted(whys.items(), key=lambda item: (-item[1], item[0]))
        ],
    )


@dataclass(frozen=True, slots=True)
class _Names:
    titles: Mapping[str, str]
    labels: Mapping[str, str]

    def where(self, flow: str, step: str) -> dict[str, int | str | None]:
        """A flow and step by their ids and in words."""
        flow_id, step_id = _shown(flow), _shown(step)
        return {
            "flow": flow_id,
            "title": self.titles.get(flow) or _readable(flow_id),
            "step": step_id,
            "step_title": self.labels.get(step) or _readable(step_id),
        }


def _readable(name: str | None) -> str | None:
    return humanised(name) if name else None


def _count(row: Row, parts: list[str], amount: int) -> None:
    if len(parts) == 1 and parts[0] in fields.METRICS:
        row.counts[parts[0]] += amount
    elif len(parts) == 2 and parts[0] in fields.TIMES:
        row.buckets.setdefault(parts[0], Counter())[parts[1]] += amount


def _shown(part: str) -> str | None:
    """A part of a field as shown: ``None`` for a missing one."""
    return None if part == fields.NONE else part
