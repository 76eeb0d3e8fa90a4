"""The Telegram webhook under hostile input: any body, and updates that are nearly right.

Whatever comes with the right secret is answered 200 (taken, or deliberately ignored) or 400
(not an update); nothing logs an error or a traceback, and a refused update changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.fuzz.kit import Everything, assert_quiet
from tests.fuzz.strategies import bodies, fuzz
from tests.fuzz.strategies.telegram import (
    numbered,
    post,
    updates,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@fuzz(100)
@given(body=bodies)
async def test_any_body_with_the_secret_is_taken_or_refused_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, body)
    assert status in (200, 400)
    assert_quiet(caplog)
    if status == 400:
        assert bot.footprint() == before


@fuzz(150)
@given(update=updates)
async def test_updates_nearly_right_are_taken_or_refused_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, update: dict[str, Any]
) -> None:
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, json.dumps(numbered(update)).encode())
    assert status in (200, 400)
    assert_quiet(caplog)
    if status == 400:
        assert bot.footprint() == before
    event(f"{status}, {'stored' if bot.footprint() != before else 'nothing stored'}")


@fuzz(50)
@given(
    update=updates,
    secret=st.one_of(st.none(), st.text(st.characters(min_codepoint=33, max_codepoint=126))),
)
async def test_without_the_secret_nothing_is_read(
    bot: Everything, caplog: pytest.LogCaptureFixture, update: dict[str, Any], secret: str | None
) -> None:
    caplog.clear()
    before = bot.footprint()
    assert await post(bot, json.dumps(update).encode(), secret) == 401
    assert_quiet(caplog)
    assert bot.footprint() == before
