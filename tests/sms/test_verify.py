"""Twilio Verify as the code provider, against the local fake of its API: what each of Verify's
answers becomes, what is refused before any request, and what never reaches a log."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.app.config import Settings
from bot.errors import ConfigError
from bot.identity.phone_codes import Checked, CodeProvider, CodeRefused, Sent
from connectors.sms import code_provider
from connectors.sms.settings import VerifySettings
from connectors.sms.verify_codes import VerifyCodes
from tests.fakes.base import Failure
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.fakes.verify import CHECK, MAX_CHECKS, MAX_SENDS, START, VERIFY_SERVICE_SID, FakeVerify

PHONE = "+12025550143"


def no_text(code: str, minutes: int) -> str:
    raise AssertionError("Verify words its own message")


@pytest.fixture
async def verify() -> AsyncIterator[FakeVerify]:
    fake = FakeVerify()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def codes(verify: FakeVerify) -> AsyncIterator[VerifyCodes]:
    provider = VerifyCodes(VerifySettings(ACCOUNT_SID, AUTH_TOKEN, VERIFY_SERVICE_SID, verify.url))
    await provider.start()
    yield provider
    await provider.stop()


async def refusal(codes: VerifyCodes, phone: str = PHONE) -> Sent:
    with pytest.raises(CodeRefused) as refused:
        await codes.send(phone, no_text)
    return refused.value.reason


async def test_a_verification_is_started_by_sms_and_checked_with_the_code(
    verify: FakeVerify, codes: VerifyCodes
) -> None:
    provider: CodeProvider = codes  # what the core sees: the digest to check a code by
    assert await provider.send(PHONE, no_text) is None  # Verify keeps the code
    [started] = verify.of(START)
    assert started.params == {"To": PHONE, "Channel": "sms"}
    [code] = verify.codes_to(PHONE)
    assert await codes.check(PHONE, "0" * 6 if code != "0" * 6 else "1" * 6, None) is Checked.WRONG
    assert await codes.check(PHONE, code, None) is Checked.VERIFIED
    assert await codes.check(PHONE, code, None) is Checked.EXPIRED  # approved ones are gone


async def test_verifys_refusals_to_send_become_reasons_a_flow_can_show(
    verify: FakeVerify, codes: VerifyCodes
) -> None:
    verify.refusing["+2348031234567"] = (403, 60605, "Verification delivery attempt blocked")
    assert await refusal(codes, "+2348031234567") is Sent.COUNTRY
    for _ in range(MAX_SENDS):
        await codes.send(PHONE, no_text)
    assert await refusal(codes) is Sent.LIMITED
    assert await refusal(codes, "12025550143") is Sent.INVALID_PHONE  # no "+"


async def test_verifys_own_limit_of_tries_locks_the_code(
    verify: FakeVerify, codes: VerifyCodes
) -> None:
    await codes.send(PHONE, no_text)
    [code] = verify.codes_to(PHONE)
    wrong = "0" * 6 if code != "0" * 6 else "1" * 6
    for _ in range(MAX_CHECKS):
        assert await codes.check(PHONE, wrong, None) is Checked.WRONG
    assert await codes.check(PHONE, code, None) is Checked.LOCKED


async def test_an_expired_verification_is_expired(verify: FakeVerify, codes: VerifyCodes) -> None:
    await codes.send(PHONE, no_text)
    [code] = verify.codes_to(PHONE)
    verify.expire(PHONE)
    assert await codes.check(PHONE, code, None) is Checked.EXPIRED


async def test_what_the_operator_must_fix_fails_the_send_and_is_logged_without_the_number(
    verify: FakeVerify, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "omnibot.sms.verify")
    unknown = "VA" + "f" * 32
    for options, hint in [
        (VerifySettings(ACCOUNT_SID, AUTH_TOKEN, unknown, verify.url), "TWILIO_VERIFY_SERVICE_SID"),
        (VerifySettings(ACCOUNT_SID, "wrong", VERIFY_SERVICE_SID, verify.url), "TWILIO_AUTH_TOKEN"),
    ]:
        provider = VerifyCodes(options)
        await provider.start()
        try:
            assert await refusal(provider) is Sent.FAILED
        finally:
            await provider.stop()
        assert hint in caplog.text
    assert PHONE not in caplog.text


async def test_fraud_guard_and_outages_fail_the_send_and_nothing_is_retried(
    verify: FakeVerify, codes: VerifyCodes, caplog: pytest.LogCaptureFixture
) -> None:
    verify.refusing[PHONE] = (403, 60410, "Verification delivery attempt blocked")
    assert await refusal(codes) is Sent.FAILED
    assert "Fraud Guard" in caplog.text
    del verify.refusing[PHONE]
    verify.fail_next(START, Failure(503, {"code": 20500, "message": "Internal error"}))
    assert await refusal(codes) is Sent.FAILED
    assert len(verify.of(START)) == 2
    await verify.cut()
    assert await refusal(codes) is Sent.FAILED
    assert await codes.check(PHONE, "123456", None) is Checked.FAILED
    await verify.restore()


async def test_a_code_that_cannot_be_checked_now_is_failed_not_wrong(
    verify: FakeVerify, codes: VerifyCodes
) -> None:
    await codes.send(PHONE, no_text)
    [code] = verify.codes_to(PHONE)
    verify.fail_next(CHECK, Failure(429, {"code": 20429, "message": "Too Many Requests"}))
    assert await codes.check(PHONE, code, None) is Checked.FAILED
    assert await codes.check(PHONE, code, None) is Checked.VERIFIED


def test_verify_is_used_only_when_its_service_is_set_and_its_settings_are_sound() -> None:
    assert code_provider(Settings()) is None
    account = {"twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN}
    provider = code_provider(Settings(twilio_verify_service_sid=VERIFY_SERVICE_SID, **account))
    assert isinstance(provider, VerifyCodes)
    with pytest.raises(ConfigError) as missing:
        code_provider(Settings(twilio_verify_service_sid=VERIFY_SERVICE_SID))
    assert missing.value.problems == [
        "$TWILIO_VERIFY_SERVICE_SID: Verify also needs $TWILIO_ACCOUNT_SID and $TWILIO_AUTH_TOKEN"
    ]
    with pytest.raises(ConfigError) as malformed:
        code_provider(Settings(twilio_verify_service_sid="MG" + "0" * 32, **account))
    assert malformed.value.problems == [
        "$TWILIO_VERIFY_SERVICE_SID: a Verify service SID is VA followed by 32 hexadecimal digits"
    ]
