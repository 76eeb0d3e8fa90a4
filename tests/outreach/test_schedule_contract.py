"""The schedule's contract, on every backend: items kept by customer and key, claimed once at a
time, claimed again when a claim runs out, cancelled by key or by event, and forgotten when done.
On the cluster every command stays on one shard (:class:`tests.outreach.kit.OneShardPerCommand`)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.outreach.schedule import Schedule
from memory.keys import shard_of
from memory.redis.schedule import SHARDS
from tests.helpers import NOW
from tests.outreach.kit import item

MINUTE = timedelta(minutes=1)


async def test_an_item_is_pending_until_due_then_claimed_then_forgotten(
    schedule: Schedule,
) -> None:
    put = await schedule.put(item(due_in=60, data={"cart": "A-1"}, max_late=MINUTE))
    assert await schedule.pending("c1") == [put]
    assert await schedule.next_due() == put.due_at
    assert await schedule.claim_due(NOW + timedelta(seconds=59), 10, "w1", MINUTE) == []
    assert await schedule.claim_due(NOW + timedelta(seconds=60), 10, "w1", MINUTE) == [put]
    assert await schedule.pending("c1") == [put]  # claimed, not done: still the customer's
    await schedule.done([put])
    assert await schedule.pending("c1") == []
    assert await schedule.next_due() is None
    assert await schedule.claim_due(NOW + timedelta(days=1), 10, "w1", MINUTE) == []


async def test_the_same_key_scheduled_twice_at_once_is_one_item(schedule: Schedule) -> None:
    first, second = item(due_in=60), item(due_in=120)
    kept = await asyncio.gather(schedule.put(first), schedule.put(second))
    assert kept[0] == kept[1]
    assert await schedule.pending("c1") == [kept[0]]
    assert await schedule.put(item(due_in=30)) == kept[0]


async def test_replace_takes_the_old_items_place_even_when_claimed(schedule: Schedule) -> None:
    old = await schedule.put(item(due_in=0))
    assert await schedule.claim_due(NOW, 10, "w1", MINUTE) == [old]
    new = await schedule.put(item(due_in=300), replace=True)
    assert new.id != old.id
    await schedule.done([old])  # the old claim finishing leaves the new item alone
    assert await schedule.pending("c1") == [new]
    assert await schedule.claim_due(NOW + MINUTE * 2, 10, "w1", MINUTE) == []
    assert await schedule.claim_due(NOW + MINUTE * 5, 10, "w1", MINUTE) == [new]


async def test_a_claim_that_runs_out_is_claimed_again_by_another(schedule: Schedule) -> None:
    put = await schedule.put(item(due_in=0))
    assert await schedule.claim_due(NOW, 10, "dies", MINUTE) == [put]
    assert await schedule.claim_due(NOW + timedelta(seconds=59), 10, "w2", MINUTE) == []
    assert await schedule.next_due() == NOW + MINUTE  # when the claim runs out
    assert await schedule.claim_due(NOW + MINUTE, 10, "w2", MINUTE) == [put]
    await schedule.done([put])
    assert await schedule.pending("c1") == []


async def test_claims_come_soonest_first_up_to_the_limit(schedule: Schedule) -> None:
    items = [await schedule.put(item(key=f"k{n}", due_in=n)) for n in (3, 1, 2, 5, 4)]
    by_due = sorted(items, key=lambda i: i.due_at)
    assert await schedule.claim_due(NOW + MINUTE, 2, "w1", MINUTE) == by_due[:2]
    assert await schedule.claim_due(NOW + MINUTE, 10, "w1", MINUTE) == by_due[2:]


async def test_cancel_by_key_drops_one_item(schedule: Schedule) -> None:
    kept = await schedule.put(item(key="rating"))
    dropped = await schedule.put(item(key="reminder"))
    assert await schedule.cancel("c1", "reminder") == dropped
    assert await schedule.cancel("c1", "reminder") is None
    assert await schedule.cancel("c2", "rating") is None
    assert await schedule.pending("c1") == [kept]
    assert await schedule.claim_due(NOW + MINUTE * 2, 10, "w1", MINUTE) == [kept]


async def test_an_event_cancels_the_items_that_name_it_and_no_others(schedule: Schedule) -> None:
    reminder = await schedule.put(item(key="cart", cancel_on=("order.placed", "cart.emptied")))
    rating = await schedule.put(item(key="rating", cancel_on=("order.returned",)))
    theirs = await schedule.put(item(customer="c2", key="cart", cancel_on=("order.placed",)))
    assert await schedule.cancel_on("c1", "order.placed") == [reminder]
    assert await schedule.cancel_on("c1", "order.placed") == []
    assert await schedule.pending("c1") == [rating]
    assert await schedule.pending("c2") == [theirs]


async def test_a_claimed_item_cancelled_is_not_claimed_again(schedule: Schedule) -> None:
    put = await schedule.put(item(due_in=0, cancel_on=("order.placed",)))
    assert await schedule.claim_due(NOW, 10, "w1", MINUTE) == [put]
    assert await schedule.cancel_on("c1", "order.placed") == [put]
    again = await schedule.put(item(due_in=0))  # the key is free for a new item
    await schedule.done([put])
    assert await schedule.pending("c1") == [again]
    assert await schedule.claim_due(NOW + MINUTE * 2, 10, "w2", MINUTE) == [again]


async def test_forget_drops_every_item_of_one_customer(schedule: Schedule) -> None:
    for key in ("a", "b", "c"):
        await schedule.put(item(key=key))
    theirs = await schedule.put(item(customer="c2"))
    assert await schedule.forget("c1") == 3
    assert await schedule.pending("c1") == []
    assert await schedule.claim_due(NOW + MINUTE * 2, 10, "w1", MINUTE) == [theirs]


async def test_items_of_many_customers_are_each_claimed_once(schedule: Schedule) -> None:
    put = {(await schedule.put(item(customer=f"c{n}", due_in=n % 7))).id for n in range(200)}
    claimed: list[str] = []
    for worker in ("w1", "w2", "w3"):
        claimed += [i.id for i in await schedule.claim_due(NOW + MINUTE, 5, worker, MINUTE)]
    while batch := await schedule.claim_due(NOW + MINUTE, 50, "w4", MINUTE):
        claimed += [i.id for i in batch]
    assert sorted(claimed) == sorted(put)


@pytest.fixture(params=["one shard", "two shards"])
def target(request: pytest.FixtureRequest) -> str:
    """The customer "absorbed" is joined into: on Redis, one in the same shard (whose items
    share one hash with theirs) or one in another."""
    same = request.param == "one shard"
    names = (f"joined-{n}" for n in itertools.count())
    home = shard_of("absorbed", SHARDS)
    return next(name for name in names if (shard_of(name, SHARDS) == home) == same)


async def test_a_move_gives_the_items_to_another_customer_to_fire_for_them(
    schedule: Schedule, target: str
) -> None:
    reminder = await schedule.put(item(customer="absorbed", key="cart", due_in=60))
    rating = await schedule.put(item(customer="absorbed", key="rating", due_in=120))
    moved = await schedule.move("absorbed", target)
    assert {i.id for i in moved} == {reminder.id, rating.id}
    assert await schedule.pending("absorbed") == []
    mine = await schedule.pending(target)
    assert [(i.id, i.key, i.customer_id) for i in mine] == [
        (reminder.id, "cart", target),
        (rating.id, "rating", target),
    ]
    assert [i.due_at for i in mine] == [reminder.due_at, rating.due_at]
    assert await schedule.next_due() == reminder.due_at
    claimed = await schedule.claim_due(NOW + MINUTE * 3, 10, "w1", MINUTE)
    assert [(i.id, i.customer_id) for i in claimed] == [(i.id, target) for i in mine]
    await schedule.done(claimed)
    assert await schedule.pending(target) == []
    assert await schedule.next_due() is None


async def test_a_move_keeps_the_targets_item_when_both_have_the_key(
    schedule: Schedule, target: str
) -> None:
    await schedule.put(item(customer="absorbed", key="cart", due_in=30))
    other = await schedule.put(item(customer="absorbed", key="other", due_in=30))
    theirs = await schedule.put(item(customer=target, key="cart", due_in=90))
    moved = await schedule.move("absorbed", target)
    assert [i.id for i in moved] == [other.id]
    assert await schedule.pending("absorbed") == []
    assert [i.id for i in await schedule.pending(target)] == [other.id, theirs.id]
    claimed = await schedule.claim_due(NOW + MINUTE * 2, 10, "w1", MINUTE)
    assert sorted(i.id for i in claimed) == sorted([other.id, theirs.id])


async def test_a_claimed_item_moved_is_claimed_again_for_the_target(
    schedule: Schedule, target: str
) -> None:
    put = await schedule.put(item(customer="absorbed", due_in=0))
    assert await schedule.claim_due(NOW, 10, "w1", MINUTE) == [put]
    await schedule.move("absorbed", target)
    await schedule.done([put])  # the source's claim finishing leaves the moved item alone
    [again] = await schedule.claim_due(NOW, 10, "w2", MINUTE)
    assert (again.id, again.customer_id) == (put.id, target)


async def test_a_move_redone_moves_nothing_and_a_customer_into_itself_keeps_all(
    schedule: Schedule, target: str
) -> None:
    put = await schedule.put(item(customer="absorbed", due_in=60))
    assert [i.id for i in await schedule.move("absorbed", target)] == [put.id]
    assert await schedule.move("absorbed", target) == []
    assert await schedule.move(target, target) == []
    assert [i.id for i in await schedule.pending(target)] == [put.id]


async def test_a_move_interrupted_between_the_shards_is_finished_by_moving_again(
    schedule: Schedule, backend: str, target: str
) -> None:
    if backend == "embedded" or shard_of(target, SHARDS) == shard_of("absorbed", SHARDS):
        pytest.skip("a move in one process, or within one shard, is one step")
    put = await schedule.put(item(customer="absorbed", due_in=60))
    # put for the target (the same id), and the worker stopped before dropping the source's
    await schedule.put(put.model_copy(update={"customer_id": target}))
    moved = await schedule.move("absorbed", target)
    assert [i.id for i in moved] == [put.id]
    assert await schedule.pending("absorbed") == []
    assert [i.id for i in await schedule.pending(target)] == [put.id]
    assert [i.id for i in await schedule.claim_due(NOW + MINUTE, 10, "w1", MINUTE)] == [put.id]
