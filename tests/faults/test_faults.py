"""Faults under load: nothing lost, nothing duplicated.

``omnibot run --workers 2`` on a Redis with append-only persistence serves a steady load of
Telegram webhooks (each customer writes one message after another; an update not answered 200
is sent again, as Telegram does). Meanwhile one worker is killed (SIGKILL), Redis is restarted,
and the Telegram API is cut off for a few seconds. Afterwards every accepted message has
exactly one turn in its customer's transcript, in the order sent, and every reply reached the
API once; a reply that was in flight when its worker died is marked ``uncertain`` and reached
it at most once. The suite prints its figures.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry, OutboundEntry, StatusEntry
from bot.turn.store import MemoryPolicy
from memory.redis.store import RedisMemory
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_updates import Person
from tests.faults.kit import Load, Sender
from tests.helpers import text_of
from tests.redis_server import DurableRedis
from tests.server_process import Output, Server, clean_env, echo_bot, ready, serving, workers

pytestmark = pytest.mark.slow

SECRET = "faults-webhook-secret"
CUSTOMERS = 16
PAUSE = 0.25
PHASE = 4.0


@dataclass
class Rig:
    server: Server
    redis: DurableRedis
    telegram: FakeTelegram
    memory: RedisMemory
    output: Output


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    redis = DurableRedis(tmp_path / "redis")
    redis.start()
    telegram = FakeTelegram()
    await telegram.start()
    bot = echo_bot(tmp_path / "bot", "faults", "  lease_seconds: 2\n")
    env = clean_env(
        OMNIBOT_REDIS_URL=redis.url,
        OMNIBOT_PUBLIC_URL="https://bot.example.test",
        **telegram.environment(SECRET),
    )
    memory = RedisMemory.from_url(redis.url, MemoryPolicy(), "faults")
    try:
        async with serving(bot, "--workers", "2", env=env) as server:
            yield Rig(server, redis, telegram, memory, Output(server))
    finally:
        await memory.close()
        await telegram.stop()
        redis.stop()


async def kill_a_worker(server: Server) -> None:
    before = workers(server.process.pid)
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    for _ in range(200):  # the supervisor starts another
        now = workers(server.process.pid)
        if len(now) == 2 and before[0] not in now:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the supervisor did not replace the killed worker")


async def restart_redis(rig: Rig) -> int:
    """Stop Redis for a while; returns /readyz's status meanwhile."""
    await asyncio.to_thread(rig.redis.stop)
    await asyncio.sleep(1.0)
    status = await ready(rig.server)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(rig.redis.start)
    return status


async def cut_the_channel(telegram: FakeTelegram) -> None:
    await telegram.cut()
    await asyncio.sleep(3.0)
    await telegram.restore()


@dataclass
class Figures:
    sent: int = 0
    turns: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    replies_once: int = 0
    replies_uncertain: int = 0
    uncertain_delivered: int = 0
    replies_twice: int = 0
    replies_missing: int = 0


async def tally(rig: Rig, senders: list[Sender]) -> Figures:
    figures = Figures()
    shown = Counter(rig.telegram.texts())
    for sender in senders:
        identity = ChannelIdentity(channel="telegram", user_id=str(sender.person.id))
        customer = await rig.memory.lookup(identity)
        entries = await rig.memory.transcript(customer, 10_000) if customer else []
        said = [
            e.event.text
            for e in entries
            if isinstance(e, InboundEntry) and isinstance(e.event, InboundEvent) and e.event.text
        ]
        replies = {
            e.message_id: text_of(e.message) for e in entries if isinstance(e, OutboundEntry)
        }
        uncertain = {
            replies.get(e.message_id)
            for e in entries
            if isinstance(e, StatusEntry) and e.status == "uncertain"
        }
        counted = Counter(said)
        figures.sent += len(sender.accepted)
        figures.turns += len(said)
        figures.lost += sum(1 for text in sender.accepted if text not in counted)
        figures.duplicated += sum(n - 1 for n in counted.values() if n > 1)
        figures.out_of_order += int(list(dict.fromkeys(said)) != sender.accepted)
        for text in sender.accepted:
            reply = f"echo {text}"
            times = shown[reply]
            if times > 1:
                figures.replies_twice += 1
            elif reply in uncertain:
                figures.replies_uncertain += 1
                figures.uncertain_delivered += times
            elif times == 1:
                figures.replies_once += 1
            else:
                figures.replies_missing += 1
    return figures


async def settled(rig: Rig, senders: list[Sender], within: float = 90) -> Figures:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        figures = await tally(rig, senders)
        done = figures.lost == 0 and figures.replies_missing == 0
        if done or loop.time() > deadline:
            return figures
        await asyncio.sleep(0.5)


async def test_faults_under_load_lose_nothing_and_duplicate_nothing(rig: Rig) -> None:
    senders = [Sender(Person(3000 + n, f"Customer{n}")) for n in range(CUSTOMERS)]
    load = Load(rig.server.url, SECRET, senders, PAUSE)
    running_load = asyncio.get_running_loop().create_task(load.run())
    await asyncio.sleep(PHASE)
    await kill_a_worker(rig.server)
    await asyncio.sleep(PHASE)
    while_down = await restart_redis(rig)
    await asyncio.sleep(PHASE)
    await cut_the_channel(rig.telegram)
    await asyncio.sleep(PHASE)
    load.stop()
    await asyncio.wait_for(running_load, 60)
    started = asyncio.get_running_loop().time()
    figures = await settled(rig, senders)
    print(f"\nsettled in {asyncio.get_running_loop().time() - started:.1f}s")
    print(
        f"\nfault suite: {figures.sent} messages accepted, {figures.turns} turns recorded, "
        f"{figures.lost} lost, {figures.duplicated} duplicated, "
        f"{figures.out_of_order} customers out of order; replies: {figures.replies_once} "
        f"delivered once, {figures.replies_uncertain} uncertain (at most once; "
        f"{figures.uncertain_delivered} of them delivered), "
        f"{figures.replies_twice} delivered twice, {figures.replies_missing} missing; "
        f"webhook answers {dict(load.answers)}"
    )
    assert while_down == 503, "/readyz fails while Redis is down"
    assert load.answers["503"] > 0, "webhooks are refused with a 503 while Redis is down"
    assert figures.sent > 500
    assert (figures.lost, figures.duplicated, figures.out_of_order) == (0, 0, 0)
    assert (figures.replies_twice, figures.replies_missing) == (0, 0)
    assert figures.replies_once + figures.replies_uncertain == figures.sent
    assert rig.telegram.refused == [], "calls the real Bot API would refuse"
    assert await ready(rig.server) == 200
