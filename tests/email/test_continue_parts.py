"""The pieces of "continue by e-mail", without a server: the ``mailto:`` link, and which received
mail presents a link token (only our exact forms)."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.email import inbound
from connectors.email.invite import invitation_address, invite_link, presented_token
from connectors.email.settings import EmailSettings, SmtpServer
from tests.email.kit import AUTHSERV, BOT_ADDRESS, TOKEN, mail

SETTINGS = EmailSettings(SmtpServer("127.0.0.1", 25, False), BOT_ADDRESS, TOKEN, AUTHSERV)
LINK_TOKEN = "AbCdEfGhIjKlMnOpQr_-09"
OUR_INVITATION = f"<omnibot.link.{LINK_TOKEN}.{'a' * 32}@shop.example>"


def received(subject: str = "hello", **headers: str) -> EmailMessage:
    message = mail("Rua das Flores 123, Belo Horizonte")
    del message["Subject"]
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def parsed(message: EmailMessage) -> inbound.Incoming:
    raw = message.as_bytes()
    return inbound.parse(raw, inbound.read(raw), SETTINGS)


def test_the_link_is_an_ascii_mailto_whose_subject_carries_the_token() -> None:
    link = invite_link(BOT_ADDRESS, LINK_TOKEN)
    assert link.isascii()
    assert " " not in link
    parts = urlsplit(link)
    assert (parts.scheme, parts.path) == ("mailto", BOT_ADDRESS)
    query = parse_qs(parts.query)
    assert query["subject"] == [f"Continue my conversation [link:{LINK_TOKEN}]"]
    assert query["body"][0]


@pytest.mark.parametrize(
    "subject",
    [
        f"Continue my conversation [link:{LINK_TOKEN}]",
        f"Re: Continue my conversation [link:{LINK_TOKEN}]",
        f"[link:{LINK_TOKEN}]",
    ],
)
def test_a_subject_with_our_token_is_a_start_command_and_its_text_no_answer(subject: str) -> None:
    event = parsed(received(subject)).event
    assert event is not None
    assert event.kind == "command"
    assert event.command is not None
    assert (event.command.name, event.command.argument) == ("start", LINK_TOKEN)
    assert event.text is None


@pytest.mark.parametrize(
    "subject",
    [
        f"Continue my conversation [link:{LINK_TOKEN[:-1]}]",  # too short
        f"Continue my conversation [link:{LINK_TOKEN}x]",  # too long
        f"Continue my conversation [link:{LINK_TOKEN[:-1]}!]",  # not the token's alphabet
        f"Continue my conversation (link:{LINK_TOKEN})",
        f"Continue my conversation link {LINK_TOKEN}",
        "Continue my conversation [link:12345678]",
    ],
)
def test_any_other_subject_presents_nothing(subject: str) -> None:
    event = parsed(received(subject)).event
    assert event is not None
    assert event.kind == "text"
    assert event.command is None


def test_a_token_in_the_body_only_presents_nothing() -> None:
    message = mail(f"Continue my conversation [link:{LINK_TOKEN}]")
    event = parsed(message).event
    assert event is not None
    assert event.kind == "text"


def test_a_reply_to_our_invitation_presents_its_token() -> None:
    event = parsed(received("Re: Store", In_Reply_To=OUR_INVITATION)).event
    assert event is not None
    assert event.command is not None
    assert event.command.argument == LINK_TOKEN


@pytest.mark.parametrize(
    "headers",
    [
        {"In_Reply_To": OUR_INVITATION.replace("shop.example", "evil.example")},
        {"In_Reply_To": OUR_INVITATION.replace("a" * 32, "a" * 31)},
        {"In_Reply_To": f"<omnibot.link.{LINK_TOKEN}@shop.example>"},
        {"References": OUR_INVITATION},
        {"In_Reply_To": f"<x@y.example> {OUR_INVITATION}"},
    ],
)
def test_only_our_invitation_named_in_in_reply_to_presents(headers: dict[str, str]) -> None:
    event = parsed(received("Re: Store", **headers)).event
    assert event is not None
    assert event.command is None


def test_an_unverified_sender_presents_from_its_own_per_thread_identity() -> None:
    message = mail("hi", authenticated=None)
    del message["Subject"]
    message["Subject"] = f"[link:{LINK_TOKEN}]"
    event = parsed(message).event
    assert event is not None
    assert event.command is not None
    assert event.address.user_id.startswith("unverified/")
    assert event.verified == ()


def test_an_unsubscribe_wins_over_a_token() -> None:
    message = received("unsubscribe", In_Reply_To=OUR_INVITATION)
    event = parsed(message).event
    assert event is not None
    assert event.command is not None
    assert event.command.name == "stop"


def test_an_invitation_goes_to_one_plain_address_with_the_token_in_its_thread() -> None:
    address = invitation_address(" Ana@Customer.example ", LINK_TOKEN)
    assert address is not None
    assert (address.channel, address.user_id) == ("email", "ana@customer.example")
    assert address.conversation_id == f"link.{LINK_TOKEN}"
    assert address.thread_id is None  # a mail the business starts
    for contact in ("a@b.example, c@d.example", "not an address", "x" * 300 + "@e.example"):
        assert invitation_address(contact, LINK_TOKEN) is None
    assert invitation_address("ana@customer.example", "short") is None


def test_the_connector_invites_by_the_bot_address() -> None:
    from connectors.email.connector import EmailConnector

    connector = EmailConnector(SETTINGS)
    assert connector.invite("12345678", LINK_TOKEN) == invite_link(BOT_ADDRESS, LINK_TOKEN)
    assert presented_token(received(), "hello", "shop.example") is None
