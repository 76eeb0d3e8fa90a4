"""The e-mail channel's pure parts: settings, quote trimming, what counts as authenticated,
attachments, and the mail the business starts."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from bot.app.config import BotConfig, Settings
from bot.connector import Outgoing
from bot.errors import ConfigError
from bot.format.messages import Address
from bot.format.outbound import Text
from connectors.email import plan
from connectors.email.authentication import verified_sender
from connectors.email.inbound import parse
from connectors.email.outbound import render
from connectors.email.reply import reply_text
from connectors.email.settings import EmailSettings, SmtpServer, read_settings
from tests.email.kit import AUTHSERV, BOT_ADDRESS, CUSTOMER, TOKEN, mail

SETTINGS = EmailSettings(SmtpServer("127.0.0.1", 2525, False), BOT_ADDRESS, TOKEN, AUTHSERV)
SMTP_URL = "smtps://shop%40shop.example:s3cr%2Ft@smtp.example.com"


def environment(**values: str) -> Settings:
    given = {
        "EMAIL_SMTP_URL": SMTP_URL,
        "EMAIL_FROM": BOT_ADDRESS,
        "EMAIL_INBOUND_TOKEN": TOKEN,
        "EMAIL_TRUSTED_AUTHSERV_ID": AUTHSERV,
    }
    return Settings.from_env({**given, **values})


def test_the_settings_read_the_smtp_url_and_keep_secrets_out_of_repr() -> None:
    settings = read_settings(BotConfig(name="Store"), environment())
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.implicit_tls) == (
        "smtp.example.com",
        465,
        True,
    )
    assert (settings.smtp.username, settings.smtp.password) == ("shop@shop.example", "s3cr/t")
    assert "s3cr" not in repr(settings)
    assert TOKEN not in repr(settings)
    starttls = read_settings(BotConfig(name="Store"), environment(EMAIL_SMTP_URL="smtp://h"))
    assert (starttls.smtp.port, starttls.smtp.implicit_tls) == (587, False)


def test_malformed_settings_are_named_without_their_values() -> None:
    bad = environment(
        EMAIL_SMTP_URL="http://user:hunter2@host", EMAIL_FROM="shop", EMAIL_INBOUND_TOKEN="short"
    )
    with pytest.raises(ConfigError) as error:
        read_settings(BotConfig(name="Store"), bad)
    problems = "\n".join(error.value.problems)
    for name in ("$EMAIL_SMTP_URL", "$EMAIL_FROM", "$EMAIL_INBOUND_TOKEN"):
        assert name in problems
    assert "hunter2" not in problems


def test_the_channel_is_off_until_its_variables_are_set() -> None:
    off = plan(BotConfig(name="Store"), Settings(), "http://localhost:8080")
    assert off.connector is None
    assert "EMAIL_SMTP_URL" in off.detail
    partly = plan(
        BotConfig(name="Store"),
        Settings.from_env({"EMAIL_FROM": BOT_ADDRESS}),
        "http://localhost:8080",
    )
    assert partly.connector is None
    assert "EMAIL_INBOUND_TOKEN" in partly.detail
    on = plan(BotConfig(name="Store"), environment(), "http://localhost:8080")
    assert on.connector is not None
    assert "/email/inbound" in on.detail


PORTUGUESE = (
    "Sim, o pedido A-10001.\n\nEm seg., 23 de nov. de 2026 às 10:15, Loja <shop@shop.example> "
    "escreveu:\n> Qual é o número do seu pedido?\n"
)
PORTUGUESE_WRAPPED = (
    "Quero trocar.\n\nEm seg., 23 de nov. de 2026 às 10:15, Loja da Ana\n"
    "<shop@shop.example> escreveu:\n\n> Como posso ajudar?\n"
)
ENGLISH = (
    "Yes, A-10001.\n\nOn Mon, Nov 23, 2026 at 10:15 AM Store <shop@shop.example> wrote:\n"
    "> What's your order number?\n"
)
SIGNED = "Thanks!\n\n-- \nAna Souza\nCustomer Inc.\n"


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (PORTUGUESE, "Sim, o pedido A-10001."),
        (PORTUGUESE_WRAPPED, "Quero trocar."),
        (ENGLISH, "Yes, A-10001."),
        (SIGNED, "Thanks!"),
        ("no quotes here", "no quotes here"),
    ],
)
def test_quoted_history_and_signatures_are_cut(text: str, reply: str) -> None:
    assert reply_text(text) == reply


def headed(*results: str) -> EmailMessage:
    message = mail(authenticated=None)
    for value in results:  # the first one given is the topmost
        message["Authentication-Results"] = value
    reordered = message_from_bytes(_topmost_first(message, results), policy=policy.default)
    assert isinstance(reordered, EmailMessage)
    return reordered


def _topmost_first(message: EmailMessage, results: tuple[str, ...]) -> bytes:
    del message["Authentication-Results"]
    lines = b"".join(f"Authentication-Results: {r}\r\n".encode() for r in results)
    return lines + message.as_bytes()


@pytest.mark.parametrize(
    ("results", "verified"),
    [
        ((f"{AUTHSERV}; dmarc=pass (p=reject) header.from=customer.example",), True),
        ((f"{AUTHSERV} 1; spf=fail; dkim=pass header.d=customer.example",), True),
        ((f"{AUTHSERV}; dkim=pass header.i=@mail.customer.example",), False),
        ((f"{AUTHSERV}; dkim=pass header.d=example",), False),
        ((f"{AUTHSERV}; dkim=pass header.d=attacker.example",), False),
        ((f"{AUTHSERV}; dmarc=pass header.from=attacker.example",), False),
        ((f"{AUTHSERV}; dmarc=fail header.from=customer.example",), False),
        (("mx.attacker.example; dmarc=pass header.from=customer.example",), False),
        ((f"{AUTHSERV}; spf=pass", f"{AUTHSERV}; dmarc=pass"), False),
        ((f"{AUTHSERV}; dmarc=pass (header.from=customer.example) header.from=x.example",), False),
        ((), False),
    ],
)
def test_only_the_topmost_trusted_results_vouch_for_the_from(
    results: tuple[str, ...], verified: bool
) -> None:
    assert verified_sender(headed(*results), CUSTOMER, AUTHSERV) is verified


def test_attachments_are_described_and_the_text_kept() -> None:
    message = mail("here is the photo")
    message.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="shirt.png")
    raw = message.as_bytes()
    incoming = parse(raw, message, SETTINGS)
    assert incoming.event is not None
    [attachment] = incoming.event.attachments
    assert (attachment.kind, attachment.name, attachment.size) == ("image", "shirt.png", 7)
    assert (incoming.event.kind, incoming.event.text) == ("text", "here is the photo")


def test_a_message_the_business_starts_can_be_unsubscribed_from() -> None:
    address = Address(channel="email", user_id=CUSTOMER, conversation_id="0" * 32)
    started = render(Outgoing("m1", Text(text="Your cart is waiting <3")), address, SETTINGS)
    assert started is not None
    assert started["List-Unsubscribe"] == f"<mailto:{BOT_ADDRESS}?subject=unsubscribe>"
    assert started["In-Reply-To"] is None
    assert started["Auto-Submitted"] == "auto-generated"
    html = started.get_body(preferencelist=("html",))
    assert html is not None
    assert "Your cart is waiting &lt;3" in html.get_content()
    unsubscribe = mail("", headers={"In-Reply-To": str(started["Message-ID"])})
    unsubscribe.replace_header("Subject", "unsubscribe")
    incoming = parse(unsubscribe.as_bytes(), unsubscribe, SETTINGS)
    assert incoming.event is not None
    assert incoming.event.command is not None
    assert (incoming.event.kind, incoming.event.command.name) == ("command", "stop")
    assert incoming.event.address.conversation_id == "0" * 32
