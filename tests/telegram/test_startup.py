"""The connector's own calls (``getMe``, ``setWebhook``, ``deleteWebhook``, ``getUpdates``):
retried while Telegram cannot answer, given up when it refuses for good, and logged without the
token or a URL."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from tests.fakes.base import Failure
from tests.fakes.telegram import TOKEN, FakeTelegram, rate_limited
from tests.fakes.telegram_updates import JOHN
from tests.telegram.kit import GREETING, SECRET, StartBot

BAD_GATEWAY = Failure(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
UNAUTHORIZED = Failure(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


async def logged(caplog: pytest.LogCaptureFixture, text: str, within: float = 10.0) -> None:
    """Wait until a record holding ``text`` has been logged."""
    deadline = time.monotonic() + within
    while text not in caplog.text:
        assert time.monotonic() < deadline, f"never logged: {text!r}\n{caplog.text}"
        await asyncio.sleep(0.02)


def safe(caplog: pytest.LogCaptureFixture, fake: FakeTelegram) -> None:
    """Nothing logged holds the token, the secret or the Bot API's URL."""
    for secret in (TOKEN.partition(":")[2], SECRET, fake.url, f"127.0.0.1:{fake.port}"):
        assert secret not in caplog.text


async def test_get_me_is_tried_again_until_telegram_answers(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("getMe", BAD_GATEWAY)
    await start_bot()
    await fake.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
    assert len(fake.of("getMe")) == 2
    assert "getMe failed, trying again: telegram getMe: Bad Gateway" in logs.text
    safe(logs, fake)


async def test_a_rate_limit_at_start_is_waited_out(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("setWebhook", Failure(429, rate_limited(1)))
    started = time.monotonic()
    await start_bot()
    await fake.wait_for(lambda _: len(fake.of("setWebhook")) == 2)
    assert time.monotonic() - started >= 1.0
    assert fake.webhook is not None
    await logged(logs, "telegram webhook registered")


async def test_a_refused_token_at_start_is_not_tried_again(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("setWebhook", UNAUTHORIZED)
    await start_bot()
    await logged(logs, "Telegram refused the bot token (setWebhook); check TELEGRAM_BOT_TOKEN")
    await asyncio.sleep(1.2)  # longer than the first wait before a retry
    assert len(fake.of("setWebhook")) == 1
    assert fake.webhook is None
    safe(logs, fake)


async def test_a_bad_request_at_start_is_not_tried_again(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    body = {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook: nope"}
    fake.fail_next("setWebhook", Failure(400, body))
    await start_bot()
    await logged(
        logs, "Telegram refused setWebhook: telegram setWebhook: Bad Request: bad webhook: nope"
    )
    await asyncio.sleep(1.2)
    assert len(fake.of("setWebhook")) == 1


async def test_an_unreachable_telegram_is_logged_without_the_url(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    await fake.cut()
    bot = await start_bot()
    await logged(
        logs, "getMe failed, trying again: telegram getMe: network error (ConnectionRefusedError)"
    )
    await fake.restore()
    await fake.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
    await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert fake.texts(JOHN.id) == [GREETING]
    safe(logs, fake)


async def test_a_webhook_update_waits_for_get_me(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("getMe", BAD_GATEWAY, times=2)
    bot = await start_bot(public_url=None)
    # The bot must know who it is to read an update (a mention of it, a reply to it): until
    # Telegram answers getMe, Telegram is asked to deliver the update again.
    status, answer = await bot.post(bot.updates.text(JOHN, "hi"))
    assert (status, answer["error"]) == (503, "unavailable")
    assert "update not accepted, Telegram will retry: TemporaryDeliveryError" in logs.text
    await fake.wait_for(lambda _: len(fake.of("getMe")) == 3)
    await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert fake.texts(JOHN.id) == [GREETING]


async def test_polling_waits_while_another_poller_holds_the_updates(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    conflict = {"ok": False, "error_code": 409, "description": "Conflict: terminated by other"}
    fake.fail_next("getUpdates", Failure(409, conflict))
    bot = await start_bot(mode="polling")
    await logged(logs, "another poller or a webhook holds this bot's updates; waiting")
    await fake.feed(bot.updates.text(JOHN, "hi"))
    assert await fake.wait_for_texts(JOHN.id, 1) == [GREETING]


async def test_polling_skips_what_is_not_an_update_and_takes_the_rest(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(mode="polling")
    broken = {"update_id": 400_000, "message": {"message_id": 1, "date": 1, "text": "no chat"}}
    hello = bot.updates.text(JOHN, "hi")
    await fake.feed(broken, hello)
    assert await fake.wait_for_texts(JOHN.id, 1) == [GREETING]
    assert "update 400000 is not a Telegram update; skipped" in logs.text
    await fake.wait_for(
        lambda _: any(
            c.params.get("offset") == hello["update_id"] + 1 for c in fake.of("getUpdates")
        )
    )
    assert fake.pending == []


async def test_polling_stops_when_telegram_refuses_the_token(
    start_bot: StartBot, fake: FakeTelegram, logs: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("getUpdates", UNAUTHORIZED)
    await start_bot(mode="polling")
    await logged(logs, "Telegram refused the bot token; polling stopped (TELEGRAM_BOT_TOKEN)")
    await asyncio.sleep(1.2)
    assert len(fake.of("getUpdates")) == 1
