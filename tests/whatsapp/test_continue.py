""" "Continue on WhatsApp": the offer carries a ``wa.me`` link with the code typed in, and the
code sent from WhatsApp joins only with the consent of the person there."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError
from connectors.whatsapp import plan
from connectors.whatsapp.cloud.connector import WhatsappConnector
from connectors.whatsapp.invite import invite_link
from tests.fakes import whatsapp_notifications as meta
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN
from tests.whatsapp.kit import (
    CUSTOMER,
    DISPLAY_NUMBER,
    WA_ID,
    BotFactory,
    WhatsappBot,
    body_text,
    choices,
)

SMS_PHONE = "+15557654321"
"""A customer's SMS number, not the one they use WhatsApp with (or the numbers alone would
join them)."""
ASK_ADDRESS = (
    "What's the new delivery address? Please write the street, number, any apartment, and the city."
)
LINKED = "Done: this chat is now part of your conversation."
RESUME = "Welcome back! Let's carry on where we left off."
ASKED = re.compile(r"This will join this chat to a SMS conversation started today at \d\d:\d\d")
OFFER = re.compile(r"on WhatsApp: (https://wa\.me/\S+)")
ENV = {
    "WHATSAPP_ACCESS_TOKEN": TOKEN,
    "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
    "WHATSAPP_APP_SECRET": meta.APP_SECRET,
    "WHATSAPP_VERIFY_TOKEN": meta.VERIFY_TOKEN,
}
CONFIG = BotConfig.model_validate({"name": "Loja", "languages": ["pt", "en"]})


def test_the_link_opens_a_chat_with_the_business_and_the_code_typed_in() -> None:
    link = invite_link(DISPLAY_NUMBER, "12345678")
    assert link == "https://wa.me/15550001234?text=link%2012345678"
    assert " " not in link  # printable and QR-friendly as it is
    assert link.isascii()
    assert parse_qs(urlsplit(link).query) == {"text": ["link 12345678"]}


def test_the_number_comes_from_whatsapp_display_number_in_any_usual_writing() -> None:
    given = Settings.from_env(ENV | {"WHATSAPP_DISPLAY_NUMBER": "+55 (11) 91234-5678"})
    on = plan(CONFIG, given, "http://127.0.0.1:8080")
    assert isinstance(on.connector, WhatsappConnector)
    assert on.connector.invite("12345678", "t" * 22) == (
        "https://wa.me/5511912345678?text=link%2012345678"
    )


def test_without_the_number_no_link_is_offered() -> None:
    on = plan(CONFIG, Settings.from_env(ENV), "http://127.0.0.1:8080")
    assert isinstance(on.connector, WhatsappConnector)
    assert on.connector.invite("12345678", "t" * 22) is None


def test_a_malformed_number_stops_the_bot_at_start() -> None:
    with pytest.raises(ConfigError, match=r"\$WHATSAPP_DISPLAY_NUMBER"):
        plan(CONFIG, Settings.from_env(ENV | {"WHATSAPP_DISPLAY_NUMBER": "call us"}), "x")


async def offered_link(bot: WhatsappBot) -> tuple[str, str | None]:
    """An SMS customer who is asked for the new address asks to continue on WhatsApp: the
    link offered, and that customer."""
    assert bot.twilio is not None
    for said in ("change my delivery address", "A-10001", "continue on whatsapp"):
        assert (await bot.twilio.text(SMS_PHONE, said)).status == 200
        await bot.settle()
    texts = [sent.body or "" for sent in await bot.twilio.wait_sent(SMS_PHONE, 5)]
    offer, again = texts[-2:]
    assert again == ASK_ADDRESS
    assert "by SMS" not in offer
    found = OFFER.search(offer)
    assert found is not None, offer
    return found.group(1), await bot.customer(SMS_PHONE, channel="sms")


async def test_the_code_sent_from_whatsapp_asks_and_a_yes_carries_on_at_the_same_question(
    make_bot: BotFactory,
) -> None:
    bot = await make_bot(sms=True)
    link, on_sms = await offered_link(bot)
    typed = parse_qs(urlsplit(link).query)["text"][0]
    assert urlsplit(link).path == f"/{DISPLAY_NUMBER}"
    await bot.notify(meta.text(WA_ID, typed))
    [asked] = await bot.replies(1)
    assert ASKED.match(body_text(asked)), body_text(asked)
    assert await bot.customer(CUSTOMER) != on_sms  # nothing is joined before the yes
    [(yes, title), _] = choices(asked)
    assert title == "Yes"
    await bot.notify(meta.button_reply(WA_ID, yes, title))
    replies = await bot.replies(4)
    await bot.settle()
    assert [body_text(r) for r in replies[1:]] == [LINKED, RESUME, ASK_ADDRESS]
    assert await bot.customer(CUSTOMER) == on_sms


async def test_the_number_a_code_came_from_links_its_sms_too_after_the_yes(
    make_bot: BotFactory,
) -> None:
    bot = await make_bot(sms=True)
    link, on_sms = await offered_link(bot)
    await bot.notify(meta.text(WA_ID, parse_qs(urlsplit(link).query)["text"][0]))
    [asked] = await bot.replies(1)
    [(yes, title), _] = choices(asked)
    await bot.notify(meta.button_reply(WA_ID, yes, title))
    await bot.replies(4)
    await bot.settle()
    assert bot.twilio is not None
    assert (await bot.twilio.text(CUSTOMER, "Av. Paulista 2000, São Paulo")).status == 200
    await bot.settle()
    assert await bot.customer(CUSTOMER, channel="sms") == on_sms


async def test_a_no_on_whatsapp_joins_nothing(make_bot: BotFactory) -> None:
    bot = await make_bot(sms=True)
    link, on_sms = await offered_link(bot)
    await bot.notify(meta.text(WA_ID, parse_qs(urlsplit(link).query)["text"][0]))
    [asked] = await bot.replies(1)
    [_, (no, title)] = choices(asked)
    await bot.notify(meta.button_reply(WA_ID, no, title))
    await bot.replies(2)
    await bot.settle()
    assert await bot.customer(CUSTOMER) not in (None, on_sms)
