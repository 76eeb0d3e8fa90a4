"""Slack's Events API and interactivity endpoint under hostile input.

Requests are signed as Slack signs them (``slack_sdk``'s ``SignatureVerifier``), so every one
reaches the parser: any body, JSON or form, and envelopes and clicks that are nearly right. Each
is answered below 500 without an error logged; a refused one changes nothing, and an unsigned
or stale one is refused before anything reads it.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.kit import Everything, assert_quiet, observe
from tests.fuzz.strategies import bodies, dumps, fuzz, json_values
from tests.fuzz.strategies.slack import (
    FORM,
    JSON,
    clicks,
    envelopes,
    post,
    signed,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@fuzz(100)
@given(body=bodies, content_type=st.sampled_from([JSON, FORM, "text/plain", "", "x/y"]))
async def test_any_signed_body_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, body, content_type)
    assert status < 500
    assert_quiet(caplog)
    observe(status, before, bot)


@fuzz(150)
@given(envelope=envelopes)
async def test_events_nearly_right_are_taken_or_refused_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, envelope: dict[str, Any]
) -> None:
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, dumps(envelope), JSON)
    assert status in (200, 400)
    assert_quiet(caplog)
    observe(status, before, bot)


@fuzz(100)
@given(payload=clicks | json_values, field=st.sampled_from(["payload", "payload", "other"]))
async def test_clicks_nearly_right_are_taken_or_refused_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, payload: Any, field: str
) -> None:
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, urlencode({field: json.dumps(payload)}).encode(), FORM)
    assert status in (200, 400)
    assert_quiet(caplog)
    observe(status, before, bot)


@fuzz(50)
@given(
    envelope=envelopes,
    forgery=st.sampled_from(["none", "stale", "other secret", "not a number", "garbage"]),
)
async def test_an_unsigned_or_stale_request_changes_nothing(
    bot: Everything, caplog: pytest.LogCaptureFixture, envelope: dict[str, Any], forgery: str
) -> None:
    caplog.clear()
    body = dumps(envelope)
    headers = {
        "none": {},
        "stale": signed(body, at=time.time() - 600),
        "other secret": signed(body, secret="not-the-signing-secret"),
        "not a number": {**signed(body), "X-Slack-Request-Timestamp": "12.5"},
        "garbage": {**signed(body), "X-Slack-Signature": "v0=00"},
    }[forgery]
    before = bot.footprint()
    assert await post(bot, body, JSON, headers) == 401
    assert_quiet(caplog)
    assert bot.footprint() == before
