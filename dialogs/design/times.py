"""Times as a flow file writes them: durations (``30m``, ``2h``, ``1d``, ``1h30m``) and times of
day (``10:00``), and when a time of day next comes in a time zone.

A duration is one or more numbers each followed by its unit, largest first: ``d`` days, ``h``
hours, ``m`` minutes, ``s`` seconds. A time of day is ``HH:MM`` on the 24-hour clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

DURATION = r"^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"
_DURATION = re.compile(DURATION)
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_LONGEST = timedelta(days=366)
TIME_OF_DAY = r"^([01]\d|2[0-3]):[0-5]\d$"
_TIME_OF_DAY = re.compile(TIME_OF_DAY)


def parse_duration(value: Any) -> timedelta:
    """``value`` as a duration; raises ``ValueError`` with the form expected."""
    if isinstance(value, timedelta):
        return value
    written = str(value).strip().replace(" ", "")
    found = _DURATION.match(written) if isinstance(value, str) and written else None
    if found is None:
        raise ValueError(
            f"{value!r} is not a duration: write a number and a unit, such as 30m, 2h, 1d or 1h30m"
        )
    parts = {_UNITS[part[-1]]: int(part[:-1]) for part in found.groups() if part}
    duration = timedelta(**parts)
    if not timedelta(0) < duration <= _LONGEST:
        raise ValueError(f"{value!r}: a duration is more than 0s and at most 366d")
    return duration


def shown_duration(duration: timedelta) -> str:
    """A duration in the form a flow file writes it (``1h30m``)."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(shown_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION, "examples": ["30m", "2h", "1d"]}),
]
"""A duration in a flow file: ``30m``, ``2h``, ``1d``, ``1h30m``."""


def parse_time_of_day(value: Any) -> time:
    """``value`` (``HH:MM``) as a time of day; raises ``ValueError`` with the form expected."""
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not _TIME_OF_DAY.match(value.strip()):
        raise ValueError(f"{value!r} is not a time of day: write HH:MM, such as 10:00 or 18:30")
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


TimeOfDay = Annotated[
    time,
    BeforeValidator(parse_time_of_day),
    PlainSerializer(lambda at: at.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": TIME_OF_DAY, "examples": ["10:00"]}),
]
"""A time of day in a flow file, ``HH:MM``."""

Day = Literal["next", "soonest"]


def next_time_of_day(now: datetime, at: time, zone: ZoneInfo, day: Day) -> datetime:
    """When ``at`` o'clock next comes in ``zone`` after ``now``: on the next day (``next``), or
    today if it is still ahead, else tomorrow (``soonest``). Counted on the calendar of the
    zone, so a day with a clock change is still ``at`` o'clock; a time the change skips is
    read as the time after it (the offset before the change)."""
    local = now.astimezone(zone)
    target = _on(local.date(), at, zone)
    if day == "next" or target <= now:
        target = _on(local.date() + timedelta(days=1), at, zone)
    return target


def _on(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)
