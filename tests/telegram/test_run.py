"""``omnibot run`` with Telegram on, as real processes configured only by the environment:
webhook mode on Redis, and polling mode on the embedded memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fakes.telegram import TOKEN, FakeTelegram, check_call
from tests.fakes.telegram_updates import JOHN, Updates, deliver
from tests.server_process import EXAMPLE, Server, clean_env, example_copy, serving, stopped, wipe
from tests.telegram.kit import ASK_ORDER, GREETING, PUBLIC_URL, SECRET


async def post(server: Server, update: dict[str, Any]) -> Any:
    """Deliver an update as Telegram does, on a connection of its own."""
    return await deliver(server.url, SECRET, update)


def keyboard_of(fake: FakeTelegram) -> list[list[dict[str, Any]]]:
    keyboard: list[list[dict[str, Any]]] = fake.sent(JOHN.id)[-1].params["reply_markup"][
        "inline_keyboard"
    ]
    return keyboard


async def test_webhook_mode_with_redis(
    fake: FakeTelegram, tmp_path: Path, redis_url: str, namespace: str
) -> None:
    env = clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE=fake.url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_LOG_LEVEL="debug",
    )
    updates = Updates()
    try:
        async with serving(example_copy(tmp_path, namespace), env=env) as server:
            assert any(
                "telegram" in line and f"webhook {PUBLIC_URL}/telegram/webhook" in line
                for line in server.banner
            )
            await fake.wait_for(lambda _: len(fake.of("setWebhook")) == 1)
            await post(server, updates.text(JOHN, "hi"))
            assert await fake.wait_for_texts(JOHN.id, 1) == [GREETING]
            keyboard = keyboard_of(fake)
            press = updates.press(JOHN, keyboard[0][0]["callback_data"], keyboard=keyboard)
            for _ in range(3):  # Telegram delivers it again when unsure it arrived
                answer = await post(server, press)
                check_call(answer["method"], answer)
            assert (await fake.wait_for_texts(JOHN.id, 2))[-1] == ASK_ORDER
            await post(server, updates.text(JOHN, "C-30005"))
            texts = await fake.wait_for_texts(JOHN.id, 3)
            assert texts[-1].startswith("Order C-30005 was cancelled on Nov 9, 2026.")
            assert len(texts) == 3  # the redelivered press was taken once
            printed = await stopped(server)
    finally:
        await wipe(redis_url, namespace)
    assert printed.code == 0, printed.err
    assert TOKEN.partition(":")[2] not in printed.everything
    assert SECRET not in printed.everything


async def test_polling_mode(fake: FakeTelegram) -> None:
    env = clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_MODE="polling",
        TELEGRAM_API_BASE=fake.url,
        OMNIBOT_LOG_LEVEL="debug",
    )
    updates = Updates()
    async with serving(EXAMPLE, env=env) as server:
        assert any("telegram" in line and "polling" in line for line in server.banner)
        await fake.feed(updates.text(JOHN, "hi"))
        assert await fake.wait_for_texts(JOHN.id, 1) == [GREETING]
        keyboard = keyboard_of(fake)
        await fake.feed(updates.press(JOHN, keyboard[0][0]["callback_data"], keyboard=keyboard))
        assert (await fake.wait_for_texts(JOHN.id, 2))[-1] == ASK_ORDER
        await fake.feed(updates.text(JOHN, "C-30005"))
        texts = await fake.wait_for_texts(JOHN.id, 3)
        assert texts[-1].startswith("Order C-30005 was cancelled on Nov 9, 2026.")
        assert len(fake.of("answerCallbackQuery")) == 1
        assert len(fake.of("deleteWebhook")) == 1
        printed = await stopped(server)
    assert printed.code == 0, printed.err
    assert TOKEN.partition(":")[2] not in printed.everything
    assert json.dumps(TOKEN) not in printed.everything
