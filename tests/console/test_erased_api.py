"""A customer erased (``omnibot customer erase``) while an agent's action on them is under way:
the action answers 404 with a JSON error the console shows, logs no traceback, and leaves
nothing behind of the customer (no scheduled item, no transcript)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.app.privacy import erase
from bot.desk.console.threads_api import ERASED
from tests.console.kit import Desk, serving
from tests.outreach.kit import Clock

SWEEP = 40
"""How many loop turns the erasure waits, one run each: enough for it to land before, inside
and after the action's own reads of the record."""


async def _customer(desk: Desk, n: int) -> str:
    user = f"+1202555{n:04d}"
    await desk.channels["sms"].say(user, "hello")
    await desk.settle()
    return await desk.customer("sms", user)


async def _erase_after(desk: Desk, customer: str, turns: int) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)
    scheduler = desk.runtime.scheduler
    assert scheduler is not None
    await erase(desk.runtime.memory, scheduler.schedule, customer)


ACTIONS = {
    "follow_up": {"at": "2026-11-23T10:00", "text": "Your refund."},
    "tag": {"tag": "refund"},
    "reopen": {},
}
TURNS = {"reopen"}
"""Actions that become a turn of the customer's once accepted: an erasure that lands after the
answer is the pipeline's to meet, so only their answer is checked here."""


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_an_action_on_a_customer_erased_meanwhile_is_a_404_that_leaves_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, action: str
) -> None:
    async with serving(tmp_path, clock=Clock()) as desk:
        ana = await desk.signed_in("ana")
        scheduler = desk.runtime.scheduler
        assert scheduler is not None
        answers: set[tuple[int, str | None]] = set()
        for turns in range(SWEEP):
            customer = await _customer(desk, turns)
            asked = ana.act(customer, action, **ACTIONS[action])
            response, _ = await asyncio.gather(asked, _erase_after(desk, customer, turns))
            body = await response.json()
            assert response.status in (200, 201, 404), body
            answers.add((response.status, body.get("error")))
            assert await scheduler.pending(customer) == []
            if action not in TURNS:
                assert await desk.runtime.memory.entries(customer, None, 10) == []
    assert (404, ERASED) in answers  # the erasure landed inside the action at least once
    assert {status for status, _ in answers} > {404}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
