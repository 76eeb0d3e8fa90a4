"""The webhook's checks: Meta's subscription check, and signed notifications only."""

from __future__ import annotations

import json
import logging

import pytest

from tests.fakes import whatsapp_notifications as meta
from tests.whatsapp.kit import WA_ID, WhatsappBot

CHECK = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}


async def test_the_subscription_check_is_answered_with_the_challenge(store: WhatsappBot) -> None:
    answer = await store.subscribe({**CHECK, "hub.verify_token": meta.VERIFY_TOKEN})
    assert (answer.status, answer.text) == (200, "1158201444")


@pytest.mark.parametrize(
    "query",
    [
        {**CHECK, "hub.verify_token": "someone-elses-token"},
        {**CHECK, "hub.verify_token": meta.VERIFY_TOKEN[:-1]},
        CHECK,
        {**CHECK, "hub.mode": "unsubscribe", "hub.verify_token": meta.VERIFY_TOKEN},
    ],
)
async def test_a_subscription_check_without_our_token_is_refused(
    store: WhatsappBot, query: dict[str, str]
) -> None:
    answer = await store.subscribe(query)
    assert answer.status == 403
    assert "1158201444" not in answer.text


async def test_portuguese_text_is_verified_over_the_bytes_meta_sent(store: WhatsappBot) -> None:
    notification = meta.text(WA_ID, "Olá, cadê meu pedido?")
    store.graph.heard(notification)
    raw = json.dumps(notification, ensure_ascii=False).encode()
    assert (await store.post(raw)).status == 200
    await store.replies(1)
    [event] = await store.inputs()
    assert event.text == "Olá, cadê meu pedido?"


async def test_an_unsigned_notification_is_refused_and_changes_nothing(store: WhatsappBot) -> None:
    answer = await store.post(meta.encode(meta.text(WA_ID, "hi")), signed=False)
    assert answer.status == 401
    await store.settle()
    assert store.known() == 0


@pytest.mark.parametrize(
    "signature",
    [
        meta.sign(meta.encode(meta.text(WA_ID, "hi")), secret="another-apps-secret"),
        "sha256=" + "0" * 64,
        "sha1=0123",
        "garbage",
    ],
)
async def test_a_forged_notification_is_refused_and_changes_nothing(
    store: WhatsappBot, signature: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omnibot.webhook")
    answer = await store.post(meta.encode(meta.text(WA_ID, "hi")), signature)
    assert answer.status == 403
    await store.settle()
    assert store.known() == 0
    refusals = [r for r in caplog.records if r.getMessage().startswith("webhook refused")]
    assert len(refusals) == 1
    assert refusals[0].levelname == "INFO"
    assert refusals[0].exc_info is None


async def test_a_body_altered_after_signing_is_refused(store: WhatsappBot) -> None:
    signed = meta.encode(meta.text(WA_ID, "hi"))
    altered = signed.replace(b'"hi"', b'"goto:returns:refund_done"')
    assert (await store.post(altered, meta.sign(signed))).status == 403
    assert store.known() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"object": "page", "entry": []}).encode(),
        json.dumps(meta.text("not-a-number", "hi")).encode(),
        json.dumps(meta.notification({"messaging_product": "whatsapp"})).encode(),
    ],
)
async def test_a_malformed_notification_is_refused_and_changes_nothing(
    store: WhatsappBot, body: bytes
) -> None:
    assert (await store.post(body)).status == 400
    await store.settle()
    assert store.known() == 0
    assert store.graph.calls == []


async def test_messages_for_another_number_of_the_account_are_left_alone(
    store: WhatsappBot,
) -> None:
    answer = await store.notify(meta.text(WA_ID, "hi", number_id="999999999999"))
    assert answer.status == 200
    await store.settle()
    assert store.known() == 0


async def test_changes_of_other_fields_are_acknowledged(store: WhatsappBot) -> None:
    review = meta.notification({"event": "APPROVED"}, field="message_template_status_update")
    assert (await store.notify(review)).status == 200
    assert store.known() == 0
