"""The managers' view: ``GET /agent/insights`` (the page), ``GET /agent/api/insights`` (the
period's numbers as JSON, with their definitions) and ``GET /agent/api/insights.csv`` (one of
its tables as CSV). Every one needs a signed-in agent named in ``agents.managers``: anyone else
gets a 403 (and a signed-out browser the sign-in page). Reading changes nothing, so none of them
asks for the CSRF token."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from aiohttp import web

from bot.desk.console import assets
from bot.desk.console.sessions import Sessions
from bot.desk.insights.export import TABLES, to_csv
from bot.desk.insights.recorder import Insights
from bot.desk.insights.report import Report, days, definitions, report
from bot.desk.insights.tallies import MAX_DAYS
from bot.desk.store import Session
from bot.errors import MemoryUnavailable
from bot.format.messages import utcnow

DEFAULT_DAYS = 7
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_UNREACHABLE = "the memory is unreachable; try again"


class BadPeriod(ValueError):
    """``from``/``to`` that are not a period the insights can read."""


@dataclass(frozen=True, slots=True)
class InsightsParts:
    """What the managers' view reads: who is signed in, who manages, the counts and the flows'
    titles."""

    sessions: Sessions
    managers: frozenset[str]
    insights: Insights
    titles: Callable[[], dict[str, str]] = dict
    clock: Callable[[], datetime] = utcnow
    labels: Callable[[], dict[str, str]] = dict


class InsightsApi:
    """``/agent/insights`` and its API."""

    def __init__(self, parts: InsightsParts) -> None:
        self.parts = parts
        self._page = assets.read("insights.html")
        self._assets = assets.Assets(("insights.js", "insights.css"))

    def routes(self) -> list[web.RouteDef]:
        """The managers' view's routes."""
        return [
            web.get("/agent/insights", self.page),
            *self._assets.routes(),
            web.get("/agent/api/insights", self.numbers),
            web.get("/agent/api/insights.csv", self.csv),
        ]

    async def page(self, request: web.Request) -> web.StreamResponse:
        """The page, for a manager; the console's sign-in for a signed-out browser."""
        session = await self.parts.sessions.of(request)
        if session is None:
            raise web.HTTPFound("/agent")
        if not self._manages(session):
            return web.Response(status=403, text="the insights are for managers", headers=_HEADERS)
        return assets.page(self._page, _HEADERS)

    async def numbers(self, request: web.Request) -> web.Response:
        """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both included; the last 7 days by default):
        the table, the abandonments, the handoffs' reasons and the definitions."""
        found = await self._report(request)
        policy = self.parts.insights.policy
        idle_hours = policy.idle.total_seconds() / 3600
        body = {
            **asdict(found),
            "from": found.first.isoformat(),
            "to": found.last.isoformat(),
            "timezone": policy.zone.key,
            "idle_hours": idle_hours,
            "definitions": definitions(idle_hours),
        }
        del body["first"], body["last"]
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    async def csv(self, request: web.Request) -> web.Response:
        """``?from=&to=&table=`` (``table``, ``abandoned`` or ``handoffs``): that table as CSV."""
        table = request.query.get("table", "table")
        found = await self._report(request)
        if table not in TABLES:
            return web.json_response({"error": f"table: one of {', '.join(TABLES)}"}, status=400)
        name = f"insights-{table}-{found.first.isoformat()}-{found.last.isoformat()}.csv"
        return web.Response(
            text=to_csv(found, table),
            content_type="text/csv",
            charset="utf-8",
            headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def _manager(self, request: web.Request) -> None:
        """Raises 401 for a signed-out browser, 403 for an agent who is not a manager."""
        session = await self.parts.sessions.agent(request)
        if not self._manages(session):
            raise _refusal(web.HTTPForbidden, "the insights are for managers")

    def _manages(self, session: Session) -> bool:
        return session.agent in self.parts.managers

    async def _report(self, request: web.Request) -> Report:
        """The report a manager asks for; raises the 4xx or 503 to answer instead."""
        await self._manager(request)
        try:
            first, last = self._period(request.query.get("from"), request.query.get("to"))
            tallies = await self.parts.insights.tallies.read(days(first, last))
        except BadPeriod as exc:
            raise _refusal(web.HTTPBadRequest, str(exc)) from exc
        except MemoryUnavailable as exc:
            raise _refusal(
                web.HTTPServiceUnavailable, "the memory is unreachable; try again"
            ) from exc
        return report(first, last, tallies, self.parts.titles(), self.parts.labels())

    def _period(self, start: str | None, end: str | None) -> tuple[date, date]:
        today = self.parts.clock().astimezone(self.parts.insights.policy.zone).date()
        last = _day(end, "to") if end else today
        first = _day(start, "from") if start else last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise BadPeriod("'from' comes after 'to'")
        if (last - first).days + 1 > MAX_DAYS:
            raise BadPeriod(f"a period is at most {MAX_DAYS} days")
        return first, last


def _refusal(kind: type[web.HTTPError], error: str) -> web.HTTPError:
    return kind(text=json.dumps({"error": error}), content_type="application/json")


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value[:10]) if len(value) == 10 else _bad(name)
    except ValueError:
        return _bad(name)


def _bad(name: str) -> date:
    raise BadPeriod(f"'{name}' must be a day like 2026-01-31")
