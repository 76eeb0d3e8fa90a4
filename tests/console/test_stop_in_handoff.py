"""A customer who says stop while a person has the conversation: the stop is recorded as
anywhere else (the channel and marketing, with a withdrawn consent), confirmed once on that
channel (by the bot where the channel has no confirmation of its own; on SMS the carrier
answer is the one), the agent reads a note saying so, the handoff goes on, and the agent's
reply to the stopped channel is refused with a reason the console shows. On the embedded
memory and on Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.format.outbound import Text
from bot.turn.store import Memory
from dialogs.design.defaults import MESSAGES
from tests.console.kit import Agent, Desk, serving
from tests.helpers import text_of

CONFIRMED = MESSAGES["opted_out"]["en"]
REFUSED = (
    "the customer said stop on {channel}, so nothing more may be sent there;"
    " they can write START there, or write to us on another channel"
)


@pytest.fixture
async def desk(tmp_path: Path, memory: Memory) -> AsyncIterator[Desk]:
    async with serving(tmp_path, memory=memory) as running:
        await running.online()
        yield running


async def held(desk: Desk, channel: str, user: str) -> tuple[str, Agent]:
    """A customer on ``channel`` waiting for a person, claimed by Ana."""
    await desk.say(channel, user, "where is my order")
    replies = await desk.say(channel, user, "A-12345")
    assert replies[0] == "Let me get someone to look at order A-12345."
    customer = await desk.customer(channel, user)
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim")).status == 200
    await desk.settle()
    return customer, ana


def said(desk: Desk, channel: str, user: str) -> list[str]:
    return [text_of(m) for m in desk.channels[channel].sent[user] if isinstance(m, Text)]


async def test_a_typed_stop_with_an_agent_is_confirmed_once_noted_and_blocks_replies(
    desk: Desk,
) -> None:
    user = "visitor-1"
    customer, ana = await held(desk, "webchat", user)
    before = len(said(desk, "webchat", user))
    for event_id in ("stop-1", "stop-1"):  # a redelivery of the same message
        await desk.channels["webchat"].say(user, "Stop", event_id=event_id)
    await desk.settle()
    assert said(desk, "webchat", user)[before:] == [CONFIRMED]

    record = await desk.runtime.memory.load(customer)
    assert record is not None
    assert record.opted_out == frozenset({"webchat"})
    assert record.handoff.status == "agent", "the handoff goes on"
    assert record.handoff.agent_id == "ana"
    assert [(c.channel, c.wording, c.given) for c in record.outreach.consents] == [
        ("webchat", "Stop", False)
    ]
    view = await ana.get(f"/agent/api/conversations/{customer}")
    notes = [e["text"] for e in view["entries"] if e["from"] == "note"]
    expected = "the customer said stop on web chat; marketing and this channel are stopped"
    assert notes.count(expected) == 1
    assert view["customer"]["stopped"] == ["webchat"]

    response = await ana.act(customer, "reply", text="Are you still there?")
    assert response.status == 409
    assert (await response.json())["error"] == REFUSED.format(channel="web chat")
    await desk.settle()
    assert said(desk, "webchat", user)[before:] == [CONFIRMED], "nothing after the stop"
    assert (await ana.act(customer, "note", text="they stopped")).status == 202


async def test_an_sms_stop_with_an_agent_is_not_confirmed_twice(desk: Desk) -> None:
    user = "+12025550143"
    customer, ana = await held(desk, "sms", user)
    before = len(said(desk, "sms", user))
    await desk.channels["sms"].submit(user, "SM1", kind="command", command={"name": "stop"})
    await desk.settle()
    assert said(desk, "sms", user)[before:] == [], "the carrier compliance answer confirms"
    record = await desk.runtime.memory.load(customer)
    assert record is not None
    assert record.opted_out == frozenset({"sms"})
    assert record.handoff.status == "agent"
    assert [(c.channel, c.given) for c in record.outreach.consents] == [("sms", False)]
    view = await ana.get(f"/agent/api/conversations/{customer}")
    notes = [e["text"] for e in view["entries"] if e["from"] == "note"]
    assert "the customer said stop on SMS; marketing and this channel are stopped" in notes
    response = await ana.act(customer, "reply", text="hello?")
    assert response.status == 409
    assert (await response.json())["channel"] == "sms"


async def test_a_stop_while_waiting_keeps_the_customer_in_the_queue(desk: Desk) -> None:
    user = "visitor-2"
    await desk.say("webchat", user, "where is my order")
    await desk.say("webchat", user, "A-12345")
    customer = await desk.customer("webchat", user)
    assert await desk.say("webchat", user, "parar") == [CONFIRMED]
    record = await desk.runtime.memory.load(customer)
    assert record is not None
    assert record.handoff.status == "waiting", "a stop is not 'never mind'"
    ana = await desk.signed_in("ana")
    queue = await ana.get("/agent/api/queue")
    assert customer in [item["customer"] for item in queue["waiting"]]
