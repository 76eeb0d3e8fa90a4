"""The managers' insights: a scripted set of conversations (contained, abandoned at a known step,
handed off, re-contacts, a follow-up answered) driven through the real pipeline on each memory
backend, read back from the API and the CSV; refused to anyone who is not a manager."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.desk.console.managers import check_managers
from bot.errors import ConfigError
from tests.console.insights_kit import (
    ABANDONED_AT,
    DAY,
    EXPECTED_DAY,
    EXPECTED_LATER,
    HANDOFFS,
    LATER,
    MANAGERS,
    TITLED_FLOWS,
    at,
    script,
    sweep,
)
from tests.console.kit import Agent, Desk, serving
from tests.helpers import NOW, Clock


@dataclass
class Scripted:
    desk: Desk
    ana: Agent

    async def insights(self, first: str, last: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.ana.get(f"/agent/api/insights?from={first}&to={last}")
        return found

    async def csv(self, query: str) -> list[dict[str, str]]:
        async with self.ana.http.get(f"{self.desk.base}/agent/api/insights.csv?{query}") as got:
            assert got.status == 200, await got.text()
            assert got.content_type == "text/csv"
            assert got.headers["Content-Disposition"].startswith("attachment;")
            return list(csv.DictReader(io.StringIO(await got.text())))


@pytest.fixture
async def scripted(
    tmp_path: Path, backend: str, backend_url: str, namespace: str
) -> AsyncIterator[Scripted]:
    clock = Clock(NOW)
    on_redis = backend != "embedded"
    memory = f"memory: {{namespace: {namespace}}}\n" if on_redis else ""
    async with serving(
        tmp_path,
        bot_yaml=memory + MANAGERS,
        environment={"OMNIBOT_REDIS_URL": backend_url} if on_redis else {},
        clock=clock,
        flows=TITLED_FLOWS,
    ) as desk:
        ana = await desk.signed_in("ana")
        await script(desk, clock, ana)
        yield Scripted(desk, ana)


NAMES = ("channel_name", "language_name")


def by_channel(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (row["channel"], row["language"]): {
            k: v for k, v in row.items() if k not in ("channel", "language", *NAMES)
        }
        for row in rows
    }


async def test_the_days_numbers_are_those_of_the_scripted_conversations(
    scripted: Scripted,
) -> None:
    day = await scripted.insights(DAY, DAY)
    rows = by_channel(day["rows"])
    total = rows.pop(("all", "all"))
    assert rows == EXPECTED_DAY
    assert total["conversations"] == 3
    assert (total["contained"], total["handed_off"], total["abandoned"]) == (1, 1, 1)
    assert total["recontacted"] == 2
    assert day["abandoned"] == ABANDONED_AT
    assert day["handoffs"] == HANDOFFS
    assert (day["from"], day["to"], day["timezone"]) == (DAY, DAY, "UTC")
    assert "without a message from the customer" in day["definitions"]["contained"]
    # Each row names its channel and language in words beside their codes.
    names = {(row["channel"], row["language"]): tuple(row[n] for n in NAMES) for row in day["rows"]}
    assert names == {
        ("sms", "en"): ("SMS", "English"),
        ("webchat", "en"): ("Web chat", "English"),
        ("all", "all"): ("All channels", "all languages"),
    }


async def test_the_later_day_holds_the_returns_and_the_follow_up(scripted: Scripted) -> None:
    later = by_channel((await scripted.insights(LATER, LATER))["rows"])
    sms = later[("sms", "en")]
    assert {name: sms[name] for name in EXPECTED_LATER} == EXPECTED_LATER
    assert sms["outreach_answered"] == 1
    assert sms["contained"] == 0  # both still going on
    period = by_channel((await scripted.insights(DAY, LATER))["rows"])
    assert period[("all", "all")]["conversations"] == 5


async def test_the_csv_is_the_pages_numbers(scripted: Scripted) -> None:
    shown = (await scripted.insights(DAY, LATER))["rows"]
    exported = await scripted.csv(f"from={DAY}&to={LATER}")
    assert exported == [
        {name: "" if value is None else str(value) for name, value in row.items()} for row in shown
    ]
    assert (await scripted.insights(DAY, LATER))["rows"] == shown  # reading changed nothing
    abandoned = await scripted.csv(f"from={DAY}&to={DAY}&table=abandoned")
    assert abandoned == [{name: str(value) for name, value in row.items()} for row in ABANDONED_AT]
    handoffs = await scripted.csv(f"from={DAY}&to={DAY}&table=handoffs")
    assert [row["reason"] for row in handoffs] == ["a question about an order"]


async def test_nobody_but_a_manager_reads_the_insights(scripted: Scripted) -> None:
    desk = scripted.desk
    bruno = await desk.signed_in("bruno")
    assert (await bruno.get("/agent/api/session"))["manager"] is False
    assert (await scripted.ana.get("/agent/api/session"))["manager"] is True
    for path in ("/agent/insights", "/agent/api/insights", f"/agent/api/insights.csv?from={DAY}"):
        async with bruno.http.get(f"{desk.base}{path}") as response:
            assert response.status == 403
            assert "0," not in await response.text()
        stranger = desk.agent()
        async with stranger.http.get(f"{desk.base}{path}", allow_redirects=False) as response:
            assert response.status == (302 if path == "/agent/insights" else 401)


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-11-30&to=2026-11-01",
        "from=2025-01-01&to=2026-11-22",
        "from=yesterday",
        "to=2026-13-01",
        "table=secrets",
    ],
)
async def test_a_period_or_table_that_makes_no_sense_is_refused(tmp_path: Path, query: str) -> None:
    async with serving(tmp_path, bot_yaml=MANAGERS) as desk:
        ana = await desk.signed_in("ana")
        async with ana.http.get(f"{desk.base}/agent/api/insights.csv?{query}") as response:
            assert response.status == 400


def test_a_manager_who_is_not_an_agent_is_reported_where_they_are_named(tmp_path: Path) -> None:
    (tmp_path / "bot.yaml").write_text("name: Shop\nagents:\n  managers:\n    - ana\n    - zoe\n")
    assert check_managers(tmp_path, ["ana"], ["ana", "bruno"]) == frozenset({"ana"})
    with pytest.raises(ConfigError) as raised:
        check_managers(tmp_path, ["ana", "zoe"], ["ana", "bruno"])
    [problem] = raised.value.problems
    assert problem.endswith("bot.yaml:5:7: 'zoe' is not an agent (the agents: ana, bruno)")


async def test_the_bot_does_not_start_with_an_unknown_manager(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'zoe' is not an agent"):
        async with serving(tmp_path, bot_yaml="agents:\n  managers: [zoe]\n"):
            pass


async def test_an_erased_customers_conversation_is_forgotten_not_checked(
    tmp_path: Path, backend: str, backend_url: str, namespace: str
) -> None:
    clock = Clock(NOW)
    on_redis = backend != "embedded"
    async with serving(
        tmp_path,
        bot_yaml=(f"memory: {{namespace: {namespace}}}\n" if on_redis else "") + MANAGERS,
        environment={"OMNIBOT_REDIS_URL": backend_url} if on_redis else {},
        clock=clock,
    ) as desk:
        await desk.say("sms", "+12025550100", "take the survey")
        customer = await desk.customer("sms", "+12025550100")
        await desk.runtime.memory.erase(customer)
        at(clock, "2026-11-23T13:00:00+00:00")
        assert await sweep(desk) == 0
        assert await desk.runtime.memory.load(customer) is None  # not made again by a check
        insights = desk.runtime.insights
        assert insights is not None
        assert await insights.tallies.due(clock.now.timestamp() + 10**6, 1, 10) == []  # forgotten
