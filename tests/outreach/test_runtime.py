"""The runtime starts the scheduler with the worker and stops it with it; an item whose event
the bot's dialog does not know yet is a harmless turn (no reply, no error, the state kept)."""

from __future__ import annotations

from datetime import timedelta

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.format.messages import ChannelIdentity, utcnow
from bot.format.transcript import NoteEntry
from connectors.loopback import LoopbackConnector
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from tests.outreach.kit import fired_within, item
from tests.server_process import EXAMPLE


async def test_the_runtime_fires_an_item_the_dialog_does_not_know_and_nothing_breaks() -> None:
    config = load_bot_config(EXAMPLE)
    telegram = LoopbackConnector("telegram")
    runtime = create_runtime(
        EXAMPLE,
        config,
        Settings(),
        handler=DialogEngine(load_flowset(EXAMPLE, config)),
        connectors=[telegram],
    )
    assert runtime.scheduler is not None
    await runtime.start()
    try:
        await telegram.say("u1", "hi")
        greeted = len(await telegram.wait_for("u1", 1))
        u1 = ChannelIdentity(channel="telegram", user_id="u1")
        customer = await runtime.pipeline.customer_of(u1)
        assert customer is not None
        before = await runtime.memory.load(customer)
        due = utcnow() + timedelta(seconds=0.3)
        unknown = item(customer=customer, name="nobody.knows").model_copy(update={"due_at": due})
        await runtime.scheduler.put(unknown)
        assert [i.key for i in await runtime.scheduler.pending(customer)] == ["reminder"]
        await fired_within(runtime.memory, customer, 5)
        await runtime.pipeline.join()
        assert len(telegram.sent["u1"]) == greeted
        entries = await runtime.memory.transcript(customer)
        assert [e.kind for e in entries if isinstance(e, NoteEntry)] == []
        after = await runtime.memory.load(customer)
        assert before is not None
        assert after is not None
        assert after.dialog == before.dialog
        turns = runtime.metrics.turns
        assert turns.labels("telegram", "ok")._value.get() == 2  # the greeting's and the item's
        assert turns.labels("telegram", "failed")._value.get() == 0
        assert await runtime.scheduler.pending(customer) == []
    finally:
        await runtime.stop()
