"""A customer's scheduled items follow the customer: erased with them, and moved when they are
joined into another customer, so that a wait started before the join fires once, for the
customer who goes on. On the embedded memory and on Redis, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.config import load_bot_config
from bot.app.privacy import erase, export
from bot.format.messages import SystemEvent, VerifiedAttribute
from bot.format.outbound import Text
from bot.outreach.events.business import BUSINESS_EVENT
from bot.outreach.schedule import Schedule
from bot.outreach.scheduler import Scheduler
from bot.turn.delivery import Outlets
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory
from connectors.channels import CHANNELS
from connectors.loopback import LoopbackConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedBus
from tests.helpers import BACKENDS, NOW, Clock, make_memory
from tests.outreach.flow_kit import bot_folder
from tests.outreach.kit import fired, item, make_schedule

PHONE = "+12025550143"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@dataclass
class Bot:
    """One worker of the waiting bot on SMS and Telegram, with the schedule and its clock."""

    memory: Memory
    schedule: Schedule
    pipeline: TurnPipeline
    scheduler: Scheduler
    channels: dict[str, LoopbackConnector]
    clock: Clock

    async def say(self, channel: str, user: str, text: str, phone: bool = False) -> str:
        """``user`` writes on ``channel`` (with their phone vouched for by the channel when
        ``phone``); the customer they are now."""
        verified = (VerifiedAttribute(kind="phone", value=PHONE, issuer=channel),)
        submission = await self.channels[channel].say(
            user, text, verified=verified if phone else ()
        )
        await self.pipeline.join()
        assert submission.customer_id is not None
        found = await self.pipeline.customer_of(self.channels[channel].address(user).identity)
        assert found is not None
        return found

    async def event(self, customer: str, kind: str) -> None:
        event = SystemEvent(name=BUSINESS_EVENT, data={"type": kind, "data": {}})
        await self.pipeline.notify(customer, event)
        await self.pipeline.join()

    async def advance(self, **passed: float) -> int:
        self.clock.advance(**passed)
        handled = await self.scheduler.fire_due()
        await self.pipeline.join()
        return handled

    def said(self) -> list[str]:
        """Every text the bot sent, on either channel."""
        sent = [*self.channels["sms"].sent[PHONE], *self.channels["telegram"].sent["t1"]]
        return [m.text for m in sent if isinstance(m, Text)]


@pytest.fixture
async def bot(tmp_path: Path, backend: str, backend_url: str, namespace: str) -> AsyncIterator[Bot]:
    folder = bot_folder(tmp_path / "bot", namespace)
    config = load_bot_config(folder)
    clock = Clock(NOW)
    memory = make_memory(backend, backend_url, namespace, config.memory.policy())
    schedule = make_schedule(backend, backend_url, namespace)
    engine = DialogEngine(load_flowset(folder, config))
    channels = {name: LoopbackConnector(name, CHANNELS[name]) for name in ("sms", "telegram")}
    pipeline = TurnPipeline(
        memory=memory,
        handler=engine,
        outlets=Outlets(channels.values()),
        clock=clock,
        schedule=schedule,
    )
    scheduler = Scheduler(schedule, pipeline, memory, EmbeddedBus(), clock=clock)
    engine.timers = scheduler
    for connector in channels.values():
        await connector.start(pipeline)
    yield Bot(memory, schedule, pipeline, scheduler, channels, clock)
    await pipeline.close()
    await schedule.close()
    await memory.close()
    await engine.aclose()


async def test_a_wait_started_before_a_join_fires_once_for_the_joined_customer(
    bot: Bot,
) -> None:
    joined = await bot.say("sms", PHONE, "hello", phone=True)
    absorbed = await bot.say("telegram", "t1", "hi")
    assert absorbed != joined
    await bot.event(absorbed, "cart.abandoned")
    [waiting] = await bot.schedule.pending(absorbed)

    assert await bot.say("telegram", "t1", "it's me", phone=True) == joined  # the contact

    assert await bot.schedule.pending(absorbed) == []
    [moved] = await bot.schedule.pending(joined)
    assert (moved.id, moved.key, moved.due_at) == (waiting.id, waiting.key, waiting.due_at)
    assert await bot.advance(minutes=59) == 0
    assert await bot.advance(minutes=1) == 1
    assert [e.event_id for e in await fired(bot.memory, joined)] == [f"sched:{waiting.id}"]
    assert await bot.schedule.pending(joined) == []
    assert await bot.advance(hours=2) == 0
    assert bot.said().count("Your cart misses you.") == 1


async def test_an_item_fired_for_the_absorbed_customer_during_the_join_is_one_turn(
    bot: Bot,
) -> None:
    joined = await bot.say("sms", PHONE, "hello", phone=True)
    absorbed = await bot.say("telegram", "t1", "hi")
    await bot.event(absorbed, "cart.abandoned")
    [waiting] = await bot.schedule.pending(absorbed)
    bot.clock.advance(hours=1)
    # a worker claims it and stops before it is done: the claim still holds at the join
    assert await bot.schedule.claim_due(bot.clock.now, 10, "gone", timedelta(minutes=1))

    assert await bot.say("telegram", "t1", "it's me", phone=True) == joined

    assert await bot.advance(minutes=2) == 1  # the moved copy, for the joined customer
    assert await bot.advance(minutes=2) == 0  # the claim that ran out left nothing behind
    assert [e.event_id for e in await fired(bot.memory, joined)] == [f"sched:{waiting.id}"]
    assert bot.said().count("Your cart misses you.") == 1


async def test_erasing_a_customer_drops_what_was_scheduled_for_them(bot: Bot) -> None:
    customer = await bot.say("sms", PHONE, "hello", phone=True)
    await bot.event(customer, "pause.start")
    await bot.schedule.put(item(customer, "follow-up", due_in=3600))
    other = await bot.schedule.put(item("someone-else", "follow-up", due_in=3600))
    exported = await export(bot.memory, customer, bot.schedule)
    assert exported is not None
    assert isinstance(exported["scheduled"], list)
    assert len(exported["scheduled"]) == 2

    erased = await erase(bot.memory, bot.schedule, customer)

    assert (erased.identities, erased.scheduled) == ([f"sms:{PHONE}"], 2)
    assert await bot.schedule.pending(customer) == []
    assert await export(bot.memory, customer, bot.schedule) is None
    claimed = await bot.schedule.claim_due(NOW + timedelta(days=1), 10, "w1", timedelta(minutes=1))
    assert claimed == [other]
