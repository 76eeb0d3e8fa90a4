"""``POST /email/inbound`` under hostile input: raw mail with the right bearer token, so that
every one reaches the parser, and requests that should never pass the door.

Any bytes, any mail nearly right (odd charsets, encoded words nobody can decode, broken
multiparts, reports that claim to be bounces), and mail with huge or countless headers are
answered 202, 204 or 4xx; nothing logs an error, and a refused one changes nothing. A missing or
wrong bearer token is refused with 401 whatever the mail holds, and a body that is not
``message/rfc822`` with 415.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.email.kit import CUSTOMER, mail
from tests.fuzz.kit import EMAIL_TOKEN, Everything, assert_quiet, observe
from tests.fuzz.strategies import bodies as any_bytes
from tests.fuzz.strategies import fuzz, texts
from tests.fuzz.strategies.email import MIME, huge, mails, post

pytestmark = pytest.mark.asyncio(loop_scope="session")
ANSWERS = (202, 204, 400, 413)
"""Queued or recorded, nothing to queue, unreadable, too large."""


async def answered_cleanly(bot: Everything, caplog: pytest.LogCaptureFixture, raw: bytes) -> None:
    """``raw``, posted with our token, is answered with one of :data:`ANSWERS`, quietly, and a
    refused one stores nothing."""
    caplog.clear()
    before = bot.footprint()
    status = await post(bot, raw)
    assert status in ANSWERS
    await bot.settle()
    assert_quiet(caplog)
    observe(status, before, bot)


@fuzz(150)
@given(body=any_bytes)
async def test_any_authorised_body_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    await answered_cleanly(bot, caplog, body)


@fuzz(300)
@given(raw=mails)
async def test_any_authorised_mail_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    await answered_cleanly(bot, caplog, raw)


@fuzz(40)
@given(raw=huge)
async def test_mail_with_huge_or_countless_headers_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    await answered_cleanly(bot, caplog, raw)


@fuzz(80)
@given(
    raw=mails | st.just(mail("where is my order").as_bytes()),
    authorization=st.one_of(
        st.none(),
        st.sampled_from(
            [
                "",
                "Bearer",
                "Bearer ",
                f"Bearer {EMAIL_TOKEN}x",
                f"Bearer {EMAIL_TOKEN[:-1]}",
                f"Basic {EMAIL_TOKEN}",
                EMAIL_TOKEN,
                f"Token {EMAIL_TOKEN}",
                "Bearer another-token-0123456789abcdef",
            ]
        ),
        texts.filter(lambda t: t.isascii() and t.isprintable()).map(lambda t: f"Bearer {t}"),
    ),
)
async def test_a_missing_or_wrong_bearer_changes_nothing(
    bot: Everything, caplog: pytest.LogCaptureFixture, raw: bytes, authorization: str | None
) -> None:
    caplog.clear()
    before = bot.footprint()
    assert await post(bot, raw, authorization=authorization) == 401
    await bot.settle()
    assert_quiet(caplog)
    assert bot.footprint() == before


@fuzz(60)
@given(
    raw=mails | st.just(mail("where is my order").as_bytes()),
    content_type=st.one_of(
        st.none(),
        st.sampled_from(
            [
                "text/plain",
                "message/rfc822x",
                "message/rfc822-headers",
                "message/global",
                "multipart/form-data; boundary=x",
                "application/json",
                "application/x-www-form-urlencoded",
                "message",
                "rfc822",
            ]
        ),
        st.from_regex(r"[a-z]{1,10}/[a-z0-9.+-]{1,20}", fullmatch=True).filter(
            lambda kind: kind != MIME
        ),
    ),
)
async def test_a_body_that_is_not_a_mail_message_is_refused(
    bot: Everything, caplog: pytest.LogCaptureFixture, raw: bytes, content_type: str | None
) -> None:
    caplog.clear()
    before = bot.footprint()
    assert await post(bot, raw, content_type=content_type) == 415
    await bot.settle()
    assert_quiet(caplog)
    assert bot.footprint() == before


async def test_a_plain_mail_is_queued_and_answered_by_mail(
    bot: Everything, caplog: pytest.LogCaptureFixture
) -> None:
    # The fuzzers' baseline: a proper mail passes the door and the bot mails its answer (to a
    # sender of its own: the fuzzed ones may have unsubscribed).
    caplog.clear()
    before, sent = bot.footprint(), len(bot.smtp.inbox.received)
    assert await post(bot, mail("where is my order", "baseline@customer.example").as_bytes()) == 202
    await bot.settle()
    assert bot.footprint() != before
    [answer] = (await bot.smtp.wait(sent + 1))[sent:]
    assert answer.recipients == ["baseline@customer.example"]
    assert_quiet(caplog)


SLOW = {
    "a From with nested comments": f"From: {CUSTOMER} " + "(a(b(c)))" * 1800 + "\r\n\r\nhi",
    "parts with long parameters": f"From: {CUSTOMER}\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    + ("--b\r\nContent-Type: text/plain; " + "a=b; " * 190 + "\r\n\r\nx\r\n") * 30
    + "--b--\r\n",
    "a hundred parts": f"From: {CUSTOMER}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    + "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 100
    + "--b--\r\n",
}
"""Mail whose headers the standard library takes seconds of CPU to parse (16 KB of nested
comments in a From: 5 s; 30 parts with a 1 KB Content-Type each: 10 s)."""


@pytest.mark.parametrize("name", sorted(SLOW))
async def test_mail_too_slow_to_parse_is_refused_at_once(
    bot: Everything, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.clear()
    before = bot.footprint()
    started = time.perf_counter()
    assert await post(bot, SLOW[name].encode()) == 400
    assert time.perf_counter() - started < 1.0
    await bot.settle()
    assert bot.footprint() == before
    assert_quiet(caplog)
