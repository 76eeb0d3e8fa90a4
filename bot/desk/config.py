"""``bot.yaml``'s ``handoff`` and ``agents`` sections: when people answer, how waiting customers
are acknowledged, who the agents are and where they work."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _span(value: str) -> tuple[time, time]:
    match = _SPAN.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a span of hours like '09:00-18:00'")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{value!r} is not a span of hours like '09:00-18:00'")
    opens, closes = time(h1, m1), time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if closes <= opens:
        raise ValueError(f"{value!r} closes before it opens")
    return opens, closes


class OpeningHours(_Section):
    """When people answer: a span per day (``mon: "09:00-18:00"``) in ``timezone``; a day not
    given is closed."""

    timezone: str = "UTC"
    mon: str | None = None
    tue: str | None = None
    wed: str | None = None
    thu: str | None = None
    fri: str | None = None
    sat: str | None = None
    sun: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            # a key that names a folder of the time zone database ("America"), or too long for
            # a file name, fails as the file it is looked up as
            raise ValueError(f"{value!r} is not a time zone like 'America/Sao_Paulo'") from exc
        return value

    @field_validator(*DAYS)
    @classmethod
    def _valid_span(cls, value: str | None) -> str | None:
        if value is not None:
            _span(value)
        return value

    def open_at(self, moment: datetime) -> bool:
        """Whether people answer at ``moment`` (an aware datetime)."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        span: str | None = getattr(self, DAYS[local.weekday()])
        if span is None:
            return False
        opens, closes = _span(span)
        return opens <= local.time() <= closes

    def describe(self) -> str:
        """The hours in a few words, for customers: ``mon-fri 09:00-18:00, sat 09:00-13:00``."""
        groups: list[tuple[list[str], str]] = []
        for day in DAYS:
            span = getattr(self, day)
            if span is None:
                continue
            if (
                groups
                and groups[-1][1] == span
                and DAYS.index(groups[-1][0][-1]) + 1 == DAYS.index(day)
            ):
                groups[-1][0].append(day)
            else:
                groups.append(([day], span))
        parts = [
            f"{days[0]}-{days[-1]} {span}" if len(days) > 1 else f"{days[0]} {span}"
            for days, span in groups
        ]
        return ", ".join(parts) + f" ({self.timezone})"


class HandoffSection(_Section):
    """``handoff:`` talking to a person.

    ``hours``: when people answer (always, if absent). ``acknowledge_minutes``: while a customer
    waits, a message of theirs is acknowledged with their place in the queue at most this often
    (0: never). ``contact_later``: when nobody can answer (outside hours, nobody online), offer
    to be contacted later on a channel the customer picks.
    """

    hours: OpeningHours | None = None
    acknowledge_minutes: float = Field(default=5, ge=0, le=1440)
    contact_later: bool = True

    def open_at(self, moment: datetime) -> bool:
        """Whether it is within the hours people answer."""
        return self.hours is None or self.hours.open_at(moment)


class SlackDeskSection(_Section):
    """``agents.slack``: each handoff opens a thread in ``channel`` (a channel id such as
    ``C0123ABCD``, the bot a member of it); agents answer in the thread."""

    channel: str = Field(pattern=r"^[CG][A-Z0-9]{6,20}$")


class InsightsSection(_Section):
    """``agents.insights``: how the managers' insights count. ``idle_hours``: a conversation
    whose customer has not written for this long is over: contained, or abandoned at the step
    it was left on (see ``docs/agents.md``, "Insights for managers")."""

    idle_hours: float = Field(default=24, gt=0, le=24 * 30)


class AgentsSection(_Section):
    """``agents:`` who may use the agent console and where else agents work.

    ``users_file``: a file in the bot folder with ``name:hash`` lines (``omnibot agent-password``
    makes them); ``OMNIBOT_AGENT_TOKENS`` (``name:token,...``) adds agents who sign in with a
    token. ``session_hours``: how long a sign-in lasts. ``slack``: the Slack agent desk.
    ``managers``: the agents who may read the insights (``/agent/insights``), each one of the
    agents above (checked when the bot starts). ``insights``: how they count.
    """

    users_file: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_./-]+$")
    session_hours: float = Field(default=12, gt=0, le=24 * 30)
    slack: SlackDeskSection | None = None
    managers: tuple[str, ...] = ()
    insights: InsightsSection = Field(default_factory=InsightsSection)
