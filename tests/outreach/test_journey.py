"""Business events and timers end to end: ``omnibot run --workers 2`` on a Redis of its own with
append-only persistence, the SMS channel behind the fake Twilio, events signed by the
``standardwebhooks`` package and posted to ``/events``, and real timers of a few seconds.

The flow is the abandoned cart: ``cart.abandoned`` waits 3 seconds unless ``order.placed`` comes,
then one reminder by SMS. Each test counts, per customer, the reminders the fake Twilio was asked
to send against the ones expected, and prints one line: fired (once), lost, duplicated.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from memory.redis.connection import close, connect
from tests.fakes.twilio import FakeTwilio
from tests.outreach.events_kit import OTHER_SECRET, SECRET, post_queued, signed
from tests.redis_server import DurableRedis
from tests.server_process import Server, clean_env, serving, wait_for_workers, worker_serving

PUBLIC_URL = "https://bot.example.test"
WAIT = 3.0
"""The flow's ``at_most``, in seconds (the duration grammar has ``s``)."""
SETTLE = 6.0
"""How long after the due time a test waits for a reminder, and then for a second one."""
REMINDER = "You left something in your cart: "

FLOWS = f"""
flows:
  cart_reminder:
    triggers: {{event: cart.abandoned}}
    steps:
      - wait:
          until: order.placed
          at_most: {int(WAIT)}s
          on_timeout:
            - say: "{REMINDER}{{{{ event.data.cart_url }}}}"
  hello:
    triggers:
      en: [hello there]
    steps:
      - say: Hello!
"""


def bot_folder(root: Path) -> Path:
    (root / "flows").mkdir(parents=True)
    config = "name: Shop\nlanguages: [en]\noutreach:\n  create_customers: [phone]\n"
    (root / "bot.yaml").write_text(config)
    (root / "flows" / "main.yaml").write_text(FLOWS)
    return root


def phone() -> str:
    return "+1415555" + f"{secrets.randbelow(10_000):04d}"


def event(kind: str, number: str, **data: Any) -> bytes:
    return json.dumps({"type": kind, "customer": {"phone": number}, "data": data}).encode()


@dataclass
class Tally:
    """Reminders expected and got, per customer."""

    name: str
    expected: dict[str, int] = field(default_factory=dict)

    def line(self, twilio: FakeTwilio) -> tuple[int, int, int]:
        fired = lost = duplicated = 0
        for number, want in self.expected.items():
            got = len([s for s in twilio.to(number) if (s.body or "").startswith(REMINDER)])
            if want and got == 0:
                lost += 1
            if not want and got:
                duplicated += got  # a cancelled reminder that went anyway
            if want and got:
                fired += 1
                duplicated += got - 1
        print(f"\noutreach e2e {self.name}: fired {fired}, lost {lost}, duplicated {duplicated}")
        return fired, lost, duplicated


@dataclass
class Rig:
    server: Server
    twilio: FakeTwilio
    redis: DurableRedis

    async def post(
        self, raw: bytes, headers: dict[str, str], session: aiohttp.ClientSession | None = None
    ) -> tuple[int, str]:
        own = session is None
        session = session or aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        try:
            async with session.post(f"{self.server.url}/events", data=raw, headers=headers) as got:
                return got.status, await got.text()
        finally:
            if own:
                await session.close()

    async def send(self, raw: bytes, webhook_id: str | None = None) -> tuple[int, str]:
        return await self.post(raw, signed(raw, webhook_id))

    async def pending(self, within: float = WAIT) -> int:
        """How many items the schedule holds due, once there is one (or ``within`` passed)."""
        client = connect(self.redis.url)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        try:
            while True:
                keys = [key async for key in client.scan_iter(match="*{sched:*}:due")]
                count = sum([await client.zcard(key) for key in keys])
                if count or loop.time() > deadline:
                    return count
                await asyncio.sleep(0.05)
        finally:
            await close(client)

    async def scheduled_items(self) -> dict[str, float]:
        """``omnibot_scheduled_items_total`` by result, from ``/metrics``."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.server.url}/metrics") as got,
        ):
            text = await got.text()
        found = re.findall(r'^omnibot_scheduled_items_total\{result="(\w+)"\} (\S+)$', text, re.M)
        return defaultdict(float, {result: float(value) for result, value in found})

    async def reminders(self, number: str, count: int, within: float) -> int:
        """How many reminders went to ``number``, once ``count`` did or ``within`` passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            got = [s for s in self.twilio.to(number) if (s.body or "").startswith(REMINDER)]
            if len(got) >= count or loop.time() > deadline:
                return len(got)
            await asyncio.sleep(0.1)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    redis = DurableRedis(tmp_path / "redis")
    redis.start()
    twilio = FakeTwilio()
    await twilio.start()
    env = clean_env(
        OMNIBOT_REDIS_URL=redis.url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        OMNIBOT_EVENTS_SECRET=SECRET,
        **twilio.environment(),
    )
    try:
        async with serving(bot_folder(tmp_path / "bot"), "--workers", "2", env=env) as server:
            twilio.point_at(server.url, PUBLIC_URL)
            yield Rig(server, twilio, redis)
    finally:
        await twilio.stop()
        redis.stop()


async def test_a_reminder_fires_once_redelivered_forged_and_cancelled(rig: Rig) -> None:
    """A cart reminder fires once, though its event is delivered three times with one
    ``webhook-id``; a forged event is 401 and nobody hears anything; ``order.placed`` within the
    wait cancels the reminder."""
    tally = Tally("redelivered/forged/cancelled")
    reminded, forged, ordered = phone(), phone(), phone()
    raw = event("cart.abandoned", reminded, cart_url="https://shop.example/c/1")
    answers = [await rig.send(raw, "msg_cart_1") for _ in range(3)]
    assert [status for status, _ in answers] == [202, 202, 202]
    assert [json.loads(text)["status"] for _, text in answers[1:]] == ["duplicate"] * 2
    tally.expected[reminded] = 1

    fake = event("cart.abandoned", forged, cart_url="https://evil.example")
    status, _ = await rig.post(fake, signed(fake, secret=OTHER_SECRET))
    assert status == 401
    tally.expected[forged] = 0

    assert (await rig.send(event("cart.abandoned", ordered, cart_url="x")))[0] == 202
    assert (await rig.send(event("order.placed", ordered, order="A-1")))[0] == 202
    tally.expected[ordered] = 0

    assert await rig.reminders(reminded, 1, WAIT + SETTLE) == 1
    await asyncio.sleep(SETTLE)  # time for a second reminder, or for the cancelled one
    assert tally.line(rig.twilio) == (1, 0, 0)
    assert rig.twilio.to(forged) == []
    counted = await rig.scheduled_items()  # the sum over both workers
    assert (counted["scheduled"], counted["fired"], counted["cancelled"]) == (2, 1, 1), counted


async def test_a_timer_whose_worker_is_killed_fires_once_on_the_other(rig: Rig) -> None:
    """The event is posted on a kept connection, so the worker that took it (and ran the turn that
    scheduled the wait) is known; it is killed at once, and the other worker fires the reminder."""
    tally = Tally("worker killed")
    number = phone()
    pids = await wait_for_workers(rig.server.process.pid, 2)
    raw = event("cart.abandoned", number, cart_url="https://shop.example/c/2")
    reader, writer = await asyncio.open_connection("127.0.0.1", rig.server.port)
    client_port = writer.get_extra_info("sockname")[1]
    scheduler = None
    while scheduler is None:  # the accepted socket shows in /proc a moment later
        scheduler = worker_serving(rig.server.port, client_port, pids)
        await asyncio.sleep(0.01)
    await post_queued(reader, writer, raw)
    assert await rig.pending() == 1  # the turn scheduled the wait
    await asyncio.sleep(0.5)  # and saved the record, letting go of the customer's lease
    os.kill(scheduler, signal.SIGKILL)
    tally.expected[number] = 1
    assert await rig.reminders(number, 1, WAIT + SETTLE) == 1
    await asyncio.sleep(SETTLE)
    assert tally.line(rig.twilio) == (1, 0, 0)


async def test_a_timer_outlives_a_redis_restart(rig: Rig) -> None:
    """Redis (append-only, fsync always) is stopped and started again between the wait being
    scheduled and its time: the reminder fires once."""
    tally = Tally("redis restarted")
    number = phone()
    raw = event("cart.abandoned", number, cart_url="https://shop.example/c/3")
    assert (await rig.send(raw))[0] == 202
    assert await rig.pending() == 1  # the turn ran and scheduled the wait
    await asyncio.to_thread(rig.redis.stop)
    await asyncio.to_thread(rig.redis.start)
    tally.expected[number] = 1
    assert await rig.reminders(number, 1, WAIT + SETTLE + 10) == 1
    await asyncio.sleep(SETTLE)
    assert tally.line(rig.twilio) == (1, 0, 0)


async def test_the_same_reminder_from_two_workers_at_once_is_one(rig: Rig) -> None:
    """``cart.abandoned`` for the same cart sent twice at the same moment with different
    ``webhook-id``s (two of the store's systems), each on a connection of its own so both workers
    take one: one reminder."""
    tally = Tally("two workers at once")
    number = phone()
    raw = event("cart.abandoned", number, cart_url="https://shop.example/c/4")
    answers = await asyncio.gather(*(rig.send(raw) for _ in range(4)))
    assert [status for status, _ in answers] == [202] * 4
    tally.expected[number] = 1
    assert await rig.reminders(number, 1, WAIT + SETTLE) >= 1
    await asyncio.sleep(SETTLE + WAIT)
    assert tally.line(rig.twilio) == (1, 0, 0)
