"""``POST /events`` under hostile input: any body signed as the store signs it (so every one
reaches the parser), any event nearly right, any headers unsigned or mis-signed, and timestamps
out of the window.

Each is answered 2xx or 4xx, never 5xx; nothing logs an error or a traceback; and a refused one
(4xx) stores nothing: not a customer, an identity, an attribute, an inbox entry.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given

from memory.embedded.store import Holdings
from tests.fuzz.kit import Everything, assert_quiet, observe
from tests.fuzz.strategies import bodies, fuzz
from tests.fuzz.strategies.events import events, headers, post, signed, skews, valid

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def observe_settled(status: int, before: Holdings, bot: Everything) -> None:
    """As :func:`observe`, once the turns the event started have run."""
    assert status < 500
    await bot.settle()
    observe(status, before, bot)


@fuzz(150)
@given(body=bodies)
async def test_any_signed_body_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.clear()
    before = bot.footprint()
    answer = await post(bot, body, signed(body))
    assert answer.status in (202, 400, 413), answer
    await observe_settled(answer.status, before, bot)
    assert_quiet(caplog)


@fuzz(200)
@given(shape=events)
async def test_any_signed_event_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, shape: dict[str, object]
) -> None:
    caplog.clear()
    body = json.dumps(shape).encode()
    before = bot.footprint()
    answer = await post(bot, body, signed(body))
    assert answer.status in (202, 400, 413), answer
    if answer.status == 400:
        assert json.loads(answer.text)["error"]
    await observe_settled(answer.status, before, bot)
    assert_quiet(caplog)


@fuzz(150)
@given(shape=events, sent=headers)
async def test_any_headers_without_our_signature_change_nothing(
    bot: Everything,
    caplog: pytest.LogCaptureFixture,
    shape: dict[str, object],
    sent: dict[str, str],
) -> None:
    caplog.clear()
    body = json.dumps(shape).encode()
    before = bot.footprint()
    answer = await post(bot, body, sent)
    assert answer.status in (400, 401, 413, 415), answer
    await observe_settled(answer.status, before, bot)
    assert_quiet(caplog)


@fuzz(50)
@given(shape=valid | events, skew=skews)
async def test_a_redelivery_or_a_stale_timestamp_adds_nothing(
    bot: Everything, caplog: pytest.LogCaptureFixture, shape: dict[str, object], skew: timedelta
) -> None:
    """Signed right but outside the five minutes: 401; inside, the same ``webhook-id`` sent
    again (signed again, as senders retry) adds nothing the first did not."""
    caplog.clear()
    body = json.dumps(shape).encode()
    first = signed(body, at=datetime.now(UTC) + skew)
    answer = await post(bot, body, first)
    if skew:
        assert answer.status in (401, 413), answer  # the size is checked first
        return
    await bot.settle()
    after_first = bot.footprint()
    again = await post(bot, body, signed(body, webhook_id=first["webhook-id"]))
    assert again.status == answer.status, (answer, again)
    await observe_settled(again.status, after_first, bot)
    if again.status == 202:
        assert bot.footprint() == after_first
    assert_quiet(caplog)
