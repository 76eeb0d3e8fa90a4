"""The console's view of one customer, on both memory backends: the profile panel's data
(verified facts with who vouched, channels with first and last contact kept across turns,
consent, past conversations), the summary in words, the place in the queue; nothing of another
customer's and nothing secret."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.format.messages import VerifiedAttribute
from bot.turn.store import Memory
from tests.console.kit import Desk, serving
from tests.helpers import Clock

PHONE = "+12025550143"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
async def desk(tmp_path: Path, memory: Memory, clock: Clock) -> AsyncIterator[Desk]:
    async with serving(tmp_path, memory=memory, clock=clock) as running:
        await running.online()
        yield running


async def handed_off(desk: Desk, user: str = PHONE, order: str = "A-12345") -> str:
    sms = desk.channels["sms"]
    phone = VerifiedAttribute(kind="phone", value=user, issuer="sms")
    await sms.say(user, "where is my order", verified=(phone,))
    await desk.say("sms", user, order)
    return await desk.customer("sms", user)


async def test_the_profile_shows_who_the_customer_is_and_where_they_wrote(
    desk: Desk, clock: Clock
) -> None:
    customer = await handed_off(desk)
    clock.now = START + timedelta(hours=2)
    await desk.say("sms", PHONE, "are you there?")
    ana = await desk.signed_in("ana")
    view = await ana.get(f"/agent/api/conversations/{customer}")

    profile = view["profile"]
    assert profile["verified"] == [{"kind": "phone", "value": PHONE, "issuer": "sms"}]
    assert profile["channels"] == [
        {
            "channel": "sms",
            "first": START.isoformat(),
            "last": clock.now.isoformat(),
            "opted_out": False,
            "unreachable": False,
        }
    ]
    assert profile["language"] == "en"
    assert profile["consent"] == {"marketing": None, "at": None, "channel": None, "opted_out": []}
    [ongoing] = profile["conversations"]
    reason = "a question about an order"
    assert ongoing == {"at": START.isoformat(), "reason": reason, "ended": None}
    assert view["queued"] == 1
    assert view["customer"]["channels"] == ["sms"]


async def test_the_summary_is_in_words_and_a_resolved_handoff_becomes_a_past_conversation(
    desk: Desk, clock: Clock
) -> None:
    customer = await handed_off(desk)
    ana = await desk.signed_in("ana")
    [item] = (await ana.get("/agent/api/queue"))["waiting"]
    assert item["goal"] == "Order"
    assert item["readable"] == {
        "goal": "Order",
        "facts": [{"label": "Order id", "value": "A-12345"}],
        "failed": [],
    }
    assert (await ana.act(customer, "claim")).status == 200
    clock.now = START + timedelta(minutes=10)
    assert (await ana.act(customer, "resolve")).status == 202
    await desk.settle()

    clock.now = START + timedelta(days=1)
    await handed_off(desk, order="B-20003")
    view = await ana.get(f"/agent/api/conversations/{customer}")
    earlier, ongoing = view["profile"]["conversations"]
    assert earlier == {
        "at": START.isoformat(),
        "reason": "a question about an order",
        "ended": (START + timedelta(minutes=10)).isoformat(),
        "outcome": "resolved by ana",
    }
    assert ongoing["ended"] is None
    assert view["customer"]["readable"]["facts"] == [{"label": "Order id", "value": "B-20003"}]
    assert view["holder"] is None
    assert view["queued"] == 1


async def test_nothing_of_another_customer_nor_anything_secret_is_shown(desk: Desk) -> None:
    session = "web-session-5f1c2a9e7d"
    customer = await handed_off(desk)
    await desk.say("webchat", session, "where is my order")
    await desk.say("webchat", session, "Z-99999")
    other = await desk.customer("webchat", session)
    ana = await desk.signed_in("ana")

    mine = await ana.get(f"/agent/api/conversations/{customer}")
    theirs = await ana.get(f"/agent/api/conversations/{other}")
    assert "Z-99999" not in json.dumps(mine)
    assert PHONE not in json.dumps(theirs)
    glance = json.dumps([theirs["profile"], theirs["customer"]])
    assert session not in glance
    assert theirs["profile"]["channels"][0]["channel"] == "webchat"

    stranger = desk.agent()
    async with stranger.http.get(f"{desk.base}/agent/api/conversations/{customer}") as answer:
        assert answer.status == 401
        assert PHONE not in await answer.text()
