"""Rendered messages into Twilio's Messages.json fields, and what the keywords answer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bot.connector import Outgoing
from bot.format.outbound import Card, Media, OutboundMessage, Text, Typing
from bot.format.rendering import render
from connectors.channels import SMS
from connectors.sms import outbound
from connectors.sms.compliance import ComplianceTexts, Keyword
from connectors.sms.outbound import (
    Sender,
    SmsPart,
    can_receive_mms,
    create_parameters,
    sender_for,
    status_callback,
)
from connectors.sms.segments import cost
from tests.helpers import OPTIONS

PICTURE = "https://shop.example/zip.jpg"


def parts(message: OutboundMessage, mms: bool = True) -> list[SmsPart]:
    return outbound.render(Outgoing("m.1", message), mms=mms, max_segments=4)


def test_a_short_text_is_one_part() -> None:
    assert parts(Text(text="Hello!")) == [SmsPart("m.1", 1, 1, "Hello!")]


def test_numbered_options_from_the_core_travel_as_text() -> None:
    rendered = render([Text(text="How should we send it?", buttons=OPTIONS)], SMS, "sms")
    [message] = rendered.messages
    assert parts(message) == [SmsPart("m.1", 1, 1, "How should we send it?\n1. Courier\n2. Store")]


def test_a_long_text_becomes_numbered_parts_of_at_most_four_segments() -> None:
    text = "Your order left our warehouse today and should arrive on Friday. " * 12
    found = parts(Text(text=text))
    assert [(p.part, p.parts) for p in found] == [(1, 2), (2, 2)]
    assert [cost(p.body or "").segments for p in found] == [4, 2]


def test_typographic_quotes_do_not_double_the_cost() -> None:
    [part] = parts(
        Text(text="We\u2019re on it \u2014 you\u2019ll hear from us \u201csoon\u201d\u2026")
    )
    assert part.body == "We're on it - you'll hear from us \"soon\"..."


def test_a_picture_goes_as_mms_with_its_caption() -> None:
    found = parts(Media(kind="image", url=PICTURE, caption="Your zip, as promised"))
    assert found == [SmsPart("m.1", 1, 1, "Your zip, as promised", (PICTURE,))]
    assert parts(Media(kind="image", url=PICTURE)) == [SmsPart("m.1", 1, 1, None, (PICTURE,))]


def test_a_picture_becomes_its_caption_and_link_where_mms_does_not_reach() -> None:
    found = parts(Media(kind="image", url=PICTURE, caption="Your zip"), mms=False)
    assert found == [SmsPart("m.1", 1, 1, f"Your zip\n{PICTURE}")]


def test_a_card_is_its_text_and_picture() -> None:
    card = Card(title="Linen shirt", subtitle="R$ 189,90", image_url=PICTURE)
    assert parts(card) == [SmsPart("m.1", 1, 1, "Linen shirt\nR$ 189,90", (PICTURE,))]
    assert parts(card, mms=False) == [SmsPart("m.1", 1, 1, f"Linen shirt\nR$ 189,90\n{PICTURE}")]


def test_typing_sends_nothing() -> None:
    assert parts(Typing()) == []


@pytest.mark.parametrize(
    ("number", "mms"),
    [
        ("+14155550123", True),
        ("+16135550123", True),
        ("+5511987654321", False),
        ("+442071838750", False),
        ("+18095550123", False),
        ("not a number", False),
    ],
    ids=["US", "Canada", "Brazil", "UK", "Dominican Republic (+1 too)", "garbage"],
)
def test_mms_reaches_the_us_and_canada(number: str, mms: bool) -> None:
    assert can_receive_mms(number) is mms


def test_the_fields_of_a_text_from_our_number_with_a_status_callback() -> None:
    part = SmsPart("3f2a.1", 1, 1, "Hi")
    fields = create_parameters(
        part, "+5511987654321", Sender(from_number="+15550001111"), "https://bot.example"
    )
    assert fields == {
        "To": "+5511987654321",
        "From": "+15550001111",
        "Body": "Hi",
        "StatusCallback": "https://bot.example/sms/twilio/status?m=3f2a.1",
    }


def test_the_fields_of_an_mms_through_a_messaging_service_without_a_public_url() -> None:
    part = SmsPart("3f2a.2", 1, 1, None, (PICTURE,))
    fields = create_parameters(part, "+14155550123", Sender(messaging_service_sid="MG1"), None)
    assert fields == {"To": "+14155550123", "MessagingServiceSid": "MG1", "MediaUrl": [PICTURE]}


def test_the_status_callback_names_the_message_and_its_part() -> None:
    url = status_callback("https://bot.example/", SmsPart("3f2a.1", 2, 3, "..."))
    split = urlsplit(url)
    assert (split.netloc, split.path) == ("bot.example", "/sms/twilio/status")
    assert parse_qs(split.query) == {"m": ["3f2a.1"], "part": ["2"], "parts": ["3"]}


def test_replies_go_from_the_number_the_customer_wrote_to() -> None:
    assert sender_for("+15550002222", "+15550001111", None) == Sender(from_number="+15550002222")
    assert sender_for(None, "+15550001111", None) == Sender(from_number="+15550001111")
    assert sender_for("+15550002222", None, "MG1") == Sender(messaging_service_sid="MG1")


TEXTS = ComplianceTexts(bot_name="Store", default_language="en")


@pytest.mark.parametrize(
    ("word", "answer"),
    [
        (
            Keyword("stop", "en"),
            "Store: you are unsubscribed and will get no more messages. Reply START to "
            "subscribe again.",
        ),
        (
            Keyword("stop", "pt"),
            "Store: você não receberá mais mensagens. Para voltar, responda INICIAR.",
        ),
        (
            Keyword("start", "en"),
            "Store: you are subscribed again. Reply HELP for help, STOP to unsubscribe.",
        ),
        (
            Keyword("help", "pt"),
            "Store: atendimento automático por SMS. Responda SAIR para não receber mais "
            "mensagens. Podem ser cobradas tarifas da operadora.",
        ),
        (
            Keyword("help", "de"),
            "Store: automated customer service by text. Reply STOP to unsubscribe. "
            "Msg & data rates may apply.",
        ),
    ],
)
def test_default_answers_in_the_keywords_language(word: Keyword, answer: str) -> None:
    assert TEXTS.answer(word) == answer


def test_answers_from_bot_yaml() -> None:
    texts = ComplianceTexts(
        bot_name="Store",
        default_language="pt",
        stopped={"en": "Bye from Store.", "pt": "Tchau da Loja."},
        help="Store help: call 0800 000 0000.",
        started="",
    )
    assert texts.answer(Keyword("stop", "en")) == "Bye from Store."
    assert texts.answer(Keyword("stop", "es")) == "Tchau da Loja."  # the bot's language
    assert texts.answer(Keyword("help", "pt")) == "Store help: call 0800 000 0000."
    assert texts.answer(Keyword("start", "en")) is None  # "": Twilio answers it
