"""The agent desk's contract, on every backend (one Redis and a Redis Cluster for real): the
queue, claiming (one winner among many at once), releasing, transferring, presence (online or
away) and sign-in sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.desk.store import Desk, Session
from memory import EmbeddedDesk
from memory.redis.connection import connect
from memory.redis.desk import RedisDesk
from tests.redis_cluster import OneCustomerPerCommand


@pytest.fixture
async def desk(backend: str, backend_url: str, namespace: str) -> AsyncIterator[Desk]:
    if backend == "embedded":
        made: Desk = EmbeddedDesk()
    elif backend == "cluster":
        client = OneCustomerPerCommand.for_url(backend_url)
        await client.initialize()  # before the clock starts: presence is timed from the call
        made = RedisDesk(client, namespace)
    else:
        made = RedisDesk(connect(backend_url), namespace)
    yield made
    await made.close()


async def test_the_queue_is_oldest_first_and_keeps_a_place(desk: Desk) -> None:
    await desk.enqueue("c2", 200.0)
    await desk.enqueue("c1", 100.0)
    await desk.enqueue("c3", 300.0)
    await desk.enqueue("c1", 999.0)
    assert await desk.waiting() == [("c1", 100.0), ("c2", 200.0), ("c3", 300.0)]
    assert [await desk.position(c) for c in ("c1", "c2", "c3", "nobody")] == [1, 2, 3, None]


async def test_of_many_agents_claiming_at_once_one_wins(desk: Desk) -> None:
    await desk.enqueue("c1", 100.0)
    results = await asyncio.gather(*(desk.claim("c1", f"agent{n}") for n in range(8)))
    assert sum(results) == 1
    winner = f"agent{results.index(True)}"
    assert await desk.holder("c1") == winner
    assert await desk.claim("c1", winner)  # asking again is harmless
    assert await desk.waiting() == []
    assert await desk.held_by(winner) == ["c1"]


async def test_only_a_waiting_conversation_can_be_claimed(desk: Desk) -> None:
    assert not await desk.claim("nobody", "ana")


async def test_release_puts_it_back_at_its_place_and_only_by_its_holder(desk: Desk) -> None:
    await desk.enqueue("c1", 100.0)
    await desk.enqueue("c2", 200.0)
    assert await desk.claim("c1", "ana")
    assert not await desk.release("c1", "bob")
    assert await desk.release("c1", "ana")
    assert await desk.waiting() == [("c1", 100.0), ("c2", 200.0)]
    assert await desk.holder("c1") is None


async def test_transfer_is_only_by_the_holder(desk: Desk) -> None:
    await desk.enqueue("c1", 100.0)
    assert await desk.claim("c1", "ana")
    assert not await desk.transfer("c1", "bob", "carla")
    assert await desk.transfer("c1", "ana", "bob")
    assert await desk.holder("c1") == "bob"
    assert await desk.held_by("ana") == []
    assert await desk.held_by("bob") == ["c1"]


async def test_a_held_conversation_is_not_queued_again(desk: Desk) -> None:
    await desk.enqueue("c1", 100.0)
    assert await desk.claim("c1", "ana")
    await desk.enqueue("c1", 500.0)
    assert await desk.waiting() == []


async def test_withdraw_takes_it_off_the_desk(desk: Desk) -> None:
    await desk.enqueue("c1", 100.0)
    await desk.enqueue("c2", 200.0)
    assert await desk.claim("c2", "ana")
    await desk.withdraw("c1")
    await desk.withdraw("c2")
    assert await desk.waiting() == []
    assert await desk.holder("c2") is None


async def test_presence_lasts_as_long_as_it_is_renewed(desk: Desk) -> None:
    await desk.present("ana", timedelta(milliseconds=300))
    await desk.present("bob", timedelta(seconds=30))
    assert await desk.online() == ["ana", "bob"]
    await asyncio.sleep(0.45)
    assert await desk.online() == ["bob"]
    await desk.absent("bob")
    assert await desk.online() == []


async def test_an_agents_presence_is_that_of_their_consoles_together(desk: Desk) -> None:
    minute = timedelta(minutes=1)
    await desk.present("ana", minute, "online", console="tab-1")
    await desk.present("ana", minute, "away", console="tab-2")
    assert await desk.presence() == {"ana": "online"}  # one console in use is enough
    await desk.present("ana", minute, "away", console="tab-1")
    assert await desk.presence() == {"ana": "away"}  # away only when every console is
    await desk.present("ana", minute, "online", console="tab-2")
    assert await desk.presence() == {"ana": "online"}
    await desk.absent("ana", console="tab-2")
    assert await desk.presence() == {"ana": "away"}  # the one left says away
    await desk.present("ana", timedelta(milliseconds=300), "online", console="tab-3")
    assert await desk.presence() == {"ana": "online"}
    await asyncio.sleep(0.4)  # tab-3's page stopped renewing
    assert await desk.presence() == {"ana": "away"}
    await desk.absent("ana", console="tab-1")
    assert await desk.presence() == {}


async def test_an_away_agent_is_present_as_away_and_expires_to_offline(desk: Desk) -> None:
    await desk.present("ana", timedelta(milliseconds=300), "away")
    await desk.present("bob", timedelta(seconds=30))
    assert await desk.presence() == {"ana": "away", "bob": "online"}
    assert await desk.online() == ["ana", "bob"]  # console open, whatever its state
    await asyncio.sleep(0.45)
    assert await desk.presence() == {"bob": "online"}
    await desk.present("ana", timedelta(seconds=30))  # back: online again, not away
    await desk.present("bob", timedelta(seconds=30), "away")
    assert await desk.presence() == {"ana": "online", "bob": "away"}
    await desk.absent("bob")
    assert await desk.presence() == {"ana": "online"}


async def test_a_conversation_and_its_thread_elsewhere_find_each_other(desk: Desk) -> None:
    await desk.set_thread("c1", "slack", "1700000000.000100")
    await desk.set_thread("c2", "slack", "1700000000.000200")
    assert await desk.thread_of("c1", "slack") == "1700000000.000100"
    assert await desk.customer_of_thread("slack", "1700000000.000200") == "c2"
    assert await desk.thread_of("c1", "teams") is None
    assert await desk.customer_of_thread("slack", "unknown") is None


async def test_sessions_expire_and_close(desk: Desk) -> None:
    await desk.open_session("k1", Session("ana", "csrf-1"), timedelta(milliseconds=300))
    await desk.open_session("k2", Session("bob", "csrf-2"), timedelta(seconds=30))
    assert await desk.session("k1") == Session("ana", "csrf-1")
    await asyncio.sleep(0.45)
    assert await desk.session("k1") is None
    await desk.close_session("k2")
    assert await desk.session("k2") is None


async def test_canned_responses_are_kept_replaced_and_dropped(desk: Desk) -> None:
    assert await desk.canned() == {}
    assert await desk.put_canned("c_aaaaaaaa", '{"v": 1}', 10)
    assert await desk.put_canned("c_aaaaaaaa", '{"v": 2}', 10)
    assert await desk.canned() == {"c_aaaaaaaa": '{"v": 2}'}
    assert await desk.drop_canned("c_aaaaaaaa")
    assert not await desk.drop_canned("c_aaaaaaaa")
    assert await desk.canned() == {}


async def test_the_bound_on_canned_responses_holds_when_many_are_added_at_once(
    desk: Desk,
) -> None:
    results = await asyncio.gather(*(desk.put_canned(f"c_many{n:05d}", "{}", 5) for n in range(20)))
    assert sum(results) == 5
    assert len(await desk.canned()) == 5
    kept = sorted(await desk.canned())[0]
    assert await desk.put_canned(kept, '{"edited": true}', 5), "an edit is no new one"
