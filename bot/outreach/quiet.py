"""The customer's local time: their time zone, and the hours the business keeps quiet in it.

A customer's time zone is their profile's ``timezone`` (an IANA name a flow set, such as
``America/Sao_Paulo``), else the one of their phone's country when the country has only one
(a Brazilian number spans four zones, so Brazil falls through), else the bot's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_zones

from bot.turn.customer import CustomerRecord

_UNKNOWN = "Etc/Unknown"


def customer_zone(customer: CustomerRecord, fallback: ZoneInfo) -> ZoneInfo:
    """The time zone ``customer`` lives in, as far as the record tells (see the module)."""
    named = customer.profile.get("timezone")
    if isinstance(named, str):
        zone = _zone(named)
        if zone is not None:
            return zone
    for attribute in customer.verified:
        if attribute.kind == "phone":
            zone = _phone_zone(attribute.value)
            if zone is not None:
                return zone
    return fallback


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _phone_zone(phone: str) -> ZoneInfo | None:
    """The one zone of the phone's number range, or ``None`` when it has several or none."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    names = [n for n in phone_zones.time_zones_for_number(number) if n != _UNKNOWN]
    return _zone(names[0]) if len(names) == 1 else None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours from ``start`` to ``end`` (across midnight when ``end`` is earlier) in which
    nothing proactive goes."""

    start: time
    end: time

    def quiet(self, local: datetime) -> bool:
        """Whether the local time ``local`` is in the quiet hours."""
        now = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def next_allowed(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The first moment at or after ``now`` (UTC) outside the quiet hours, in UTC."""
        local = now.astimezone(zone)
        if not self.quiet(local):
            return now
        day = local.date()
        if local.time().replace(tzinfo=None) >= self.end:  # the evening: quiet until tomorrow
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=zone).astimezone(now.tzinfo)


def day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of ``now``'s local day in ``zone``, in ``now``'s time zone (for the daily caps)."""
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(), tzinfo=zone).astimezone(now.tzinfo)
