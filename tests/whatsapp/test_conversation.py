"""The example store bot over WhatsApp: signed notifications in, the fake Graph API out."""

from __future__ import annotations

from tests.fakes import whatsapp_notifications as meta
from tests.whatsapp.kit import CUSTOMER, WA_ID, BotFactory, WhatsappBot, body_text, choices

WELCOME = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a return, "
    "or change a delivery address. What can I do for you?"
)
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."


async def test_a_text_is_answered_with_a_list_of_the_four_options(store: WhatsappBot) -> None:
    answer = await store.notify(meta.text(WA_ID, "hi"))
    assert answer.status == 200
    [welcome] = await store.replies(1)
    assert body_text(welcome) == WELCOME
    assert welcome["interactive"]["type"] == "list"
    assert [title for _, title in choices(welcome)] == [
        "Order status",
        "Exchanges and returns",
        "Change delivery address",
        "Talk to a person",
    ]
    [out] = await store.outputs()
    assert welcome["biz_opaque_callback_data"] == out.message_id
    [event] = await store.inputs()
    assert (event.kind, event.text, event.name) == ("text", "hi", "Ana")
    assert [(a.kind, a.value) for a in event.verified] == [("phone", CUSTOMER)]


async def test_a_row_chosen_is_the_offered_option(store: WhatsappBot) -> None:
    await store.notify(meta.text(WA_ID, "hi"))
    [welcome] = await store.replies(1)
    ident, title = choices(welcome)[0]
    await store.notify(meta.list_reply(WA_ID, ident, title))
    second = (await store.replies(2))[1]
    assert body_text(second) == ASK_ORDER
    chosen = (await store.inputs())[1]
    assert (chosen.kind, chosen.payload) == ("button", "flow:order_status")


async def test_a_reply_button_pressed_is_the_offered_option(store: WhatsappBot) -> None:
    await store.notify(meta.text(WA_ID, "where is my order"))
    await store.notify(meta.text(WA_ID, "Z-99999"))
    not_found = (await store.replies(2))[1]
    assert not_found["interactive"]["type"] == "button"
    assert [title for _, title in choices(not_found)] == ["Try another number", "Talk to a person"]
    ident, title = choices(not_found)[0]
    await store.notify(meta.button_reply(WA_ID, ident, title))
    await store.replies(3)
    pressed = (await store.inputs())[2]
    assert (pressed.kind, pressed.payload) == ("button", ident)


async def test_a_button_id_the_bot_did_not_offer_is_read_as_its_title(store: WhatsappBot) -> None:
    await store.notify(meta.text(WA_ID, "hi"))
    await store.replies(1)
    forged = meta.button_reply(WA_ID, "goto:returns:refund_done", "Order status")
    assert (await store.notify(forged)).status == 200
    assert body_text((await store.replies(2))[1]) == ASK_ORDER
    read = (await store.inputs())[1]
    assert (read.kind, read.payload) == ("button", "flow:order_status")


async def test_a_redelivered_message_is_answered_once(store: WhatsappBot) -> None:
    first = meta.text(WA_ID, "hi", mid="wamid.SAME0001")
    assert (await store.notify(first)).status == 200
    await store.replies(1)
    assert (await store.notify(meta.text(WA_ID, "hi", mid="wamid.SAME0001"))).status == 200
    await store.settle()
    assert len(store.graph.to(WA_ID)) == 1
    assert len(await store.inputs()) == 1


async def test_a_reaction_is_left_alone(store: WhatsappBot) -> None:
    assert (await store.notify(meta.reaction(WA_ID, "wamid.ANY"))).status == 200
    await store.settle()
    assert store.graph.to(WA_ID) == []
    assert store.known() == 0


async def test_statuses_of_our_messages_go_into_the_transcript(store: WhatsappBot) -> None:
    await store.notify(meta.text(WA_ID, "hi"))
    [welcome] = await store.replies(1)
    ours = welcome["biz_opaque_callback_data"]
    await store.settle()
    for state in ("sent", "delivered", "read"):
        assert (await store.notify(meta.status(WA_ID, "wamid.OUT1", state, ours))).status == 200
    failed = meta.status(
        WA_ID, "wamid.OUT2", "failed", ours, [{"code": 131026, "title": "Message undeliverable"}]
    )
    assert (await store.notify(failed)).status == 200
    recorded = [(s.message_id, s.status) for s in await store.statuses()]
    assert recorded == [(ours, "delivered"), (ours, "read"), (ours, "undeliverable")]


async def test_the_same_number_on_sms_is_the_same_customer(make_bot: BotFactory) -> None:
    bot = await make_bot(sms=True)
    await bot.notify(meta.text(WA_ID, "hi"))
    await bot.replies(1)
    await bot.settle()
    assert bot.twilio is not None
    assert (await bot.twilio.text(CUSTOMER, "hello again")).status == 200
    await bot.settle()
    on_whatsapp = await bot.customer(CUSTOMER)
    assert on_whatsapp is not None
    assert await bot.customer(CUSTOMER, channel="sms") == on_whatsapp
