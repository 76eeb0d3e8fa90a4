"""Twilio's WhatsApp webhooks: only what Twilio signed for this account is read; anything else
gets a 4xx and changes nothing."""

from __future__ import annotations

import pytest

from tests.fakes.twilio import WHATSAPP_SENDER
from tests.whatsapp.twilio_kit import CUSTOMER, TO, TwilioBotFactory

PATH = "/whatsapp/twilio"


@pytest.mark.parametrize(
    ("case", "status"),
    [("unsigned", 403), ("forged", 403), ("signed for another URL", 403)],
)
async def test_a_request_twilio_did_not_sign_is_refused_and_changes_nothing(
    make_twilio_bot: TwilioBotFactory, case: str, status: int
) -> None:
    bot = await make_twilio_bot()
    form = bot.twilio.whatsapp_incoming(CUSTOMER, "hi")
    signatures = {
        "unsigned": "",
        "forged": "bm90IGEgc2lnbmF0dXJl",
        "signed for another URL": bot.twilio.sign("https://elsewhere.test" + PATH, form),
    }
    answer = await bot.twilio.post(PATH, form, signature=signatures[case])
    assert answer.status == status
    await bot.settle()
    assert bot.known() == 0
    assert bot.twilio.sent == []


@pytest.mark.parametrize(
    "change",
    [
        {"From": CUSTOMER},  # an SMS number on the WhatsApp route
        {"To": "+15550002222"},
        {"MessageSid": "not-a-sid"},
        {"Latitude": "91", "Longitude": "0"},
    ],
)
async def test_a_signed_but_malformed_message_is_refused_with_400(
    make_twilio_bot: TwilioBotFactory, change: dict[str, str]
) -> None:
    bot = await make_twilio_bot()
    form = bot.twilio.whatsapp_incoming(CUSTOMER, "hi") | change
    assert (await bot.twilio.post(PATH, form)).status == 400
    await bot.settle()
    assert bot.known() == 0


async def test_another_accounts_message_and_another_content_type_are_refused(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot()
    other = bot.twilio.whatsapp_incoming(CUSTOMER, "hi", AccountSid="AC" + "f" * 32)
    assert (await bot.twilio.post(PATH, other)).status == 403
    as_json = await bot.twilio.post_raw(PATH, b"{}", {"Content-Type": "application/json"})
    assert as_json.status == 415
    await bot.settle()
    assert bot.known() == 0


async def test_a_forged_status_callback_records_nothing(make_twilio_bot: TwilioBotFactory) -> None:
    bot = await make_twilio_bot()
    await bot.write("hi")
    [welcome] = await bot.replies(1)
    await bot.settle()
    assert welcome.status_callback is not None
    path = welcome.status_callback.removeprefix(bot.twilio.public_url)
    form = {
        "AccountSid": bot.twilio.account_sid,
        "MessageSid": welcome.sid,
        "MessageStatus": "read",
        "To": TO,
        "From": WHATSAPP_SENDER,
    }
    assert (await bot.twilio.post(path, form, signature="")).status == 403
    assert (await bot.twilio.post(path, form | {"To": "nobody"})).status == 400
    assert await bot.statuses() == []
