"""Long polling in process: updates fed to the fake, taken by the bot, confirmed once queued."""

from __future__ import annotations

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_updates import JOHN
from tests.telegram.kit import ASK_ORDER, GREETING, StartBot


def asked_from(fake: FakeTelegram, offset: int) -> bool:
    return any(int(call.params.get("offset") or 0) >= offset for call in fake.of("getUpdates"))


async def test_polling_takes_updates_answers_presses_and_confirms_them(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(mode="polling")
    await fake.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
    assert len(fake.of("deleteWebhook")) == 1
    assert fake.of("setWebhook") == []
    hello = bot.updates.text(JOHN, "hi")
    await fake.feed(hello)
    assert await fake.wait_for_texts(JOHN.id, 1) == [GREETING]
    keyboard = fake.sent(JOHN.id)[0].params["reply_markup"]["inline_keyboard"]
    press = bot.updates.press(JOHN, keyboard[0][0]["callback_data"], keyboard=keyboard)
    await fake.feed(press)
    assert (await fake.wait_for_texts(JOHN.id, 2))[-1] == ASK_ORDER
    await fake.wait_for(lambda _: len(fake.of("answerCallbackQuery")) == 1)
    [answer] = fake.of("answerCallbackQuery")
    assert answer.params == {"callback_query_id": press["callback_query"]["id"]}
    await fake.wait_for(lambda _: asked_from(fake, press["update_id"] + 1))
    assert fake.pending == []


async def test_polling_serves_no_webhook(start_bot: StartBot, fake: FakeTelegram) -> None:
    bot = await start_bot(mode="polling")
    status, _ = await bot.post(bot.updates.text(JOHN, "hi"))
    assert status == 404


async def test_an_update_stays_unconfirmed_while_the_memory_is_down(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(mode="polling", dead_memory=True)
    update = bot.updates.text(JOHN, "hi")
    await fake.feed(update)
    # Taken, not queued, then asked for again from the same update after a pause.
    again = update["update_id"]
    await fake.wait_for(
        lambda _: any(c.params.get("offset") == again for c in fake.of("getUpdates")),
        within=5,
    )
    assert fake.pending == [update["update_id"]]
    assert not asked_from(fake, update["update_id"] + 1)
    assert fake.sent() == []
