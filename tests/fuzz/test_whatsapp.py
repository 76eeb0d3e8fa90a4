"""The WhatsApp Cloud API webhook under hostile input: notifications signed as Meta signs them,
so that every one reaches the parser.

A signed body of any bytes, and any notification nearly right, is answered 200 or 4xx; nothing
logs an error, and a refused one changes nothing. An unsigned or mis-signed body is refused
whatever it holds; a subscription check with any query is answered with the challenge only for
our verify token.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.whatsapp_notifications import VERIFY_TOKEN, sign
from tests.fuzz.kit import Everything, assert_quiet, observe
from tests.fuzz.strategies import bodies, fuzz, texts
from tests.fuzz.strategies.whatsapp import WEBHOOK, notifications, post, query

pytestmark = pytest.mark.asyncio(loop_scope="session")


@fuzz(150)
@given(body=bodies)
async def test_any_signed_body_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, body)
    assert status in (200, 400, 403)
    assert_quiet(caplog)
    observe(status, before, bot)


@fuzz(200)
@given(notification=notifications)
async def test_any_signed_notification_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, notification: dict[str, object]
) -> None:
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, json.dumps(notification).encode())
    assert status in (200, 400, 403)
    await bot.settle()
    assert_quiet(caplog)
    observe(status, before, bot)


@fuzz(50)
@given(
    notification=notifications,
    forged=st.sampled_from(["", "garbage", "sha256=" + "0" * 64, "another secret"]),
)
async def test_an_unsigned_or_mis_signed_notification_changes_nothing(
    bot: Everything, caplog: pytest.LogCaptureFixture, notification: dict[str, object], forged: str
) -> None:
    caplog.clear()
    body = json.dumps(notification).encode()
    header = sign(body, secret="another-apps-secret") if forged == "another secret" else forged
    before = bot.footprint()
    assert await post(bot, body, header) in (401, 403)
    assert_quiet(caplog)
    assert bot.footprint() == before


@fuzz(100)
@given(
    mode=st.sampled_from(["subscribe", "unsubscribe"]) | texts,
    token=st.sampled_from([VERIFY_TOKEN, VERIFY_TOKEN + "x", ""]) | texts,
    challenge=texts,
)
async def test_any_subscription_check_answers_the_challenge_only_with_our_token(
    bot: Everything, caplog: pytest.LogCaptureFixture, mode: str, token: str, challenge: str
) -> None:
    caplog.clear()
    pairs = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge}
    answer = await bot.request("GET", f"{WEBHOOK}?{query(pairs)}")
    assert answer.status < 500
    if answer.status == 200:
        assert (mode, token) == ("subscribe", VERIFY_TOKEN)
        assert answer.text == challenge
    assert_quiet(caplog)
