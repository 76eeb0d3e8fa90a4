"""Twilio's webhooks under hostile input: forms signed with the twilio package's own
``RequestValidator``, so that every one reaches the parser.

An incoming message with any fields is answered 200 (TwiML) or 4xx; a status callback with any
fields and query is answered 204 or 4xx; nothing logs an error, and a refused form changes
nothing. An unsigned or mis-signed form is refused with 403 whatever it holds.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

# twilio ships no type information (no py.typed, no stubs): its signer is used as it is.
from tests.fuzz.kit import Everything, assert_quiet, observe
from tests.fuzz.strategies import fuzz
from tests.fuzz.strategies.sms import (
    fields,
    incoming,
    post,
    queries,
    signature,
    statuses,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@fuzz(150)
@given(form=incoming() | fields)
async def test_any_signed_incoming_form_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, form: dict[str, str]
) -> None:
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, "/sms/twilio", form)
    assert status in (200, 400, 403)
    assert_quiet(caplog)
    observe(status, before, bot)


@fuzz(100)
@given(form=statuses | fields, query=queries)
async def test_any_signed_status_callback_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, form: dict[str, str], query: dict[str, Any]
) -> None:
    caplog.clear()
    path = "/sms/twilio/status" + (f"?{urlencode(query)}" if query else "")
    before = bot.footprint()
    status = await post(bot, path, form)
    assert status in (204, 400, 403)
    assert_quiet(caplog)
    observe(status, before, bot)


@fuzz(50)
@given(form=incoming(), forged=st.sampled_from(["", "garbage", "another token", "another URL"]))
async def test_an_unsigned_form_changes_nothing(
    bot: Everything, caplog: pytest.LogCaptureFixture, form: dict[str, str], forged: str
) -> None:
    caplog.clear()
    header = {
        "": "",
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "another token": signature("/sms/twilio", form, token="another-auth-token-000000000"),
        "another URL": signature("/sms/other", form),
    }[forged]
    before = bot.footprint()
    assert await post(bot, "/sms/twilio", form, signed=header) == 403
    assert_quiet(caplog)
    assert bot.footprint() == before
