"""Reading Twilio's webhook forms: messages, media, keywords and status callbacks."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.errors import InboundRejected
from bot.format.messages import Attachment, Command, Cut, VerifiedAttribute
from bot.format.transcript import DeliveryStatus
from bot.http.limits import MAX_ATTACHMENTS, MAX_TEXT
from connectors.sms.compliance import Keyword, KeywordAction
from connectors.sms.inbound import StatusReport, parse, parse_status
from tests.fakes.twilio import ACCOUNT_SID, BOT_NUMBER, FakeTwilio

CUSTOMER = "+5511987654321"
SID = "SM" + "a" * 32
TWILIO = FakeTwilio()  # never started: only its form builder is used


def form(
    body: str = "hi",
    to: str = BOT_NUMBER,
    media: Sequence[tuple[str, str]] = (),
    **extra: str,
) -> dict[str, str]:
    return TWILIO.incoming(CUSTOMER, body, to=to, media=media, sid=SID, **extra)


def test_a_text_message() -> None:
    incoming = parse(form("Where is my order?"), ACCOUNT_SID, "en")
    event = incoming.event
    assert event is not None
    assert incoming.keyword is None
    assert (event.event_id, event.channel, event.kind, event.text) == (
        SID,
        "sms",
        "text",
        "Where is my order?",
    )
    assert (event.address.user_id, event.address.conversation_id) == (CUSTOMER, CUSTOMER)
    assert event.address.bot_id == BOT_NUMBER
    assert event.verified == (VerifiedAttribute(kind="phone", value=CUSTOMER, issuer="sms"),)


def test_a_message_to_a_short_code_is_answered_from_it() -> None:
    event = parse(form(to="24680"), ACCOUNT_SID, "en").event
    assert event is not None
    assert event.address.bot_id == "24680"


def test_mms_media_become_attachments_and_the_body_their_caption() -> None:
    media = [
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg"),
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2", "audio/amr"),
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME3", "text/vcard"),
    ]
    event = parse(form("the broken zip", media=media), ACCOUNT_SID, "en").event
    assert event is not None
    assert (event.kind, event.text) == ("attachment", "the broken zip")
    assert event.attachments == (
        Attachment(kind="image", url=media[0][0], content_type="image/jpeg"),
        Attachment(kind="audio", url=media[1][0], content_type="audio/amr"),
        Attachment(kind="file", url=media[2][0], content_type="text/vcard"),
    )


def test_a_picture_without_text() -> None:
    media = [("https://api.twilio.com/media/ME1", "image/png")]
    event = parse(form("", media=media), ACCOUNT_SID, "en").event
    assert event is not None
    assert (event.kind, event.text) == ("attachment", None)


def test_an_empty_message_queues_nothing() -> None:
    assert parse(form("   "), ACCOUNT_SID, "en").event is None


@pytest.mark.parametrize(
    ("body", "command", "language"),
    [
        ("STOP", "stop", "en"),
        ("stop", "stop", "en"),
        ("  Stop.  ", "stop", "en"),
        ("StopAll", "stop", "en"),
        ("unsubscribe", "stop", "en"),
        ("CANCEL", "stop", "en"),
        ("end", "stop", "en"),
        ("quit!", "stop", "en"),
        ("Parar", "stop", "pt"),
        ("sair", "stop", "pt"),
        ("descadastrar", "stop", "pt"),
        ("START", "start", "en"),
        ("unstop", "start", "en"),
        ("iniciar", "start", "pt"),
        ("HELP", "help", "en"),
        ("info", "help", "en"),
        ("Ajuda", "help", "pt"),
    ],
)
def test_compliance_keywords_are_commands(body: str, command: KeywordAction, language: str) -> None:
    incoming = parse(form(body), ACCOUNT_SID, "en")
    assert incoming.event is not None
    assert incoming.event.kind == "command"
    assert incoming.event.command == Command.model_validate({"name": command})
    assert incoming.event.text == body
    assert incoming.keyword == Keyword(command, language)
    assert not incoming.answered_by_twilio


@pytest.mark.parametrize(
    "body",
    ["stop sending me the catalogue", "cancelar", "yes", "YES", "sim", "help me find my order"],
    ids=["a sentence", "cancelar cancels a topic", "yes", "YES", "sim", "a question"],
)
def test_ordinary_messages_are_not_keywords(body: str) -> None:
    incoming = parse(form(body), ACCOUNT_SID, "en")
    assert incoming.event is not None
    assert incoming.event.kind == "text"
    assert incoming.keyword is None


def test_twilio_advanced_opt_out_keywords_are_followed_and_not_confirmed_twice() -> None:
    stopped = parse(form("ALTO", OptOutType="STOP"), ACCOUNT_SID, "pt")
    assert stopped.event is not None
    assert stopped.event.command == Command(name="stop")
    assert stopped.keyword == Keyword("stop", "pt")
    assert stopped.answered_by_twilio
    ours = parse(form("STOP", OptOutType="STOP"), ACCOUNT_SID, "pt")
    assert ours.keyword == Keyword("stop", "en")
    assert ours.answered_by_twilio


def test_a_yes_stays_an_answer_even_when_twilio_calls_it_an_opt_in() -> None:
    incoming = parse(form("YES", OptOutType="START"), ACCOUNT_SID, "en")
    assert incoming.event is not None
    assert incoming.event.kind == "text"
    assert incoming.keyword is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"MessageSid": ""}, "MessageSid"),
        ({"MessageSid": "not-a-sid"}, "MessageSid"),
        ({"From": "5511987654321"}, "From"),
        ({"From": "whatsapp:+5511987654321"}, "From"),
        ({"To": "our number"}, "To"),
        ({"AccountSid": "AC123"}, "AccountSid"),
        ({"NumMedia": "eleven"}, "NumMedia"),
        ({"NumMedia": "-1"}, "NumMedia"),
        ({"NumMedia": "1"}, "MediaUrl0"),
        ({"NumMedia": "11"}, "MediaUrl0"),
        ({"NumMedia": "1", "MediaUrl0": "file:///etc/passwd"}, "MediaUrl0"),
    ],
)
def test_a_malformed_form_is_refused_naming_the_field_not_its_value(
    change: dict[str, str], reason: str
) -> None:
    with pytest.raises(InboundRejected) as refused:
        parse(form() | change, ACCOUNT_SID, "en")
    assert refused.value.status == 400
    assert reason in refused.value.reason
    assert "5511987654321" not in refused.value.reason


def test_a_long_body_and_too_many_media_are_cut_and_the_event_says_so() -> None:
    media = {f"MediaUrl{i}": f"https://api.twilio.com/m/{i}" for i in range(12)}
    incoming = parse(form(Body="x" * (MAX_TEXT + 1), NumMedia="12") | media, ACCOUNT_SID, "en")
    assert incoming.event is not None
    assert incoming.event.text == "x" * MAX_TEXT
    assert len(incoming.event.attachments) == MAX_ATTACHMENTS
    assert incoming.event.cut == Cut(text_length=MAX_TEXT + 1, attachments=12)


def test_missing_fields_are_refused() -> None:
    incomplete = form()
    del incomplete["From"]
    with pytest.raises(InboundRejected, match="From"):
        parse(incomplete, ACCOUNT_SID, "en")


def test_a_message_for_another_account_is_refused() -> None:
    other = "AC" + "b" * 32
    with pytest.raises(InboundRejected) as refused:
        parse(form(AccountSid=other), ACCOUNT_SID, "en")
    assert refused.value.status == 403


def status_form(status: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": SID,
        "MessageStatus": status,
        "To": CUSTOMER,
        "From": BOT_NUMBER,
        "ApiVersion": "2010-04-01",
    } | extra


@pytest.mark.parametrize(
    ("twilio", "ours"),
    [
        ("delivered", "delivered"),
        ("read", "read"),
        ("failed", "failed"),
        ("undelivered", "undeliverable"),
        ("canceled", "failed"),
    ],
)
def test_final_statuses_are_reported(twilio: str, ours: DeliveryStatus) -> None:
    report = parse_status(status_form(twilio), {"m": "abc.1"}, ACCOUNT_SID)
    assert report == StatusReport("abc.1", CUSTOMER, ours, f"twilio {twilio} ({SID})")


@pytest.mark.parametrize("twilio", ["queued", "sending", "sent", "accepted", "scheduled"])
def test_states_on_the_way_are_not(twilio: str) -> None:
    assert parse_status(status_form(twilio), {"m": "abc.1"}, ACCOUNT_SID) is None


def test_an_error_code_and_the_part_are_explained() -> None:
    query = {"m": "abc.2", "part": "2", "parts": "3"}
    report = parse_status(status_form("undelivered", ErrorCode="30003"), query, ACCOUNT_SID)
    assert report is not None
    assert report.detail == (
        f"twilio undelivered ({SID}), part 2 of 3: error 30003, the handset is unreachable "
        "(switched off or out of coverage)"
    )


def test_a_status_for_a_message_that_is_not_ours_is_ignored() -> None:
    assert parse_status(status_form("delivered", ErrorCode=""), {}, ACCOUNT_SID) is None


def test_a_malformed_status_callback_is_refused() -> None:
    with pytest.raises(InboundRejected, match="MessageStatus"):
        parse_status(status_form("Delivered!"), {"m": "abc.1"}, ACCOUNT_SID)
    with pytest.raises(InboundRejected, match="names no message"):
        parse_status(status_form("delivered"), {"m": "<script>"}, ACCOUNT_SID)
