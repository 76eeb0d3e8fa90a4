"""Telegram's ``/stop`` through the webhook: Telegram stopped, a "no" to marketing recorded with
the time, the channel and the command (what ``omnibot customer export`` gives), the flow that
ran cancelled and the stop confirmed once; a redelivered update adds nothing; ``/start``
re-opens Telegram but is no new opt-in. On the embedded memory and on Redis."""

from __future__ import annotations

import pytest

from bot.app.privacy import export
from dialogs.design.defaults import MESSAGES
from dialogs.state import DialogState
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_updates import JOHN
from tests.telegram.kit import ASK_ORDER, GREETING, StartBot

CONFIRMED = MESSAGES["opted_out"]["en"]


@pytest.mark.parametrize("backend", ["embedded", "redis"])
async def test_stop_records_one_withdrawn_consent_and_is_confirmed_once(
    start_bot: StartBot, fake: FakeTelegram, backend: str
) -> None:
    bot = await start_bot(backend=backend)
    await bot.say(JOHN, "hi")
    await bot.say(JOHN, "where is my order")
    await bot.idle()
    assert fake.texts(JOHN.id)[-1] == ASK_ORDER
    stop = bot.updates.text(JOHN, "/stop")
    for _ in range(3):  # Telegram's delivery and two retries of the same update
        assert (await bot.post(stop))[0] == 200
    await bot.idle()
    assert fake.texts(JOHN.id) == [GREETING, ASK_ORDER, CONFIRMED]

    customer = await bot.customer(JOHN)
    assert customer is not None
    exported = await export(bot.memory, customer)
    assert exported is not None
    record = exported["customer"]
    assert isinstance(record, dict)
    assert isinstance(record["outreach"], dict)
    assert record["outreach"]["consents"] == [
        {"at": "2026-11-20T12:00:00Z", "channel": "telegram", "wording": "/stop", "given": False}
    ]
    assert record["opted_out"] == ["telegram"]
    stopped = await bot.record(JOHN)
    assert stopped is not None
    assert DialogState.load(stopped.dialog).stack == (), "the flow that ran is cancelled"

    await bot.say(JOHN, "where is my order")
    await bot.idle()
    assert fake.texts(JOHN.id)[-1] == CONFIRMED, "nothing more goes to a stopped channel"
    await bot.say(JOHN, "/start")
    await bot.idle()
    assert fake.texts(JOHN.id)[-1] == GREETING
    reopened = await bot.record(JOHN)
    assert reopened is not None
    assert reopened.opted_out == frozenset()
    assert not reopened.outreach.marketing_allowed, "/start is no opt-in to marketing"
    assert len(reopened.outreach.consents) == 1
