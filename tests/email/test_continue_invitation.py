"""The invitation mailed to the address a web chat customer gave, when they ask to continue by
e-mail: a reply to it asks, by e-mail, whether to join; and the limits that keep the bot from
being a relay (once per customer per code lifetime, once per address a day, never to an address
that unsubscribed). Run on each memory backend."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest

from bot.turn.store import Memory
from connectors.email.settings import EmailSettings
from tests.email.continue_kit import MAILTO, Both, WebChat, serving, text_of, token_of
from tests.email.kit import CUSTOMER, SmtpServer, mail

INVITED = "I've sent an e-mail to a•••@customer.example; reply to it to continue."
INVITATION = (
    "Reply to this e-mail to continue your conversation with us by e-mail. If you didn't ask for"
    " this, ignore it: nothing happens unless you reply."
)
OFFER = "You can also continue this conversation by e-mail: just say 'continue by e-mail'."
ASKED = re.compile(r"^This will join this chat to a web chat conversation started today")
INVITATION_ID = re.compile(r"^<omnibot\.link\.([A-Za-z0-9_-]{22})\.[0-9a-f]{32}@shop\.example>$")


@pytest.fixture
async def both(
    memory: Memory, email_settings: EmailSettings, smtp: SmtpServer
) -> AsyncIterator[Both]:
    async with serving(memory, email_settings, smtp) as served:
        yield served


async def address_changed(both: Both, email: str = CUSTOMER) -> WebChat:
    """A web chat customer who changed a delivery address, giving ``email`` for the
    confirmation."""
    chat = await both.chat()
    for said in (
        "change my delivery address",
        "A-10001",
        "Av. Paulista 2000, apto 12, São Paulo",
        "01310-100",
        "yes",
    ):
        await chat.say(said)
    assert (await chat.texts())[-1] == "Which email address should I send the confirmation to?"
    await chat.say(email)
    return chat


async def nothing_more_to(both: Both, address: str, count: int) -> None:
    """No more than ``count`` mails went to ``address``."""
    await asyncio.sleep(0.3)
    assert len([r for r in both.smtp.inbox.received if r.recipients == [address]]) == count


async def test_an_e_mail_given_on_the_web_chat_is_followed_by_the_offer(both: Both) -> None:
    chat = await address_changed(both)
    *_, done, offer = await chat.texts()
    assert done.startswith("Done! Order A-10001 will now go to")
    assert offer == OFFER


async def test_the_invitation_is_mailed_and_its_reply_joins_with_consent(both: Both) -> None:
    chat = await address_changed(both)
    await chat.say("continue by e-mail")
    *_, offer, invited = await chat.texts()
    assert invited == INVITED
    link = MAILTO.search(offer)
    assert link is not None, offer
    [invitation] = await both.mails_to(CUSTOMER, 1)
    assert text_of(invitation) == INVITATION
    sent_id = INVITATION_ID.match(str(invitation.message["Message-ID"]))
    assert sent_id is not None, invitation.message["Message-ID"]
    assert sent_id.group(1) == token_of(link.group(1))  # the same code's token
    assert invitation.message["List-Unsubscribe"] is not None  # a mail the business started
    assert invitation.message["In-Reply-To"] is None

    await both.send(mail("Yes, it's me. Rua das Flores 12", reply_to=invitation.message))
    _, asked = await both.mails_to(CUSTOMER, 2)
    assert ASKED.match(text_of(asked))
    assert await both.customer() != await chat.customer()
    await both.send(mail("yes", reply_to=asked.message))
    *_, linked = await both.mails_to(CUSTOMER, 3)
    assert text_of(linked) == "Done: this chat is now part of your conversation."
    assert await both.customer() == await chat.customer()


async def test_one_invitation_per_customer_per_code_lifetime(both: Both) -> None:
    chat = await address_changed(both)
    await chat.say("continue by e-mail")
    await chat.say("email me instead")
    texts = await chat.texts()
    assert texts.count(INVITED) == 1
    assert texts[-1].startswith("To carry on where we are")  # a code, and no second mail
    await nothing_more_to(both, CUSTOMER, 1)


async def test_one_invitation_per_address_a_day_whoever_asks(both: Both) -> None:
    first = await address_changed(both)
    await first.say("continue by e-mail")
    second = await address_changed(both)  # someone else typing the same address
    await second.say("continue by e-mail")
    assert (await second.texts())[-1].startswith("To carry on where we are")
    await nothing_more_to(both, CUSTOMER, 1)


async def test_no_invitation_to_an_address_that_unsubscribed(both: Both) -> None:
    unsubscribe = mail("")
    del unsubscribe["Subject"]
    unsubscribe["Subject"] = "unsubscribe"
    await both.send(unsubscribe)
    await asyncio.sleep(0.3)
    before = len(both.smtp.inbox.received)
    chat = await address_changed(both)
    await chat.say("continue by e-mail")
    assert INVITED not in await chat.texts()
    await nothing_more_to(both, CUSTOMER, before)


async def test_a_reply_naming_the_invitation_only_in_references_presents_nothing(
    both: Both,
) -> None:
    chat = await address_changed(both)
    await chat.say("continue by e-mail")
    [invitation] = await both.mails_to(CUSTOMER, 1)
    later = mail("hello again")
    later["References"] = str(invitation.message["Message-ID"])
    await both.send(later)
    _, answer = await both.mails_to(CUSTOMER, 2)
    assert not ASKED.match(text_of(answer))
    assert (await both.record(await both.customer())).joining is None
