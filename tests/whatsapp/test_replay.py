"""Replays: Meta signs only the body, so a captured notification verifies for ever. Within the
deduplication window the message id drops it; beyond it, its own ``timestamp`` does (see
``connectors/whatsapp/cloud/replay.py``)."""

from __future__ import annotations

import time
from typing import Any

from bot.app.config import BotConfig, Settings
from connectors.whatsapp.cloud.settings import read_settings
from tests.fakes import whatsapp_notifications as meta
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN
from tests.whatsapp.kit import WA_ID, WhatsappBot, body_text

DAY = 24 * 3600


def ago(seconds: int) -> str:
    """A ``timestamp`` that many seconds back."""
    return str(int(time.time()) - seconds)


async def test_a_notification_older_than_the_window_is_refused_and_changes_nothing(
    store: WhatsappBot,
) -> None:
    stale = meta.text(WA_ID, "hi", at=ago(DAY + 60))
    answer = await store.notify(stale)
    assert answer.status == 403
    await store.settle()
    assert store.graph.to(WA_ID) == []
    assert store.known() == 0


async def test_a_message_just_inside_the_window_is_taken(store: WhatsappBot) -> None:
    assert (await store.notify(meta.text(WA_ID, "hi", at=ago(DAY - 60)))).status == 200
    assert len(await store.replies(1)) == 1


async def test_of_a_batch_only_the_messages_inside_the_window_are_taken(
    store: WhatsappBot,
) -> None:
    batch = meta.text(WA_ID, "hi", at=ago(2 * DAY))
    value: dict[str, Any] = batch["entry"][0]["changes"][0]["value"]
    fresh = meta.text(WA_ID, "where is my order")["entry"][0]["changes"][0]["value"]
    value["messages"] = [*value["messages"], *fresh["messages"]]
    assert (await store.notify(batch)).status == 200
    await store.replies(1)
    await store.settle()
    assert [e.text for e in await store.inputs()] == ["where is my order"]


async def test_a_stale_status_records_nothing(store: WhatsappBot) -> None:
    await store.notify(meta.text(WA_ID, "hi"))
    [welcome] = await store.replies(1)
    assert body_text(welcome)
    await store.settle()
    ours = welcome["biz_opaque_callback_data"]
    old = meta.status(WA_ID, "wamid.OUT1", "read", ours, at=ago(3 * DAY))
    assert (await store.notify(old)).status == 403
    assert await store.statuses() == []


async def test_a_message_without_a_timestamp_is_malformed(store: WhatsappBot) -> None:
    undated = meta.text(WA_ID, "hi")
    del undated["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"]
    assert (await store.notify(undated)).status == 400
    await store.settle()
    assert store.known() == 0


def test_the_window_is_the_memorys_deduplication_window() -> None:
    config = BotConfig.model_validate({"name": "Loja", "memory": {"dedup_window_hours": 2}})
    env = {
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_APP_SECRET": meta.APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": meta.VERIFY_TOKEN,
    }
    whatsapp = read_settings(config, Settings.from_env(env), "http://127.0.0.1")
    assert whatsapp.replay_window.total_seconds() == 2 * 3600
