"""A scripted set of conversations for the insights, driven through the real pipeline with the
test's clock: one contained, one abandoned at a known step, one handed off (answered after
10 minutes, resolved after 30), two re-contacts and one follow-up answered. What the insights
must show for them is written down here once, for the API, the CSV and the page."""

from __future__ import annotations

from datetime import datetime

from bot.desk.insights.sweeper import IdleSweeper
from bot.format.messages import VerifiedAttribute
from tests.console.kit import FLOWS, Agent, Desk
from tests.helpers import Clock

DAY = "2026-11-22"
"""The day the scripted conversations start (the kit's clock starts at noon UTC on it)."""
LATER = "2026-11-24"
CONTAINED = "+12025550100"
HANDED = "+12025550143"
ABANDONED = "web-b"
MANAGERS = "agents:\n  managers: [ana]\n"
TITLED_FLOWS = FLOWS.replace("  order:\n", "  order:\n    title: Order status\n").replace(
    "    type: text\n", "    label: Order number\n    type: text\n", 1
)
"""The console kit's flows, the order flow with a title and its slot with a label (the insights
show flows and steps in words)."""

EXPECTED_DAY: dict[tuple[str, str], dict[str, int | None]] = {
    ("sms", "en"): {
        "conversations": 2,
        "contained": 1,
        "handed_off": 1,
        "abandoned": 0,
        "recontacted": 2,
        "outreach_sent": 0,
        "outreach_delivered": 0,
        "outreach_answered": 0,
        "first_response_median_s": 900,
        "first_response_p90_s": 900,
        "resolution_median_s": 1800,
        "resolution_p90_s": 1800,
    },
    ("webchat", "en"): {
        "conversations": 1,
        "contained": 0,
        "handed_off": 0,
        "abandoned": 1,
        "recontacted": 0,
        "outreach_sent": 0,
        "outreach_delivered": 0,
        "outreach_answered": 0,
        "first_response_median_s": None,
        "first_response_p90_s": None,
        "resolution_median_s": None,
        "resolution_p90_s": None,
    },
}
"""What :data:`DAY` shows, by channel and language."""
EXPECTED_LATER = {"conversations": 2, "outreach_sent": 1, "outreach_delivered": 1}
"""What :data:`LATER` shows for sms (the two customers who came back; the follow-up)."""
ABANDONED_AT = [
    {
        "flow": "order",
        "title": "Order status",
        "step": "order_id",
        "step_title": "Order number",
        "count": 1,
    }
]
HANDOFFS = [
    {
        "flow": "order",
        "title": "Order status",
        "step": "order_id",
        "step_title": "Order number",
        "reason": "a question about an order",
        "count": 1,
    }
]


def at(clock: Clock, iso: str) -> None:
    clock.now = datetime.fromisoformat(iso)


async def sweep(desk: Desk) -> int:
    """Run the idle checks that are due now, and their turns."""
    [sweeper] = [s for s in desk.runtime.services if isinstance(s, IdleSweeper)]
    queued = await sweeper.sweep()
    await desk.settle()
    return queued


async def script(desk: Desk, clock: Clock, ana: Agent) -> None:
    """The conversations (see the module docstring)."""
    await desk.online("ana")
    at(clock, f"{DAY}T12:00:00+00:00")
    assert await desk.say("sms", CONTAINED, "take the survey")
    at(clock, f"{DAY}T12:01:00+00:00")
    assert await desk.say("webchat", ABANDONED, "where is my order") == [
        "What's your order number?"
    ]
    at(clock, f"{DAY}T12:02:00+00:00")
    phone = VerifiedAttribute(kind="phone", value=HANDED, issuer="sms")
    await desk.channels["sms"].say(HANDED, "where is my order", verified=(phone,))
    await desk.settle()
    at(clock, f"{DAY}T12:03:00+00:00")
    await desk.say("sms", HANDED, "A-12345")
    handed = await desk.customer("sms", HANDED)
    await _agent(desk, clock, ana, handed)
    at(clock, "2026-11-23T12:10:00+00:00")  # a day and ten minutes on: the idle checks are due
    assert await sweep(desk) == 2
    at(clock, f"{LATER}T09:00:00+00:00")
    await desk.say("sms", CONTAINED, "take the survey")  # back within 7 days
    response = await ana.act(handed, "follow_up", at=f"{LATER}T10:00", text="All sorted?")
    assert response.status == 201, await response.text()
    at(clock, f"{LATER}T15:00:00+00:00")  # 10:00 in New York, the phone's zone
    scheduler = desk.runtime.scheduler
    assert scheduler is not None
    assert await scheduler.fire_due() == 1
    await desk.settle()
    at(clock, f"{LATER}T15:30:00+00:00")
    await desk.say("sms", HANDED, "yes, thanks")  # answers the follow-up, and comes back


async def _agent(desk: Desk, clock: Clock, ana: Agent, customer: str) -> None:
    """Ana claims at 12:05, answers at 12:13 (10 minutes after the handoff) and resolves at
    12:33 (30 minutes after it)."""
    at(clock, f"{DAY}T12:05:00+00:00")
    assert (await ana.act(customer, "claim")).status == 200
    await desk.settle()
    at(clock, f"{DAY}T12:13:00+00:00")
    assert (await ana.act(customer, "reply", text="Looking at it now.")).status == 202
    await desk.settle()
    at(clock, f"{DAY}T12:33:00+00:00")
    assert (await ana.act(customer, "resolve")).status == 202
    await desk.settle()
