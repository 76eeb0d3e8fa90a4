"""A verified e-mail address is one customer wherever it is vouched for: the receiving server's
DMARC pass on a mail, the shop's signed web chat identity, Slack's confirmed profile e-mail. A
mail nobody vouched for joins no one, whatever its ``From`` says."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.format.messages import Address, ChannelIdentity, InboundEvent, VerifiedAttribute
from bot.turn.store import Memory
from connectors.email.settings import EmailSettings
from connectors.webchat.signed_identity import sign
from tests.email.continue_kit import WEBCHAT_SECRET, Both, serving
from tests.email.kit import CUSTOMER, SmtpServer, mail

SIGNED_IN = ChannelIdentity(channel="webchat", user_id="u:ana-7")
ASK_ADDRESS = (
    "What's the new delivery address? Please write the street, number, any apartment, and the city."
)


@pytest.fixture
async def both(
    memory: Memory, email_settings: EmailSettings, smtp: SmtpServer
) -> AsyncIterator[Both]:
    async with serving(memory, email_settings, smtp) as served:
        yield served


def signed_in(email: str = CUSTOMER) -> str:
    """The shop's signed identity of Ana, whose e-mail the shop verified."""
    claims = {"sub": "ana-7", "email": email, "email_verified": True, "exp": time.time() + 600}
    return sign(claims, WEBCHAT_SECRET)


async def web_customer_asked_for_address(both: Both) -> str:
    """Ana, signed in on the web chat, in the middle of a delivery address change."""
    chat = await both.chat(identity=signed_in())
    await chat.say("change my delivery address")
    await chat.say("A-10001")
    customer = await both.runtime.pipeline.customer_of(SIGNED_IN)
    assert customer is not None
    return customer


async def test_a_mail_the_server_vouches_for_is_the_signed_in_web_customer(both: Both) -> None:
    web = await web_customer_asked_for_address(both)
    await both.send(mail("Av. Paulista 2000, apto 12, São Paulo - SP"))
    assert await both.customer(CUSTOMER) == web
    record = await both.record(web)
    assert ("email", CUSTOMER) in {(a.kind, a.value) for a in record.verified}
    assert ChannelIdentity(channel="email", user_id=CUSTOMER) in record.identities
    # The mail answered the question the web chat left pending: one conversation.
    [answer] = await both.mails_to(CUSTOMER, 1)
    plain = answer.message.get_body(("plain",))
    assert plain is not None
    assert "And the postcode (CEP)?" in plain.get_content()


async def test_a_mail_nobody_vouches_for_joins_no_one(both: Both) -> None:
    web = await web_customer_asked_for_address(both)
    for forged in (
        mail("Av. Paulista 2000", authenticated=None),
        mail("Av. Paulista 2000", authenticated="dmarc=fail header.from=customer.example"),
        mail("Av. Paulista 2000", authserv="mx.attacker.example"),
    ):
        await both.send(forged)
    assert await both.customer(CUSTOMER) is None
    record = await both.record(web)
    assert record.slots.get("new_address") is None
    assert {a.issuer for a in record.verified} == {"webchat"}
    assert len(record.identities) == 1


async def test_an_address_slack_confirmed_is_the_same_customer_by_mail(both: Both) -> None:
    """Slack's confirmed profile e-mail (the Slack connector vouches for it:
    ``tests/slack/test_identity.py``) reaches the core as a verified attribute of the Slack
    identity; a verified mail from that address is then the same customer."""
    confirmed = VerifiedAttribute(kind="email", value=CUSTOMER, issuer="slack")
    slack = Address(channel="slack", user_id="T1:U1", conversation_id="D0ANA")
    said = InboundEvent(
        event_id="Ev1",
        channel="slack",
        address=slack,
        kind="text",
        text="hi",
        verified=(confirmed,),
    )
    await both.runtime.pipeline.submit(said)
    await both.settle()
    customer = await both.runtime.pipeline.customer_of(slack.identity)
    assert customer is not None
    await both.send(mail("hi"))
    assert await both.customer(CUSTOMER) == customer
