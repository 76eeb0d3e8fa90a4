"""The example store bot over SMS, through signed webhooks and the fake Twilio REST API."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

from bot.format.transcript import NoteEntry
from connectors.sms.segments import Encoding, cost
from tests.fakes.twilio import BOT_NUMBER
from tests.sms.kit import CUSTOMER, PUBLIC_URL, BotFactory, SmsBot

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
WELCOME = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a return, "
    "or change a delivery address. What can I do for you?\n"
    "1. Order status\n2. Exchanges and returns\n3. Change delivery address\n4. Talk to a person"
)
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."


async def test_the_webhook_answers_empty_twiml_and_the_reply_goes_through_the_rest_api(
    store: SmsBot,
) -> None:
    answer = await store.text("hi")
    assert (answer.status, answer.content_type, answer.text) == (200, "text/xml", EMPTY_TWIML)
    assert await store.replies(1) == [WELCOME]
    [sent] = store.sent()
    assert (sent.to, sent.sender, sent.service, sent.media) == (CUSTOMER, BOT_NUMBER, None, ())
    [out] = await store.outputs()
    assert sent.status_callback == f"{PUBLIC_URL}/sms/twilio/status?m={out.message_id}"


async def test_a_numbered_option_answered_with_its_number(store: SmsBot) -> None:
    await store.text("hi")
    await store.replies(1)
    await store.text("1")
    assert (await store.replies(2))[1] == ASK_ORDER
    await store.text("A-10001")
    third = (await store.replies(3))[2]
    assert third is not None
    assert third.startswith(
        "Order A-10001: linen shirt (M). It was placed on Nov 19, 2026 and is being prepared."
    )
    chosen = (await store.inputs())[1]
    assert (chosen.kind, chosen.text, chosen.payload) == ("button", "1", "flow:order_status")


async def test_a_numbered_option_answered_with_its_title(store: SmsBot) -> None:
    await store.text("where is my order")
    await store.text("Z-99999")
    not_found = (await store.replies(2))[1]
    assert not_found == (
        "I couldn't find an order numbered Z-99999. Please check the number in your "
        "confirmation email. What would you like to do?\n"
        "1. Try another number\n2. Talk to a person"
    )
    await store.runtime.desk.desk.present("ana", timedelta(minutes=5))  # an agent is online
    await store.text("talk to a person")
    assert (await store.replies(4))[2:] == [
        "I'm passing you to a person from our customer service team. Someone will answer you "
        "here shortly.",
        "You're number 1 in line.",
    ]
    chosen = (await store.inputs())[2]
    assert (chosen.kind, chosen.payload) == ("button", "person")


async def test_a_yes_answers_the_question_and_is_no_opt_in(store: SmsBot) -> None:
    await store.text("has my order shipped")
    await store.text("B-20003")
    asked = (await store.replies(2))[1]
    assert asked is not None
    assert asked.endswith("Would you like to exchange or return anything from it?\n1. Yes\n2. No")
    await store.text("yes")
    assert (await store.replies(3))[2] == (
        "Order B-20003: denim jacket (L), delivered on Nov 10, 2026. Would you like to exchange "
        "it or return it for a refund?\n1. Exchange\n2. Return for a refund"
    )


async def test_portuguese_costs_more_segments(store: SmsBot) -> None:
    await store.text("oi, tudo bem?")
    [welcome] = await store.replies(1)
    assert welcome == (
        "Olá! Sou o assistente da Loja. Posso ver seu pedido, ajudar com uma troca ou devolução, "
        "ou mudar o endereço de entrega. Como posso ajudar?\n1. Status do pedido\n"
        "2. Trocas e devoluções\n3. Mudar endereço de entrega\n4. Falar com uma pessoa"
    )
    assert (cost(welcome).encoding, cost(welcome).segments) == (Encoding.UCS2, 4)
    assert (cost(WELCOME).encoding, cost(WELCOME).segments) == (Encoding.GSM7, 2)
    await store.text("2")
    assert (await store.replies(2))[1] == (
        "Qual é o número do pedido? Ele está no e-mail de confirmação, por exemplo A-12345."
    )


async def test_a_redelivered_webhook_is_processed_once(store: SmsBot) -> None:
    form = store.twilio.incoming(CUSTOMER, "hi")
    first = await store.twilio.post("/sms/twilio", form)
    again = await store.twilio.post("/sms/twilio", form)
    assert first.status == again.status == 200
    await store.settle()
    assert len(store.sent()) == 1
    assert len(await store.inputs()) == 1


async def test_mms_in_is_kept_as_attachments(store: SmsBot) -> None:
    picture = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    answer = await store.text("the zip is broken", media=[(picture, "image/jpeg")])
    assert answer.status == 200
    await store.replies(1)
    [event] = await store.inputs()
    assert event.kind == "attachment"
    assert event.text == "the zip is broken"
    assert [(a.kind, a.url, a.content_type) for a in event.attachments] == [
        ("image", picture, "image/jpeg")
    ]


RICH_FLOWS = """
flows:
  runners:
    triggers:
      en: [blue runners]
    steps:
      - say:
          image: https://shop.example/img/blue-runners.jpg
          text: "Blue runners are back, sizes 36 to 44."
          buttons:
            - {title: Buy now, url: "https://shop.example/runners"}
            - {title: Size guide, payload: sizes}
"""


async def test_pictures_go_as_mms_where_phones_take_it_and_as_links_elsewhere(
    make_bot: BotFactory, tmp_path: Path
) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "bot.yaml").write_text("name: Shoes\nlanguages: [en]\n")
    (tmp_path / "flows" / "main.yaml").write_text(textwrap.dedent(RICH_FLOWS))
    bot = await make_bot(tmp_path)
    american, brazilian = "+14155550123", CUSTOMER
    await bot.text("blue runners", sender=american)
    await bot.text("blue runners", sender=brazilian)
    picture = "https://shop.example/img/blue-runners.jpg"
    text = (
        "Blue runners are back, sizes 36 to 44.\nBuy now: https://shop.example/runners\n"
        "1. Size guide"
    )
    mms, body = await bot.twilio.wait_sent(american, 2)
    assert (mms.media, mms.body, mms.sid[:2]) == ((picture,), None, "MM")
    assert (body.media, body.body) == ((), text)
    assert [s.body for s in await bot.twilio.wait_sent(brazilian, 2)] == [picture, text]


async def test_help_answers_with_the_help_text_and_then_the_bots_menu(store: SmsBot) -> None:
    await store.text("where is my order")
    await store.replies(1)
    answer = await store.text("HELP")
    assert answer.text == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Store: automated customer '
        "service by text. Reply STOP to unsubscribe. Msg &amp; data rates may apply."
        "</Message></Response>"
    )
    menu, question = (await store.replies(3))[1:]
    assert menu is not None
    assert menu.startswith("I can help with these.")
    assert question == ASK_ORDER


async def test_stop_opts_out_with_one_confirmation_and_start_opts_back_in(store: SmsBot) -> None:
    await store.text("hi")
    await store.replies(1)
    stopped = await store.text("STOP")
    assert stopped.text.endswith(
        "<Message>Store: you are unsubscribed and will get no more messages. Reply START to "
        "subscribe again.</Message></Response>"
    )
    await store.text("where is my order")
    await store.settle()
    assert len(store.sent()) == 1, "nothing is sent while opted out"
    notes = [e for e in await store.transcript() if isinstance(e, NoteEntry)]
    assert [n.kind for n in notes] == ["opted_out", "undeliverable"]
    assert notes[0].text == "the customer said stop on SMS; marketing and this channel are stopped"
    assert "opted out" in notes[1].text

    started = await store.text("start")
    assert "<Message>Store: you are subscribed again." in started.text
    assert (await store.replies(2))[1] == WELCOME
    await store.text("1")
    assert (await store.replies(3))[2] == ASK_ORDER
    commands = [e.command for e in await store.inputs() if e.command]
    assert [c.name for c in commands] == ["stop", "start"]


async def test_portuguese_keywords_are_confirmed_in_portuguese(store: SmsBot) -> None:
    answer = await store.text("Sair")
    assert "<Message>Store: você não receberá mais mensagens. Para voltar, responda INICIAR." in (
        answer.text
    )
    await store.settle()
    assert store.sent() == []


async def test_a_keyword_twilio_already_answered_is_not_confirmed_again(store: SmsBot) -> None:
    answer = await store.text("STOP", OptOutType="STOP")
    assert answer.text == EMPTY_TWIML
    await store.settle()
    [event] = await store.inputs()
    assert event.command is not None
    assert event.command.name == "stop"


async def test_cancelar_cancels_the_topic_and_keeps_the_customer(store: SmsBot) -> None:
    await store.text("quero saber do meu pedido")
    await store.replies(1)
    answer = await store.text("cancelar")
    assert answer.text == EMPTY_TWIML
    assert (await store.replies(2))[1] == "Tudo bem, cancelei. Mais alguma coisa?"


async def test_an_empty_message_is_acknowledged_and_stores_nothing(store: SmsBot) -> None:
    answer = await store.text("  ")
    assert (answer.status, answer.text) == (200, EMPTY_TWIML)
    assert store.known() == 0
