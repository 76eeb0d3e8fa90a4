"""The names of the tallies' fields, and the buckets of the times.

A day's tallies are one hash of counters: ``t|<channel>|<language>|<metric>`` for the table,
``drop|<flow>|<step>`` for where conversations were abandoned, ``why|<flow>|<step>|<reason>``
for what handed them off, and ``t|<channel>|<language>|<time>|<bucket>`` for the times (how many
fell at or under each bucket's bound, not cumulative)."""

from __future__ import annotations

import re

METRICS = (
    "conversations",
    "contained",
    "handed_off",
    "abandoned",
    "recontacted",
    "outreach_sent",
    "outreach_delivered",
    "outreach_answered",
)
"""The counted metrics of the table, in its order."""
TIMES = ("first_response", "resolution")
"""The timed metrics of handoffs."""
BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200, 604800)
"""Upper bounds of the time buckets, in seconds (1 min ... 7 days); longer times go in ``inf``."""
NONE = "-"
"""The name of a part that is missing (no flow, no step, no reason)."""
_UNSAFE = re.compile(r"[|\x00-\x1f\x7f]")


def part(value: str | None) -> str:
    """A name made safe to be one part of a field: no separator, no control characters, short."""
    cleaned = _UNSAFE.sub("_", value or "")[:64]
    return cleaned or NONE


def table(channel: str, language: str, metric: str) -> str:
    """The field of one counted metric of one channel and language."""
    return f"t|{part(channel)}|{part(language)}|{metric}"


def bucket(seconds: float) -> str:
    """The bucket a time falls in."""
    for bound in BUCKETS:
        if seconds <= bound:
            return str(bound)
    return "inf"


def timed(channel: str, language: str, metric: str, seconds: float) -> str:
    """The field counting one time of one channel and language."""
    return f"t|{part(channel)}|{part(language)}|{metric}|{bucket(seconds)}"


def dropped(flow: str | None, step: str | None) -> str:
    """The field counting conversations abandoned at one flow's step."""
    return f"drop|{part(flow)}|{part(step)}"


def why(flow: str | None, step: str | None, reason: str | None) -> str:
    """The field counting handoffs from one flow's step for one reason."""
    return f"why|{part(flow)}|{part(step)}|{part(reason)}"
