"""The example store bot on WhatsApp through Twilio: signed webhooks in, the fake Twilio out."""

from __future__ import annotations

from tests.fakes import whatsapp_notifications as meta
from tests.fakes.twilio import WHATSAPP_SENDER
from tests.whatsapp.twilio_kit import (
    CONTENT,
    CUSTOMER,
    LIST_PICKER,
    QUICK_REPLY,
    TO,
    TwilioBotFactory,
    offered,
    shown,
)

WELCOME = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a return, "
    "or change a delivery address. What can I do for you?"
)
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."
OPTIONS = ["Order status", "Exchanges and returns", "Change delivery address", "Talk to a person"]


async def test_without_templates_choices_are_numbered_and_a_typed_number_chooses(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot()
    assert await bot.write("hi") == 200
    [welcome] = await bot.replies(1)
    assert (welcome.sender, welcome.to, welcome.content_sid) == (WHATSAPP_SENDER, TO, None)
    numbered = [f"{n}. {title}" for n, title in enumerate(OPTIONS, start=1)]
    assert welcome.body == "\n".join([WELCOME, *numbered])
    assert await bot.write("1") == 200
    assert (await bot.replies(2))[1].body == ASK_ORDER
    [said, chosen] = await bot.inputs()
    assert (said.kind, said.text, said.name) == ("text", "hi", "Ana")
    assert [(a.kind, a.value) for a in said.verified] == [("phone", CUSTOMER)]
    assert (chosen.kind, chosen.payload) == ("button", "flow:order_status")


async def test_four_choices_go_as_a_list_picker_and_a_chosen_item_is_the_offered_option(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot(content=CONTENT)
    await bot.write("hi")
    [welcome] = await bot.replies(1)
    assert (welcome.content_sid, welcome.body) == (LIST_PICKER[4], None)
    assert shown(welcome) == WELCOME
    assert [title for _, title in offered(welcome)] == OPTIONS
    ident, title = offered(welcome)[0]
    assert await bot.write(title, ListId=ident, ListTitle=title) == 200
    assert shown((await bot.replies(2))[1]) == ASK_ORDER
    assert (await bot.inputs())[1].payload == "flow:order_status"


async def test_two_choices_go_as_quick_replies_and_a_press_is_the_offered_option(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot(content=CONTENT)
    await bot.write("where is my order")
    await bot.write("Z-99999")
    not_found = (await bot.replies(2))[1]
    assert not_found.content_sid == QUICK_REPLY[2]
    assert [title for _, title in offered(not_found)] == ["Try another number", "Talk to a person"]
    ident, title = offered(not_found)[0]
    assert (await bot.twilio.press(CUSTOMER, ident, title)).status == 200
    await bot.replies(3)
    pressed = (await bot.inputs())[2]
    assert (pressed.kind, pressed.payload) == ("button", ident)


async def test_a_payload_the_bot_did_not_offer_is_read_as_its_title(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot(content=CONTENT)
    await bot.write("hi")
    await bot.replies(1)
    forged = await bot.twilio.press(CUSTOMER, "goto:returns:refund_done", "Order status")
    assert forged.status == 200
    assert shown((await bot.replies(2))[1]) == ASK_ORDER
    assert (await bot.inputs())[1].payload == "flow:order_status"


async def test_a_redelivered_message_is_answered_once(make_twilio_bot: TwilioBotFactory) -> None:
    bot = await make_twilio_bot()
    form = bot.twilio.whatsapp_incoming(CUSTOMER, "hi", sid="SM" + "5" * 32)
    assert (await bot.twilio.post("/whatsapp/twilio", form)).status == 200
    await bot.replies(1)
    assert (await bot.twilio.post("/whatsapp/twilio", form)).status == 200
    await bot.settle()
    assert len(bot.twilio.to(TO)) == 1
    assert len(await bot.inputs()) == 1


async def test_statuses_of_our_messages_go_into_the_transcript(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot()
    await bot.write("hi")
    [welcome] = await bot.replies(1)
    await bot.settle()
    for state in ("sent", "delivered", "read"):
        assert (await bot.twilio.report(welcome, state)).status == 204
    assert (await bot.twilio.report(welcome, "failed", error_code=63003)).status == 204
    recorded = [s.status for s in await bot.statuses()]
    assert recorded == ["delivered", "read", "undeliverable"]
    assert "63003" in str((await bot.statuses())[-1].detail)


async def test_the_same_number_by_sms_and_whatsapp_is_one_customer(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot(sms=True)
    await bot.write("hi")
    await bot.replies(1)
    await bot.settle()
    assert (await bot.twilio.text(CUSTOMER, "hello again")).status == 200
    await bot.twilio.wait_sent(CUSTOMER, 1)
    await bot.settle()
    on_whatsapp = await bot.customer()
    assert on_whatsapp is not None
    assert await bot.customer(channel="sms") == on_whatsapp


async def test_with_both_providers_the_reply_goes_the_way_the_customer_wrote(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot(content=CONTENT, cloud=True)
    wa_id = CUSTOMER.removeprefix("+")
    await bot.write("hi")
    await bot.replies(1)
    await bot.settle()
    assert bot.graph.to(wa_id) == []
    assert await bot.notify(meta.text(wa_id, "where is my order")) == 200
    await bot.graph.wait_for(lambda _: len(bot.graph.to(wa_id)) == 1)
    await bot.settle()
    assert len(bot.twilio.to(TO)) == 1
    assert await bot.write("A-12345") == 200
    await bot.replies(2)
    await bot.settle()
    assert len(bot.graph.to(wa_id)) == 1
    assert (await bot.inputs())[-1].address.bot_id == WHATSAPP_SENDER
