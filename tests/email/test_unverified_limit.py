"""Backscatter: a forged ``From`` makes the bot write to whoever it names, so an unverified sender
gets at most five answers an hour, however many threads it starts; past that its mail is
accepted (202, so that no server bounces it to the forged address), recorded nowhere and not
answered. A verified sender is not limited. On the embedded memory and on Redis."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.turn.store import Memory
from connectors.email.connector import UNVERIFIED_BURST
from connectors.email.inbound import parse
from connectors.email.settings import EmailSettings
from tests.email.kit import CUSTOMER, SmtpServer, mail
from tests.email.links_kit import LinkedBot, store_over_email

STRANGER = "eve@elsewhere.example"


@pytest.fixture
async def bot(
    smtp: SmtpServer, email_settings: EmailSettings, memory: Memory
) -> AsyncIterator[LinkedBot]:
    async with store_over_email(smtp, email_settings, memory) as served:
        yield served


async def unverified_customer(bot: LinkedBot, settings: EmailSettings, n: int) -> str | None:
    """The customer the ``n``-th unverified mail of the test would belong to, if it has one."""
    forged = unverified[n]
    incoming = parse(forged.as_bytes(), forged, settings)
    assert incoming.event is not None
    assert incoming.event.address.user_id.startswith("unverified/")
    return await bot.customer(incoming.event.address.user_id)


unverified = [mail(f"hello {n}", authenticated=None) for n in range(UNVERIFIED_BURST + 1)]


async def test_the_sixth_mail_of_an_unverified_sender_is_not_answered(
    bot: LinkedBot, email_settings: EmailSettings, caplog: pytest.LogCaptureFixture
) -> None:
    assert UNVERIFIED_BURST == 5
    caplog.set_level(logging.INFO, logger="omnibot.email")
    for forged in unverified:  # each starts a thread of its own
        assert (await bot.post(forged))[0] == 202
    await bot.smtp.wait(UNVERIFIED_BURST)
    await bot.settle()
    answered = [str(r.message["In-Reply-To"]) for r in bot.smtp.inbox.received]
    assert answered == [str(m["Message-ID"]) for m in unverified[:UNVERIFIED_BURST]]
    for n in range(UNVERIFIED_BURST):
        assert await unverified_customer(bot, email_settings, n) is not None
    assert await unverified_customer(bot, email_settings, UNVERIFIED_BURST) is None
    [line] = [r for r in caplog.records if "unverified sender" in r.getMessage()]
    assert line.levelno == logging.INFO
    assert CUSTOMER not in line.getMessage()
    assert "customer.example" not in line.getMessage()
    assert line.exc_info is None


async def test_the_limit_is_per_sender_and_a_verified_one_has_none(bot: LinkedBot) -> None:
    for forged in unverified:
        await bot.post(forged)
    verified = [mail(f"order {n}") for n in range(UNVERIFIED_BURST + 2)]  # dmarc=pass
    for each in verified:
        assert (await bot.post(each))[0] == 202
    stranger = mail("hi there", STRANGER, authenticated=None)
    await bot.post(stranger)
    await bot.smtp.wait(UNVERIFIED_BURST + 1 + len(verified))
    await bot.settle()
    answered = {str(r.message["In-Reply-To"]) for r in bot.smtp.inbox.received}
    assert {str(m["Message-ID"]) for m in verified} <= answered  # every one of Ana's
    assert str(stranger["Message-ID"]) in answered  # another unverified sender: answered
    assert str(unverified[-1]["Message-ID"]) not in answered
    assert [e.text for e in await bot.inputs()] == [f"order {n}" for n in range(len(verified))]
