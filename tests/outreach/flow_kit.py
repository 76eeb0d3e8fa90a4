"""A bot whose flows wait, on a memory backend, with the scheduler's clock in the test's hands:
business events and customer messages go through the real turn pipeline, and time passes by
:meth:`FlowBot.advance`, which fires what is due."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from pydantic import JsonValue

from bot.app.config import load_bot_config
from bot.format.messages import SystemEvent
from bot.format.outbound import Text
from bot.outreach.events.business import BUSINESS_EVENT
from bot.outreach.schedule import Schedule, Scheduled
from bot.outreach.scheduler import Scheduler
from bot.turn.delivery import Outlets
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory
from connectors.channels import CHANNELS
from connectors.loopback import LoopbackConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from dialogs.state import DialogState, Timer
from memory import EmbeddedBus
from tests.helpers import Clock, make_memory
from tests.outreach.kit import make_schedule

USER = "ana"
FLOWS = """\
slots:
  rating: {type: integer, min: 1, max: 5, prompt: "Rate us from 1 to 5?"}
flows:
  rate:
    triggers: {event: order.delivered}
    steps:
      - ask: rating
        timeout: 2h
        on_timeout:
          - say: "Reminder: how did we do?"
          - ask: rating
      - say: "Thanks for the {{ slots.rating }}."
  cart:
    triggers: {event: cart.abandoned}
    steps:
      - wait:
          until: order.placed
          at_most: 1h
          on_timeout:
            - say: "Your cart misses you."
            - end
      - say: "Thanks for ordering {{ event.data.order }}."
  pause:
    triggers: {event: pause.start}
    steps:
      - say: "Wait for it."
      - wait: 1h
      - say: "An hour later."
  morning:
    triggers: {event: morning.next}
    steps:
      - set: {profile.timezone: "{{ event.data.tz }}"}
      - wait: {at: "10:00", day: next}
      - say: "Good morning."
  late:
    triggers: {event: late.wait}
    steps:
      - wait: {at_most: 1h, max_late: 10m}
      - say: "Not too late."
"""


def bot_folder(root: Path, namespace: str) -> Path:
    """The bot: English, words only, in its own memory namespace."""
    (root / "flows").mkdir(parents=True)
    config = f"name: Shop\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n"
    (root / "bot.yaml").write_text(config)
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(FLOWS))
    return root


@dataclass
class FlowBot:
    """One worker of the bot: its memory client, pipeline, engine and scheduler."""

    memory: Memory
    schedule: Schedule
    pipeline: TurnPipeline
    engine: DialogEngine
    scheduler: Scheduler
    chat: LoopbackConnector
    clock: Clock
    customer: str = ""

    @classmethod
    async def make(cls, bot_dir: Path, backend: str, url: str, clock: Clock) -> FlowBot:
        config = load_bot_config(bot_dir)
        namespace = config.memory.namespace
        memory = make_memory(backend, url, namespace, config.memory.policy())
        schedule = make_schedule(backend, url, namespace)
        engine = DialogEngine(load_flowset(bot_dir, config))
        chat = LoopbackConnector("webchat", CHANNELS["webchat"])
        pipeline = TurnPipeline(memory=memory, handler=engine, outlets=Outlets([chat]), clock=clock)
        scheduler = Scheduler(schedule, pipeline, memory, EmbeddedBus(), clock=clock)
        engine.timers = scheduler
        await chat.start(pipeline)
        bot = cls(memory, schedule, pipeline, engine, scheduler, chat, clock)
        await bot.say("hello")  # a customer with an address, whom the store's events name
        return bot

    async def say(self, text: str) -> list[str]:
        """The customer writes; what the bot answered."""
        before = len(self.chat.sent[USER])
        submission = await self.chat.say(USER, text)
        self.customer = submission.customer_id or self.customer
        await self.pipeline.join()
        return self._texts(before)

    async def event(self, kind: str, **data: JsonValue) -> list[str]:
        """The store sends a business event about the customer."""
        before = len(self.chat.sent[USER])
        event = SystemEvent(name=BUSINESS_EVENT, data={"type": kind, "data": data})
        await self.pipeline.notify(self.customer, event)
        await self.pipeline.join()
        return self._texts(before)

    async def advance(self, **passed: float) -> list[str]:
        """Let time pass, fire what is due; what the bot said."""
        before = len(self.chat.sent[USER])
        self.clock.advance(**passed)
        await self.scheduler.fire_due()
        await self.pipeline.join()
        return self._texts(before)

    async def pending(self) -> list[Scheduled]:
        """What is scheduled for the customer."""
        return await self.schedule.pending(self.customer)

    async def timer(self) -> Timer | None:
        """The wait the customer's state holds."""
        record = await self.memory.load(self.customer)
        assert record is not None
        return DialogState.load(record.dialog).timer

    async def close(self) -> None:
        await self.pipeline.close()
        await self.schedule.close()
        await self.memory.close()
        await self.engine.aclose()

    def _texts(self, before: int) -> list[str]:
        return [m.text for m in self.chat.sent[USER][before:] if isinstance(m, Text)]
