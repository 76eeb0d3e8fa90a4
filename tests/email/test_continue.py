""" "Continue by e-mail": a web chat customer gets a ``mailto:`` link whose subject carries a
link token; the mail it opens asks, by e-mail, whether to join, and only the yes of the identity
asked joins; the conversation then goes on by e-mail, in that thread. Run on each memory
backend."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import pytest

from bot.format.messages import ChannelIdentity
from bot.turn.store import Memory
from connectors.email.inbound import OURS
from connectors.email.settings import EmailSettings
from tests.email.continue_kit import (
    ASK_ADDRESS,
    MAILTO,
    Both,
    WebChat,
    serving,
    subject_of,
    text_of,
    token_of,
)
from tests.email.kit import CUSTOMER, SmtpServer, mail

ASKED = re.compile(
    r"^This will join this chat to a web chat conversation started today at \d\d:\d\d \(UTC\)\."
)
LINKED = "Done: this chat is now part of your conversation."
RESUME = "Welcome back! Let's carry on where we left off."
NOTICE = "Your conversation now continues on e-mail too. If that wasn't you, tell us here."


@pytest.fixture
async def both(
    memory: Memory, email_settings: EmailSettings, smtp: SmtpServer
) -> AsyncIterator[Both]:
    async with serving(memory, email_settings, smtp) as served:
        yield served


def link_mail(link: str, text: str, sender: str = CUSTOMER, **options: Any) -> EmailMessage:
    """The mail a ``mailto:`` link opens, as sent (with ``text`` in it)."""
    message = mail(text, sender, **options)
    del message["Subject"]
    message["Subject"] = subject_of(link)
    return message


async def asking_address(both: Both) -> WebChat:
    """A web chat customer who is asked for the new delivery address of order A-10001."""
    chat = await both.chat()
    await chat.say("change my delivery address")
    await chat.say("A-10001")
    assert (await chat.texts())[-1] == ASK_ADDRESS
    return chat


async def mailto_offered(chat: WebChat, asked: str = "continue by e-mail") -> str:
    """Ask to continue by e-mail: the ``mailto:`` link offered (the question asked again)."""
    await chat.say(asked)
    *_, offer, again = await chat.texts()
    assert again == ASK_ADDRESS
    found = MAILTO.search(offer)
    assert found is not None, offer
    return found.group(1)


async def test_the_web_chat_offers_a_mailto_link_with_the_token_in_its_subject(
    both: Both,
) -> None:
    chat = await asking_address(both)
    link = await mailto_offered(chat)
    assert link.isascii()
    assert " " not in link
    assert link.startswith("mailto:shop@shop.example?subject=")
    assert subject_of(link) == f"Continue my conversation [link:{token_of(link)}]"


async def test_the_mail_asks_by_e_mail_and_a_yes_goes_on_there_in_the_same_thread(
    both: Both,
) -> None:
    chat = await asking_address(both)
    link = await mailto_offered(chat)
    await both.send(link_mail(link, "Send this e-mail as it is."))
    [asked] = await both.mails_to(CUSTOMER, 1)
    question = text_of(asked)
    assert ASKED.match(question), question
    assert "1. Yes" in question
    assert "2. No" in question
    assert await both.customer() != await chat.customer()  # nothing joined before the yes

    await both.send(mail("yes", reply_to=asked.message))
    _, done, resume, again = await both.mails_to(CUSTOMER, 4)
    assert [text_of(m) for m in (done, resume, again)] == [LINKED, RESUME, ASK_ADDRESS]
    thread = OURS.fullmatch(str(asked.message["Message-ID"]))
    assert thread is not None
    for sent in (done, resume, again):
        ours = OURS.fullmatch(str(sent.message["Message-ID"]))
        assert ours is not None
        assert ours.group(1) == thread.group(1)
        assert sent.message["Subject"] == asked.message["Subject"]
    assert await both.customer() == await chat.customer()
    assert (await chat.texts())[-1] == NOTICE  # the web chat hears of it

    await both.send(mail("Av. Paulista 2000, apto 12, São Paulo", reply_to=again.message))
    [*_, postcode] = await both.mails_to(CUSTOMER, 5)
    assert text_of(postcode) == "And the postcode (CEP)?"
    record = await both.record(await chat.customer())
    assert record.slots["new_address"] == "Av. Paulista 2000, apto 12, São Paulo"


async def test_the_body_of_the_link_mail_is_no_answer(both: Both) -> None:
    chat = await asking_address(both)
    link = await mailto_offered(chat)
    long_enough = "Rua das Flores 123, apto 4, Belo Horizonte"  # would pass as an address
    await both.send(link_mail(link, long_enough))
    [asked] = await both.mails_to(CUSTOMER, 1)
    assert ASKED.match(text_of(asked))
    await both.send(mail("yes", reply_to=asked.message))
    *_, again = await both.mails_to(CUSTOMER, 4)
    assert text_of(again) == ASK_ADDRESS  # still asked: the link mail's text answered nothing
    assert "new_address" not in (await both.record(await chat.customer())).slots


async def test_a_no_by_e_mail_joins_nothing_and_the_web_chat_is_told(both: Both) -> None:
    chat = await asking_address(both)
    link = await mailto_offered(chat)
    await both.send(link_mail(link, "hi"))
    [asked] = await both.mails_to(CUSTOMER, 1)
    await both.send(mail("2", reply_to=asked.message))
    await both.mails_to(CUSTOMER, 2)
    assert await both.customer() != await chat.customer()
    assert (await chat.texts())[-1].startswith("The code you asked for was used on e-mail")


async def test_a_typed_link_code_in_a_mail_works_as_on_any_channel(both: Both) -> None:
    chat = await asking_address(both)
    await chat.say("continue by e-mail")
    offer = (await chat.texts())[-2]
    code = re.search(r"type: link (\d{4} \d{4})", offer)
    assert code is not None, offer
    await both.send(mail(f"link {code.group(1)}"))
    [asked] = await both.mails_to(CUSTOMER, 1)
    assert ASKED.match(text_of(asked))
    await both.send(mail("yes", reply_to=asked.message))
    await both.mails_to(CUSTOMER, 4)
    assert await both.customer() == await chat.customer()


async def test_portuguese_phrases_ask_to_continue_by_e_mail(both: Both) -> None:
    chat = await both.chat("pt-BR")
    await chat.say("mudar o endereço de entrega")
    await chat.say("A-10001")
    for asked in ("continuar por e-mail", "me manda por e-mail", "continuar por email"):
        await chat.say(asked)
        *_, offer, again = await chat.texts()
        assert again.startswith("Qual é o novo endereço de entrega?")
        assert re.search(r"\n- por e-mail: mailto:shop@shop\.example\?subject=\S+", offer), offer


async def test_on_e_mail_the_offer_has_no_e_mail_line(both: Both) -> None:
    await both.send(mail("continue by e-mail"))
    [offer] = await both.mails_to(CUSTOMER, 1)
    text = text_of(offer)
    assert text.startswith("To carry on where we are")
    assert "by e-mail" not in text
    assert "- in a browser: https://bot.example/chat?link=" in text


async def test_a_forged_from_with_a_valid_token_reaches_nothing_of_the_address_owner(
    both: Both,
) -> None:
    """The victim has a verified e-mail conversation; an attacker holds a valid token (their own
    web chat's, or one they stole) and mails it with the victim's From, unauthenticated."""
    victim = "victim@customer.example"
    await both.send(mail("where is my order?", sender=victim))
    owned = await both.customer(victim)
    assert owned is not None
    chat = await asking_address(both)
    link = await mailto_offered(chat)

    forged = link_mail(link, "hi", sender=victim, authenticated=None)
    await both.send(forged)
    _, asked = await both.mails_to(victim, 2)  # the question goes to the real owner's mailbox
    assert ASKED.match(text_of(asked))
    thread = OURS.fullmatch(str(asked.message["Message-ID"]))
    assert thread is not None
    per_thread = f"unverified/{thread.group(1)}/{victim}"
    assert await both.customer(per_thread) not in (None, owned)

    # a forged yes outside the thread (the attacker never sees the question's id)
    await both.send(mail("yes", sender=victim, authenticated=None))
    # the owner's own verified yes in the thread: not the identity that was asked
    await both.send(mail("yes", sender=victim, reply_to=asked.message))
    web = await both.record(await chat.customer())
    assert web.identities == (chat.identity,)
    assert not any(a.kind == "email" for a in web.verified)
    assert await both.customer(victim) == owned != web.id

    # even the yes of the per-thread identity joins that identity only, never the address
    await both.send(mail("yes", sender=victim, authenticated=None, reply_to=asked.message))
    web = await both.record(await chat.customer())
    assert ChannelIdentity(channel="email", user_id=per_thread) in web.identities
    assert ChannelIdentity(channel="email", user_id=victim) not in web.identities
    assert not any(a.kind == "email" for a in web.verified)
    assert await both.customer(victim) == owned
    owner = await both.record(owned)
    assert owner.identities == (ChannelIdentity(channel="email", user_id=victim),)


async def test_a_yes_from_another_sender_in_the_thread_joins_nothing(both: Both) -> None:
    chat = await asking_address(both)
    link = await mailto_offered(chat)
    await both.send(link_mail(link, "hi"))
    [asked] = await both.mails_to(CUSTOMER, 1)
    other = "mallory@customer.example"
    await both.send(mail("yes", sender=other, reply_to=asked.message))
    await both.send(mail("1", sender=other, reply_to=asked.message))
    assert await both.customer() != await chat.customer()
    assert await both.customer(other) not in (None, await chat.customer())
    assert (await both.record(await both.customer())).joining is not None  # still asked
