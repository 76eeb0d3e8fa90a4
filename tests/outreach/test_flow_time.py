"""Time in flows, through the real pipeline and the durable schedule (in process and on Redis),
with a clock the tests move: an ask's timeout, a wait, a wait for an event or a time, the next
day at 10:00 in the customer's zone, and what cancels or outdates a wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.format.messages import SystemEvent
from bot.format.transcript import NoteEntry
from bot.outreach.events.business import BUSINESS_EVENT
from bot.outreach.schedule import Scheduled
from bot.turn.customer import CustomerRecord
from bot.turn.handler import Turn
from dialogs.conversation.waits import TIMER
from dialogs.state import DialogState
from tests.helpers import BACKENDS, NOW, Clock
from tests.outreach.flow_kit import FlowBot, bot_folder

MakeBot = Callable[..., Awaitable[FlowBot]]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """In process, and on Redis."""
    kind: str = request.param
    return kind


@pytest.fixture
async def make_bot(
    backend: str, backend_url: str, namespace: str, tmp_path: Path
) -> AsyncIterator[MakeBot]:
    """Workers of one bot, sharing the memory and the schedule of the test's backend."""
    bot_dir = bot_folder(tmp_path / "bot", namespace)
    made: list[FlowBot] = []

    async def make(clock: Clock | None = None) -> FlowBot:
        bot = await FlowBot.make(bot_dir, backend, backend_url, clock or Clock(NOW))
        made.append(bot)
        return bot

    yield make
    for bot in made:
        await bot.close()


async def test_an_unanswered_question_runs_its_on_timeout_steps(make_bot: MakeBot) -> None:
    bot = await make_bot()
    assert await bot.event("order.delivered") == ["Rate us from 1 to 5?"]
    assert [item.due_at for item in await bot.pending()] == [NOW + timedelta(hours=2)]
    assert await bot.advance(minutes=119) == []
    assert await bot.advance(minutes=1) == ["Reminder: how did we do?", "Rate us from 1 to 5?"]
    assert await bot.pending() == []  # the second ask has no timeout
    assert await bot.say("4") == ["Thanks for the 4."]


async def test_an_answer_before_the_timeout_cancels_it(make_bot: MakeBot) -> None:
    bot = await make_bot()
    await bot.event("order.delivered")
    assert await bot.say("5") == ["Thanks for the 5."]
    assert await bot.pending() == []
    assert await bot.timer() is None
    assert await bot.advance(hours=3) == []


async def test_a_wait_pauses_the_flow_for_an_hour(make_bot: MakeBot) -> None:
    bot = await make_bot()
    assert await bot.event("pause.start") == ["Wait for it."]
    assert await bot.advance(minutes=59) == []
    assert await bot.advance(minutes=1) == ["An hour later."]
    assert await bot.pending() == []


async def test_a_flow_started_over_a_wait_leaves_it_waiting(make_bot: MakeBot) -> None:
    bot = await make_bot()
    await bot.event("pause.start")
    assert await bot.event("order.delivered") == ["Rate us from 1 to 5?"]
    assert await bot.say("3") == ["Thanks for the 3."]
    assert await bot.advance(hours=1) == ["An hour later."]


async def test_the_awaited_event_first_goes_on_and_cancels_the_timer(make_bot: MakeBot) -> None:
    bot = await make_bot()
    assert await bot.event("cart.abandoned") == []
    assert [item.cancel_on for item in await bot.pending()] == [("order.placed",)]
    assert await bot.event("order.placed", order="A-12345") == ["Thanks for ordering A-12345."]
    assert await bot.pending() == []
    assert await bot.advance(hours=2) == []


async def test_the_time_first_runs_the_on_timeout_steps(make_bot: MakeBot) -> None:
    bot = await make_bot()
    await bot.event("cart.abandoned")
    assert await bot.advance(hours=1) == ["Your cart misses you."]
    assert await bot.event("order.placed", order="A-12345") == []  # the flow is over


@pytest.mark.parametrize(
    ("zone", "now", "due"),
    [
        # the night São Paulo's clocks went forward (2018-11-04 00:00 -> 01:00): 10:00 is UTC-2
        ("America/Sao_Paulo", datetime(2018, 11, 3, 15, tzinfo=UTC), "2018-11-04T12:00+00:00"),
        # Tokyo is already on the 2nd: the next day there is the 3rd
        ("Asia/Tokyo", datetime(2026, 3, 1, 20, tzinfo=UTC), "2026-03-03T01:00+00:00"),
        # a profile's zone that is none: the bot's (UTC)
        ("Mars/Olympus", datetime(2026, 3, 1, 20, tzinfo=UTC), "2026-03-02T10:00+00:00"),
    ],
)
async def test_next_day_at_ten_in_the_customers_zone(
    make_bot: MakeBot, zone: str, now: datetime, due: str
) -> None:
    bot = await make_bot(Clock(now))
    await bot.event("morning.next", tz=zone)
    [item] = await bot.pending()
    assert item.due_at == datetime.fromisoformat(due)
    left = (item.due_at - now).total_seconds()
    assert await bot.advance(seconds=left - 1) == []
    assert await bot.advance(seconds=1) == ["Good morning."]


@pytest.mark.parametrize("said", ["cancel", "start over", "agent"])
async def test_cancelling_restarting_or_a_handoff_cancels_the_wait(
    make_bot: MakeBot, said: str
) -> None:
    bot = await make_bot()
    await bot.event("pause.start")
    assert len(await bot.pending()) == 1
    await bot.say(said)
    assert await bot.pending() == []
    assert await bot.timer() is None
    assert "An hour later." not in await bot.advance(hours=2)


async def test_a_fired_item_of_a_wait_that_is_over_does_nothing(make_bot: MakeBot) -> None:
    bot = await make_bot()
    await bot.event("pause.start")
    [item] = await bot.pending()
    await bot.say("cancel")
    # claimed by a worker before the cancel, it still fires: the flow has moved on
    await bot.schedule.put(item)
    assert await bot.advance(hours=1) == []
    record = await bot.memory.load(bot.customer)
    assert record is not None
    assert DialogState.load(record.dialog).stack == ()
    notes = [e for e in await bot.memory.transcript(bot.customer, 100) if isinstance(e, NoteEntry)]
    assert any("a wait that is over fired" in note.text for note in notes)


async def test_the_same_wait_from_two_workers_is_one_item(make_bot: MakeBot) -> None:
    first, second = await make_bot(), await make_bot()
    record = await first.memory.load(first.customer)
    assert record is not None
    event = SystemEvent(name=BUSINESS_EVENT, data={"type": "pause.start", "data": {}})
    turn = Turn(input=event, customer=record, address=None, capabilities=None, now=NOW)
    # the same turn decided twice (a worker stopped before saving, the next ran it again)
    outcomes = await asyncio.gather(first.engine(turn), second.engine(turn))
    timers = [DialogState.load(outcome.customer.dialog).timer for outcome in outcomes]
    [item] = await first.pending()
    assert [timer.key if timer else None for timer in timers] == [item.key, item.key]


async def test_a_wait_fired_later_than_its_max_late_is_dropped(make_bot: MakeBot) -> None:
    bot = await make_bot()
    await bot.event("late.wait")
    assert await bot.advance(hours=2) == []  # the workers were down: 1 h late, max_late 10 min
    assert await bot.pending() == []
    await bot.say("hello")
    assert await bot.timer() is None
    assert "Not too late." not in await bot.advance(hours=2)


async def test_a_wait_fired_late_within_its_max_late_goes_on(make_bot: MakeBot) -> None:
    bot = await make_bot()
    await bot.event("late.wait")
    assert await bot.advance(minutes=65) == ["Not too late."]


async def test_a_stray_timer_event_with_no_wait_changes_nothing(make_bot: MakeBot) -> None:
    bot = await make_bot()
    stray = Scheduled(
        customer_id=bot.customer, key="flow:9:1", due_at=NOW, name=TIMER, data={"key": "x"}
    )
    await bot.schedule.put(stray)
    before = await bot.memory.load(bot.customer)
    assert await bot.advance(seconds=1) == []
    after = await bot.memory.load(bot.customer)
    assert isinstance(before, CustomerRecord)
    assert isinstance(after, CustomerRecord)
    assert after.dialog == before.dialog
