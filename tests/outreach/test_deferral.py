"""A message held back by quiet hours or a cap is scheduled through the worker's scheduler like
any other item: counted as scheduled, and announced to the other workers, so that one asleep
wakes for it instead of finding it at its next idle check. Two workers on one memory (in one
process, or on one Redis), on a clock the test sets, which then runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.outreach.schedule import Schedule
from bot.turn.bus import Bus
from bot.turn.store import Memory, MemoryPolicy
from connectors.channels import SMS, WHATSAPP
from connectors.loopback import LoopbackConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedBus, EmbeddedSchedule
from memory.redis.bus import RedisBus
from memory.redis.connection import connect
from memory.redis.schedule import RedisSchedule
from tests.helpers import BACKENDS, Clock, make_memory, make_presence
from tests.outreach.reach_kit import NOON, Shop, shop_folder

QUIET = "outreach:\n  quiet_hours: {from: '21:00', to: '08:00'}\n  timezone: America/Sao_Paulo\n"
SHIPPED = "Your order A1 is on its way"


@dataclass
class Running(Clock):
    """A clock the test sets, which then runs in real time (a woken scheduler sleeps until
    the item is due, and sees that time come)."""

    started: float = field(default_factory=time.monotonic)

    def __call__(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def set(self, moment: datetime) -> None:
        self.now, self.started = moment, time.monotonic()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@dataclass
class Shared:
    """What the workers share: the memory, the bus and the schedule (one process), or the
    Redis they each connect to."""

    memory: Callable[[], Memory]
    bus: Callable[[], Bus]
    schedule: Callable[[], Schedule]


def shared(backend: str, url: str, namespace: str) -> Shared:
    if backend == "embedded":
        memory = make_memory(backend, url, namespace, MemoryPolicy())
        bus, schedule = EmbeddedBus(), EmbeddedSchedule()
        return Shared(lambda: memory, lambda: bus, lambda: schedule)
    return Shared(
        lambda: make_memory(backend, url, namespace, MemoryPolicy()),
        lambda: RedisBus(connect(url), namespace),
        lambda: RedisSchedule(connect(url), namespace),
    )


@pytest.fixture
async def workers(
    tmp_path: Path, backend: str, backend_url: str, namespace: str
) -> AsyncIterator[Callable[[Clock], Shop]]:
    parts = shared(backend, backend_url, namespace)
    made: list[Shop] = []

    def worker(clock: Clock) -> Shop:
        bot_dir = shop_folder(tmp_path / f"worker{len(made)}", namespace, QUIET)
        config = load_bot_config(bot_dir)
        channels = {"sms": LoopbackConnector("sms", SMS)}
        channels["whatsapp"] = LoopbackConnector("whatsapp", WHATSAPP)
        runtime = create_runtime(
            bot_dir,
            config,
            Settings(),
            handler=DialogEngine(load_flowset(bot_dir, config)),
            connectors=list(channels.values()),
            memory=parts.memory(),
            bus=parts.bus(),
            schedule=parts.schedule(),
            clock=clock,
        )
        presence = make_presence(backend, backend_url, namespace)
        made.append(Shop(runtime, dict(channels), clock, presence))
        return made[-1]

    yield worker
    for shop in made:
        await shop.runtime.stop()


async def sent_within(shop: Shop, customer: str, text: str, seconds: float) -> list[str]:
    """The channels ``text`` went out on, once it has; fails the test after ``seconds``."""
    for _ in range(int(seconds / 0.05)):
        if found := [c for c, said in await shop.sent_on(customer) if said == text]:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} was not sent within {seconds}s")


async def test_a_deferred_message_is_counted_and_wakes_a_sleeping_worker_which_sends_it(
    workers: Callable[[Clock], Shop],
) -> None:
    clock = Running(NOON)
    here = workers(clock)  # takes turns, fires nothing: its scheduler is not started
    await replace(here.runtime, scheduler=None).start()
    customer = await here.write("sms", "hello")
    clock.advance(hours=1)
    assert await here.write("whatsapp", "hi") == customer
    clock.set(datetime(2026, 3, 3, 10, 59, 56, tzinfo=UTC))  # 07:59:56 in São Paulo: quiet
    there = workers(clock)
    await there.runtime.start()
    await asyncio.sleep(0.3)  # it looked, found nothing due, and sleeps a minute

    await here.event(customer, "order.shipped", order="A1")

    assert SHIPPED not in [said for _, said in await here.sent_on(customer)]
    assert here.metric("outreach_deferred", "quiet_hours") == 1
    assert here.metric("schedule", "scheduled") == 1
    # due at 08:00, long before the sleeper's next look: woken, it sends it then
    assert await sent_within(there, customer, SHIPPED, 10) == ["whatsapp"]
    await there.runtime.pipeline.join()
    assert there.metric("schedule", "fired") == 1
    assert [said for _, said in await here.sent_on(customer)].count(SHIPPED) == 1
    scheduler = there.runtime.scheduler
    assert scheduler is not None
    assert await scheduler.pending(customer) == []
