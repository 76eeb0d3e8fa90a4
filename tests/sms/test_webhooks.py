"""What the webhooks refuse (forged, malformed) and what the status callback records."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import MultiDict

from bot.errors import InboundRejected
from connectors.twilio.signature import SignatureCheck
from tests.fakes.twilio import AUTH_TOKEN, FakeTwilio
from tests.sms.kit import CUSTOMER, PUBLIC_URL, BotFactory, SmsBot


def forged(twilio: FakeTwilio, form: dict[str, str]) -> dict[str, str]:
    """Ways of getting the signature wrong, each with the header to send."""
    other = FakeTwilio(auth_token="somebody-elses-token-0000000000")
    return {
        "missing": "",
        "garbage": "not-a-signature",
        "another token": other.sign(f"{PUBLIC_URL}/sms/twilio", form),
        "the local URL, not the public one": twilio.sign(f"{twilio.bot_url}/sms/twilio", form),
        "another body": twilio.sign(f"{PUBLIC_URL}/sms/twilio", form | {"Body": "hello"}),
    }


FORGERIES = [
    "missing",
    "garbage",
    "another token",
    "the local URL, not the public one",
    "another body",
]


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_a_forged_message_is_refused_and_changes_nothing(store: SmsBot, forgery: str) -> None:
    form = store.twilio.incoming(CUSTOMER, "STOP")
    answer = await store.twilio.post(
        "/sms/twilio", form, signature=forged(store.twilio, form)[forgery]
    )
    assert answer.status == 403
    await store.settle()
    assert store.known() == 0
    assert store.twilio.calls == []


async def test_without_a_public_url_the_url_the_request_reached_is_checked(
    make_bot: BotFactory,
) -> None:
    bot = await make_bot(public_url=None)
    assert (await bot.text("hi")).status == 200
    assert len(await bot.replies(1)) == 1
    [sent] = bot.sent()
    assert sent.status_callback is None  # Twilio could not reach a loopback URL anyway


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"From": "+55 11 98765-4321"}, 400),
        ({"MessageSid": "12345"}, 400),
        ({"NumMedia": "2", "MediaUrl0": "https://api.twilio.com/m/1"}, 400),
        ({"AccountSid": "AC" + "9" * 32}, 403),
    ],
    ids=["a number not in E.164", "a bad MessageSid", "a missing media URL", "another account"],
)
async def test_a_malformed_form_is_refused_and_stores_nothing(
    store: SmsBot, change: dict[str, str], status: int
) -> None:
    answer = await store.twilio.post("/sms/twilio", store.twilio.incoming(CUSTOMER, "hi") | change)
    assert answer.status == status
    assert "error" in json.loads(answer.text)
    await store.settle()
    assert store.known() == 0


async def test_a_form_without_its_fields_is_refused(store: SmsBot) -> None:
    answer = await store.twilio.post("/sms/twilio", {"Body": "hi"})
    assert (answer.status, json.loads(answer.text)) == (
        400,
        {"error": "malformed form: AccountSid, From, MessageSid, To"},
    )
    assert store.known() == 0


async def test_a_body_that_is_not_a_form_is_refused(store: SmsBot) -> None:
    body = json.dumps(store.twilio.incoming(CUSTOMER, "hi"))
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": "x"}
    answer = await store.twilio.post_raw("/sms/twilio", body, headers)
    assert answer.status == 415
    assert store.known() == 0


async def delivered_reply(store: SmsBot) -> Any:
    await store.text("hi")
    [sent] = await store.twilio.wait_sent(CUSTOMER, 1)
    return sent


async def test_a_delivery_status_is_recorded_against_the_message(store: SmsBot) -> None:
    sent = await delivered_reply(store)
    assert (await store.twilio.report(sent, "sent")).status == 204
    assert (await store.twilio.report(sent, "delivered")).status == 204
    [out] = await store.outputs()
    [status] = await store.statuses()
    assert (status.message_id, status.status) == (out.message_id, "delivered")
    assert status.detail == f"twilio delivered ({sent.sid})"


async def test_an_undelivered_message_is_recorded_with_its_reason(store: SmsBot) -> None:
    sent = await delivered_reply(store)
    await store.twilio.report(sent, "undelivered", error_code=30005)
    [status] = await store.statuses()
    assert status.status == "undeliverable"
    assert status.detail is not None
    assert status.detail.endswith("error 30005, the number is unknown or no longer in service")


async def test_a_forged_status_callback_records_nothing(store: SmsBot) -> None:
    sent = await delivered_reply(store)
    path = sent.status_callback.removeprefix(PUBLIC_URL)
    form = {
        "AccountSid": store.twilio.account_sid,
        "MessageSid": sent.sid,
        "MessageStatus": "failed",
        "To": CUSTOMER,
    }
    unsigned = await store.twilio.post(path, form, signature="")
    other_message = path.replace("?m=", "?m=0")  # signed for one message, replayed for another
    replayed = await store.twilio.post(
        other_message, form, signature=store.twilio.sign(PUBLIC_URL + path, form)
    )
    assert unsigned.status == replayed.status == 403
    assert await store.statuses() == []


async def test_a_status_for_a_stranger_is_acknowledged_and_ignored(store: SmsBot) -> None:
    form = {
        "AccountSid": store.twilio.account_sid,
        "MessageSid": "SM" + "c" * 32,
        "MessageStatus": "delivered",
        "To": "+5521999990000",
    }
    assert (await store.twilio.post("/sms/twilio/status?m=abc.1", form)).status == 204
    assert store.known() == 0


def test_the_signed_url_is_the_public_one_with_the_path_and_query_as_received() -> None:
    request = make_mocked_request(
        "POST", "/sms/twilio/status?m=ab.1&part=2", headers={"Host": "127.0.0.1:8080"}
    )
    behind_proxy = SignatureCheck(AUTH_TOKEN, "https://bot.example.test/omnibot/")
    assert behind_proxy.signed_url(request) == (
        "https://bot.example.test/omnibot/sms/twilio/status?m=ab.1&part=2"
    )
    direct = SignatureCheck(AUTH_TOKEN, None)
    assert direct.signed_url(request) == "http://127.0.0.1:8080/sms/twilio/status?m=ab.1&part=2"


def test_a_shared_key_signature_is_refused_with_a_reason() -> None:
    request = make_mocked_request(
        "POST",
        "/sms/twilio",
        headers={
            "X-Twilio-Signature": "abc",
            "X-Twilio-Webhooks-Signature-Settings": "key=wsk_1,algorithm=HMAC_SHA256",
        },
    )
    with pytest.raises(InboundRejected, match="shared key") as refused:
        SignatureCheck(AUTH_TOKEN, PUBLIC_URL).verify(request, MultiDict(Body="hi"))
    assert refused.value.status == 403
