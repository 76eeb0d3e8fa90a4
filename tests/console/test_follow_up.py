"""Follow-ups from the console: an agent schedules a message or a flow for a time of the
customer's day, sees what is scheduled for them, cancels one; the item fires through the
schedule as a transactional proactive turn on the customer's channel. On each memory backend,
since the schedule is the memory's; everything refused changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.format.messages import VerifiedAttribute
from bot.format.outbound import Text
from tests.console.kit import TITLED, Agent, Desk, serving
from tests.helpers import NOW, Clock

USER = "+12025550143"  # Washington: the customer's day is New York's


@dataclass
class Setup:
    desk: Desk
    clock: Clock
    ana: Agent
    customer: str

    def sent(self) -> list[str]:
        return [m.text for m in self.desk.channels["sms"].sent[USER] if isinstance(m, Text)]

    async def scheduled(self) -> list[dict[str, Any]]:
        view = await self.ana.get(f"/agent/api/conversations/{self.customer}")
        found: list[dict[str, Any]] = view["scheduled"]
        return found

    async def notes(self) -> list[dict[str, Any]]:
        view = await self.ana.get(f"/agent/api/conversations/{self.customer}")
        return [e for e in view["entries"] if e["from"] == "note"]

    async def at(self, iso: str) -> int:
        """Move the clock to ``iso`` (UTC) and fire what is due."""
        self.clock.now = NOW.fromisoformat(iso)
        scheduler = self.desk.runtime.scheduler
        assert scheduler is not None
        fired = await scheduler.fire_due()
        await self.desk.settle()
        return fired


@pytest.fixture
async def setup(
    tmp_path: Path, backend: str, backend_url: str, namespace: str
) -> AsyncIterator[Setup]:
    clock = Clock(NOW)
    on_redis = backend != "embedded"
    async with serving(
        tmp_path,
        bot_yaml=f"memory: {{namespace: {namespace}}}\n" if on_redis else "",
        environment={"OMNIBOT_REDIS_URL": backend_url} if on_redis else {},
        clock=clock,
        flows=TITLED,
    ) as desk:
        phone = VerifiedAttribute(kind="phone", value=USER, issuer="sms")  # as Twilio's SMS
        await desk.channels["sms"].say(USER, "hello", verified=(phone,))
        await desk.settle()
        customer = await desk.customer("sms", USER)
        yield Setup(desk, clock, await desk.signed_in("ana"), customer)


async def test_a_message_for_tomorrow_10_00_goes_then_on_the_customers_channel(
    setup: Setup,
) -> None:
    before = len(setup.sent())
    response = await setup.ana.act(
        setup.customer,
        "follow_up",
        at="2026-11-23T10:00",
        text="Hi, it's Ana: your refund went out today.",
        why="promised to confirm the refund",
    )
    assert response.status == 201, await response.text()
    [item] = await setup.scheduled()
    assert item["due_at"] == "2026-11-23T10:00:00-05:00"  # New York, the phone's zone
    assert item["name"] == "follow_up"
    assert item["why"].startswith("promised to confirm the refund (message: Hi, it's Ana")
    assert item["cancellable"] is True
    view = await setup.ana.get(f"/agent/api/conversations/{setup.customer}")
    assert view["timezone"] == "America/New_York"
    [note] = await setup.notes()
    assert note["agent"] == "ana"
    assert note["text"].startswith("follow-up scheduled by ana")

    assert await setup.at("2026-11-23T14:59:00+00:00") == 0
    assert len(setup.sent()) == before
    assert await setup.at("2026-11-23T15:00:00+00:00") == 1
    assert setup.sent()[before:] == ["Hi, it's Ana: your refund went out today."]
    assert await setup.scheduled() == []
    texts = [note["text"] for note in await setup.notes()]
    assert "transactional message sent on sms" in texts
    assert texts.count("follow-up scheduled by ana") == 1


async def test_a_flow_follow_up_starts_the_flow(setup: Setup) -> None:
    response = await setup.ana.act(
        setup.customer, "follow_up", at="2026-11-22T18:30:00+00:00", flow="survey"
    )
    assert response.status == 201, await response.text()
    before = len(setup.sent())
    assert await setup.at("2026-11-22T18:30:00+00:00") == 1
    assert setup.sent()[before:] == ["How did we do?"]


async def test_a_cancelled_follow_up_never_goes(setup: Setup) -> None:
    await setup.ana.act(setup.customer, "follow_up", at="2026-11-23T10:00", text="Still there?")
    [item] = await setup.scheduled()
    response = await setup.ana.act(setup.customer, "cancel_follow_up", key=item["key"])
    assert response.status == 200
    assert await setup.scheduled() == []
    assert any(n["text"].startswith("follow-up cancelled by ana") for n in await setup.notes())
    again = await setup.ana.act(setup.customer, "cancel_follow_up", key=item["key"])
    assert again.status == 404
    before = len(setup.sent())
    assert await setup.at("2026-11-24T10:00:00+00:00") == 0
    assert len(setup.sent()) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "hi"}, "at"),
        ({"at": "tomorrow", "text": "hi"}, "at"),
        ({"at": "2026-11-22T06:59", "text": "hi"}, "at"),  # 11:59 UTC: the past
        ({"at": "2028-01-01T10:00", "text": "hi"}, "at"),
        ({"at": "2026-11-23T10:00"}, "text"),
        ({"at": "2026-11-23T10:00", "text": "hi", "flow": "survey"}, "text"),
        ({"at": "2026-11-23T10:00", "text": "  "}, "text"),
        ({"at": "2026-11-23T10:00", "text": "x" * 1001}, "text"),
        ({"at": "2026-11-23T10:00", "flow": "no_such_flow"}, "flow"),
        ({"at": "2026-11-23T10:00", "flow": ["survey"]}, "flow"),
        ({"at": "2026-11-23T10:00", "flow": "cart_reminder"}, "flow"),  # the business's own
        ({"at": "2026-11-23T10:00", "text": "hi", "why": 3}, "why"),
    ],
)
async def test_a_malformed_follow_up_is_refused_with_its_field_and_schedules_nothing(
    setup: Setup, body: dict[str, Any], field: str
) -> None:
    response = await setup.ana.act(setup.customer, "follow_up", **body)
    assert response.status == 400
    answer = await response.json()
    assert answer["field"] == field
    assert answer["error"].startswith(f"{field}: ")
    assert await setup.scheduled() == []
    assert await setup.notes() == []


async def test_follow_ups_need_a_session_and_its_csrf_token(setup: Setup) -> None:
    body = {"at": "2026-11-23T10:00", "text": "hi"}
    forged = await setup.ana.act(setup.customer, "follow_up", csrf="forged", **body)
    assert forged.status == 403
    stranger = setup.desk.agent()
    assert (await stranger.act(setup.customer, "follow_up", **body)).status == 401
    assert (await setup.ana.act("nobody", "follow_up", **body)).status == 404
    assert await setup.scheduled() == []


async def test_only_follow_ups_are_cancelled_from_the_console(setup: Setup) -> None:
    for key in ("flow:3:0", "deferred:event:x", None, "follow-up:" + "x" * 80):
        response = await setup.ana.act(setup.customer, "cancel_follow_up", key=key)
        assert response.status == 400
        assert (await response.json())["field"] == "key"
