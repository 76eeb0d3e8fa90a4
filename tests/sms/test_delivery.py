"""Sending through the fake Twilio REST API: refusals, retries, split messages, the API base."""

from __future__ import annotations

import base64
import logging

import aiohttp
import pytest

from bot.connector import Outgoing
from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)
from bot.format.messages import Address
from bot.format.outbound import Text
from bot.format.transcript import NoteEntry
from bot.turn.delivery import Outlets, RetryPolicy
from connectors.twilio.client import TwilioMessages, rebase, refusal
from tests.fakes.base import Failure
from tests.fakes.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_NUMBER,
    MESSAGES,
    SERVICE_SID,
    FakeTwilio,
)
from tests.sms.kit import CUSTOMER, BotFactory, SmsBot

FAST = RetryPolicy(attempts=4, first=0.01, cap=0.02, budget=5)


def twilio_error(status: int, code: int, headers: dict[str, str] | None = None) -> Failure:
    body = {"code": code, "message": "as Twilio says", "more_info": "", "status": status}
    return Failure(status, body, headers or {})


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (21610, "the number has opted out (replied STOP to this sender)"),
        (21211, "the number is not a valid phone number"),
    ],
)
async def test_a_refused_number_is_marked_unreachable_and_not_retried(
    store: SmsBot, code: int, reason: str
) -> None:
    store.twilio.refusing[CUSTOMER] = code
    await store.text("hi")
    await store.settle()  # the unreachable mark is a turn of its own, in the same drain
    assert len(store.twilio.of(MESSAGES)) == 1
    [status] = await store.statuses()
    assert (status.status, status.detail) == ("failed", f"Twilio error {code}: {reason}")
    notes = [e for e in await store.transcript() if isinstance(e, NoteEntry)]
    assert [n.kind for n in notes] == ["unreachable"]


async def test_rate_limits_and_outages_are_retried_and_the_reply_goes_once(
    store: SmsBot,
) -> None:
    store.twilio.fail_next(MESSAGES, twilio_error(429, 20429, {"Retry-After": "0"}))
    store.twilio.fail_next(MESSAGES, twilio_error(503, 20500))
    await store.text("hi")
    await store.settle()
    assert len(store.twilio.of(MESSAGES)) == 3
    assert len(store.sent()) == 1
    assert await store.statuses() == []


ADDRESS = Address(channel="sms", user_id=CUSTOMER, conversation_id=CUSTOMER)


async def test_wrong_credentials_are_not_retried(store: SmsBot) -> None:
    store.twilio.auth_token = "rotated-token-0000000000000000"
    with pytest.raises(ChannelMisconfigured) as refused:
        await Outlets([store.connector], FAST).send(ADDRESS, [Outgoing("m.1", Text(text="Hi"))])
    assert str(refused.value) == (
        "Twilio error 20003: Twilio refused the credentials (check TWILIO_ACCOUNT_SID and "
        "TWILIO_AUTH_TOKEN)"
    )
    assert len(store.twilio.of(MESSAGES)) == 1


async def test_a_split_message_interrupted_midway_does_not_send_its_first_part_twice(
    store: SmsBot,
) -> None:
    long = "Your order left our warehouse today and should arrive on Friday. " * 12
    store.twilio.fail_call(2, twilio_error(500, 20500))
    outlets = Outlets([store.connector], FAST)
    messages = [Outgoing("m.1", Text(text=long)), Outgoing("m.2", Text(text="Bye."))]
    receipts = await outlets.send(ADDRESS, messages)
    bodies = [call.params["Body"] for call in store.twilio.of(MESSAGES)]
    assert len(bodies) == 4  # part 1, part 2 refused, part 2 again, then m.2
    assert bodies[1] == bodies[2]
    assert [s.body for s in store.sent()] == [bodies[0], bodies[2], "Bye."]
    assert [(r.message_id, r.provider_id) for r in receipts] == [
        ("m.1", store.sent()[0].sid),
        ("m.2", store.sent()[2].sid),
    ]


async def test_a_failure_after_a_whole_message_reports_what_was_sent(store: SmsBot) -> None:
    store.twilio.refusing[CUSTOMER] = 21610
    with pytest.raises(Unreachable) as refused:
        await store.connector.send(ADDRESS, [Outgoing("m.1", Text(text="Hi"))])
    assert refused.value.sent == ()
    del store.twilio.refusing[CUSTOMER]
    store.twilio.fail_call(len(store.twilio.of(MESSAGES)) + 2, twilio_error(503, 20500))
    with pytest.raises(TemporaryDeliveryError) as failed:
        await store.connector.send(
            ADDRESS, [Outgoing("m.2", Text(text="One")), Outgoing("m.3", Text(text="Two"))]
        )
    assert [r.message_id for r in failed.value.sent] == ["m.2"]


@pytest.mark.parametrize(
    ("status", "code", "retry_after", "kind"),
    [
        (429, 20429, 2.0, RateLimited),
        (429, 20429, None, TemporaryDeliveryError),
        (500, None, None, TemporaryDeliveryError),
        (503, 20500, None, TemporaryDeliveryError),
        (400, 21610, None, Unreachable),
        (400, 21211, None, Unreachable),
        (400, 21614, None, Unreachable),
        (401, 20003, None, ChannelMisconfigured),
        (404, 20404, None, ChannelMisconfigured),
        (400, 21606, None, ChannelMisconfigured),
        (403, None, None, ChannelMisconfigured),
        (400, 21617, None, DeliveryError),
    ],
)
def test_twilio_errors_translate_to_delivery_errors(
    status: int, code: int | None, retry_after: float | None, kind: type[DeliveryError]
) -> None:
    error = refusal(status, code, retry_after)
    assert type(error) is kind
    if isinstance(error, RateLimited):
        assert error.retry_after == retry_after


async def test_the_api_base_receives_everything_even_with_a_twilio_region_set(
    twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_REGION", "au1")
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    messages = TwilioMessages(twilio.account_sid, AUTH_TOKEN, twilio.url)
    await messages.open()
    try:
        accepted = await messages.create({"To": CUSTOMER, "From": BOT_NUMBER, "Body": "olá"})
    finally:
        await messages.close()
    assert (accepted.status, accepted.segments) == ("queued", 1)
    [call] = twilio.of(MESSAGES)
    assert call.params == {"To": CUSTOMER, "From": BOT_NUMBER, "Body": "olá"}


async def test_a_messaging_service_sends_without_a_from_number(make_bot: BotFactory) -> None:
    bot = await make_bot(from_number=None, messaging_service_sid=SERVICE_SID)
    await bot.text("hi")
    [sent] = await bot.twilio.wait_sent(CUSTOMER, 1)
    assert (sent.service, sent.sender) == (SERVICE_SID, None)
    [call] = bot.twilio.of(MESSAGES)
    assert set(call.params) == {"To", "MessagingServiceSid", "Body", "StatusCallback"}


@pytest.mark.parametrize(
    ("account", "fields", "kind", "code"),
    [
        ("AC" + "f" * 32, {"Body": "hi"}, ChannelMisconfigured, 20003),
        (ACCOUNT_SID, {}, DeliveryError, 21602),
        (ACCOUNT_SID, {"Body": "x" * 1601}, DeliveryError, 21617),
        (ACCOUNT_SID, {"MediaUrl": ["ftp://shop.example/a.png"]}, DeliveryError, 21620),
        (ACCOUNT_SID, {"Body": "hi", "StatusCallback": "not a url"}, DeliveryError, 21609),
    ],
    ids=["credentials of another account", "no body", "too long", "bad media", "bad callback"],
)
async def test_the_fake_refuses_what_twilio_refuses(
    twilio: FakeTwilio,
    account: str,
    fields: dict[str, str | list[str]],
    kind: type[DeliveryError],
    code: int,
) -> None:
    messages = TwilioMessages(account, AUTH_TOKEN, twilio.url)
    await messages.open()
    try:
        with pytest.raises(kind, match=f"Twilio error {code}"):
            await messages.create({"To": CUSTOMER, "From": BOT_NUMBER, **fields})
    finally:
        await messages.close()
    assert twilio.sent == []


async def test_the_fake_checks_the_account_in_the_path(twilio: FakeTwilio) -> None:
    other = "AC" + "f" * 32
    auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    url = f"{twilio.url}/2010-04-01/Accounts/{other}/Messages.json"
    form = {"To": CUSTOMER, "From": BOT_NUMBER, "Body": "hi"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=form, headers={"Authorization": auth}) as response,
    ):
        assert response.status == 404
        assert (await response.json())["code"] == 20404
    assert twilio.sent == []


def test_urls_are_rebased_onto_the_api_base_path_and_all() -> None:
    built = "https://api.sydney.au1.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1"
    assert rebase(built, "http://127.0.0.1:9/twilio-proxy/") == (
        "http://127.0.0.1:9/twilio-proxy/2010-04-01/Accounts/AC1/Messages.json?x=1"
    )


async def test_twilio_unreachable_is_a_temporary_error(twilio: FakeTwilio) -> None:
    await twilio.stop()  # nothing listens on its port any more
    messages = TwilioMessages(twilio.account_sid, AUTH_TOKEN, twilio.url, timeout=2)
    await messages.open()
    try:
        with pytest.raises(TemporaryDeliveryError, match="could not be reached"):
            await messages.create({"To": CUSTOMER, "From": BOT_NUMBER, "Body": "hi"})
    finally:
        await messages.close()


async def test_neither_secrets_nor_phone_numbers_reach_the_logs(
    store: SmsBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="omnibot")  # whatever earlier tests configured
    store.twilio.fail_next(MESSAGES, twilio_error(503, 20500))
    await store.text("hi")
    await store.settle()
    store.twilio.refusing[CUSTOMER] = 21211
    await store.text("where is my order")
    await store.settle()
    await store.twilio.post("/sms/twilio", store.twilio.incoming(CUSTOMER, "x"), signature="bad")
    assert "delivery to sms failed" in caplog.text
    assert "webhook refused: 403" in caplog.text
    for secret in (AUTH_TOKEN, "Authorization", CUSTOMER.removeprefix("+")):
        assert secret not in caplog.text
