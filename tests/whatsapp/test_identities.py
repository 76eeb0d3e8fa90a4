"""Shared contact cards, and customers known by a business-scoped user id (Meta's usernames)
rather than their number."""

from __future__ import annotations

from tests.fakes import whatsapp_notifications as meta
from tests.whatsapp.kit import BSUID, CUSTOMER, WA_ID, WhatsappBot, body_text

FRIEND = {"name": {"formatted_name": "Bia Souza"}, "phones": [{"phone": "+55 21 99876-5432"}]}


async def test_a_shared_contact_is_a_contact_event_that_proves_nothing(
    store: WhatsappBot,
) -> None:
    assert (await store.notify(meta.contacts(WA_ID, [FRIEND]))).status == 200
    await store.replies(1)
    [event] = await store.inputs()
    assert event.kind == "contact"
    assert event.contact is not None
    assert (event.contact.phone, event.contact.name) == ("+55 21 99876-5432", "Bia Souza")
    assert not event.contact.verified
    assert [(a.kind, a.value) for a in event.verified] == [("phone", CUSTOMER)]


async def test_the_senders_own_card_is_verified(store: WhatsappBot) -> None:
    own = {"name": {"first_name": "Ana"}, "phones": [{"phone": CUSTOMER, "wa_id": WA_ID}]}
    await store.notify(meta.contacts(WA_ID, [{"name": {"first_name": "X"}}, own]))
    await store.replies(1)
    [event] = await store.inputs()
    assert event.contact is not None
    assert (event.contact.phone, event.contact.user_id, event.contact.verified) == (
        CUSTOMER,
        WA_ID,
        True,
    )


async def test_a_sender_without_a_number_is_a_customer_of_their_own(
    store: WhatsappBot,
) -> None:
    await store.notify(meta.text(WA_ID, "hi"))
    await store.replies(1)
    await store.notify(meta.text(None, "oi", user_id=BSUID, name="Ana"))
    [answer] = await store.replies(1, wa_id=BSUID)
    assert "recipient" in answer
    assert "to" not in answer
    by_number = await store.customer(CUSTOMER)
    by_user_id = await store.customer(BSUID)
    assert by_user_id is not None
    assert by_number is not None
    assert by_user_id != by_number
    [event] = await store.inputs(BSUID)
    assert event.sender.user_id == BSUID
    assert [(a.kind, a.value, a.issuer) for a in event.verified] == [
        ("external_id", BSUID, "whatsapp")
    ]


async def test_a_number_and_its_user_id_in_one_notification_join_them_later(
    store: WhatsappBot,
) -> None:
    await store.notify(meta.text(WA_ID, "hi", user_id=BSUID))
    await store.replies(1)
    await store.settle()
    by_number = await store.customer(CUSTOMER)
    [first] = await store.inputs()
    assert [a.kind for a in first.verified] == ["phone", "external_id"]
    await store.notify(meta.text(None, "Z-99999", user_id=BSUID))
    await store.settle()
    assert await store.customer(BSUID) == by_number


async def test_a_username_or_a_name_is_no_evidence(store: WhatsappBot) -> None:
    await store.notify(meta.text(WA_ID, "hi", name="Ana"))
    await store.replies(1)
    other = "BR.9999999999999999"
    await store.notify(meta.text(None, f"sou {CUSTOMER}", user_id=other, name="Ana"))
    await store.replies(1, wa_id=other)
    assert await store.customer(other) != await store.customer(CUSTOMER)


async def test_statuses_of_messages_sent_to_a_user_id_reach_their_transcript(
    store: WhatsappBot,
) -> None:
    await store.notify(meta.text(None, "oi", user_id=BSUID))
    [answer] = await store.replies(1, wa_id=BSUID)
    await store.settle()
    ours = answer["biz_opaque_callback_data"]
    status = meta.status(WA_ID, "wamid.OUT9", "read", ours)
    entry = status["entry"][0]["changes"][0]["value"]["statuses"][0]
    del entry["recipient_id"]
    entry["recipient_user_id"] = BSUID
    assert (await store.notify(status)).status == 200
    assert [(s.message_id, s.status) for s in await store.statuses(BSUID)] == [(ours, "read")]
    assert body_text(answer)


async def test_a_message_that_names_no_sender_is_left_alone(store: WhatsappBot) -> None:
    notification = meta.text(None, "hi")
    notification["entry"][0]["changes"][0]["value"]["contacts"] = []
    assert (await store.notify(notification)).status == 200
    await store.settle()
    assert store.known() == 0
