"""Structured logs: one JSON object per line, the customer in context, secrets redacted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiohttp.http_exceptions import LineTooLong

from bot.app.logs import (
    EMAIL,
    PHONE,
    REDACTED,
    SAID,
    VERBOSE_VENDORS,
    JsonFormatter,
    MalformedRequests,
    Redacting,
    configure,
    customer_context,
    hiding,
    redact,
    secret_parts,
)

TOKEN = "123456:telegram-token-abcdef"
SIGNING = "slack-signing-secret-987"


class Capture:
    """A real logger whose lines land in memory."""

    def __init__(self, logger: logging.Logger, stream: io.StringIO) -> None:
        self.logger = logger
        self.stream = stream

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.lines()]

    def use(self, formatter: logging.Formatter) -> None:
        self.logger.handlers[0].setFormatter(formatter)


@pytest.fixture
def log(request: pytest.FixtureRequest) -> Iterator[Capture]:
    logger = logging.getLogger(f"omnibot.tests.{request.node.name}")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield Capture(logger, stream)
    logger.removeHandler(handler)


def test_each_record_is_one_json_object_on_one_line(log: Capture) -> None:
    log.logger.info("first\nsecond line")
    log.logger.warning("other")
    assert len(log.lines()) == 2
    assert [r["message"] for r in log.records()] == ["first\nsecond line", "other"]


def test_a_line_carries_time_level_logger_and_message(log: Capture) -> None:
    log.logger.warning("order %s shipped to %s", "A-1", "Ana")
    [record] = log.records()
    assert set(record) == {"time", "level", "logger", "message"}
    assert record["level"] == "warning"
    assert record["logger"] == log.logger.name
    assert record["message"] == "order A-1 shipped to Ana"
    written = datetime.fromisoformat(str(record["time"]))
    assert written.utcoffset() is not None
    assert abs((datetime.now(UTC) - written).total_seconds()) < 60


def test_time_is_utc_iso_with_milliseconds() -> None:
    record = logging.LogRecord("omnibot", logging.INFO, __file__, 1, "hi", None, None)
    record.created = 1715938215.1234
    assert json.loads(JsonFormatter().format(record))["time"] == "2024-05-17T09:30:15.123+00:00"


def test_non_ascii_text_is_written_as_is(log: Capture) -> None:
    log.logger.info("Olá, João — 注文")
    assert "Olá, João — 注文" in log.lines()[0]


def test_the_customer_in_context_is_on_every_line(log: Capture) -> None:
    with customer_context("c0123456789abcdef"):
        log.logger.info("inside")
    log.logger.info("outside")
    inside, outside = log.records()
    assert inside["customer"] == "c0123456789abcdef"
    assert "customer" not in outside


def test_nested_customer_contexts_restore_the_outer_customer(log: Capture) -> None:
    with customer_context("c-outer"):
        with customer_context("c-inner"):
            log.logger.info("inner")
        log.logger.info("outer")
    assert [r["customer"] for r in log.records()] == ["c-inner", "c-outer"]


def test_customer_context_is_reset_when_the_block_raises(log: Capture) -> None:
    with pytest.raises(RuntimeError), customer_context("c-failing"):
        raise RuntimeError("boom")
    log.logger.info("after")
    assert "customer" not in log.records()[0]


def test_extra_fields_are_written_as_keys(log: Capture) -> None:
    log.logger.info("sent", extra={"channel": "sms", "attempt": 2, "ok": True, "ids": ["m1"]})
    [record] = log.records()
    assert {k: record[k] for k in ("channel", "attempt", "ok", "ids")} == {
        "channel": "sms",
        "attempt": 2,
        "ok": True,
        "ids": ["m1"],
    }


def test_extra_values_that_are_not_json_are_written_as_text(log: Capture) -> None:
    at = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)
    log.logger.info("due", extra={"due": at})
    assert log.records()[0]["due"] == str(at)


def test_private_extra_fields_are_left_out(log: Capture) -> None:
    log.logger.info("x", extra={"_internal": 1, "public": 2})
    [record] = log.records()
    assert "_internal" not in record
    assert record["public"] == 2


def test_an_exception_is_written_as_its_traceback(log: Capture) -> None:
    try:
        raise ValueError("order A-1 not found")
    except ValueError:
        log.logger.exception("lookup failed")
    [record] = log.records()
    assert record["level"] == "error"
    assert record["message"] == "lookup failed"
    error = str(record["error"])
    assert error.startswith("Traceback (most recent call last):")
    assert error.endswith("ValueError: order A-1 not found")


def test_no_error_key_without_an_exception(log: Capture) -> None:
    log.logger.error("plain")
    assert "error" not in log.records()[0]


def test_secrets_are_redacted_from_the_message(log: Capture) -> None:
    log.use(Redacting(JsonFormatter(), [TOKEN]))
    log.logger.info("calling https://api.telegram.org/bot%s/sendMessage", TOKEN)
    [line] = log.lines()
    assert TOKEN not in line
    assert json.loads(line)["message"] == (
        f"calling https://api.telegram.org/bot{REDACTED}/sendMessage"
    )


def test_secrets_are_redacted_from_extra_fields(log: Capture) -> None:
    log.use(Redacting(JsonFormatter(), [TOKEN, SIGNING]))
    log.logger.info("config", extra={"headers": {"X-Sig": SIGNING}, "token": TOKEN})
    [line] = log.lines()
    assert TOKEN not in line
    assert SIGNING not in line
    record = json.loads(line)
    assert record["token"] == REDACTED
    assert record["headers"] == {"X-Sig": REDACTED}


def test_secrets_are_redacted_from_tracebacks(log: Capture) -> None:
    log.use(Redacting(JsonFormatter(), [TOKEN]))
    try:
        raise PermissionError(f"401 for token {TOKEN}")
    except PermissionError:
        log.logger.exception("send failed")
    [line] = log.lines()
    assert TOKEN not in line
    assert str(json.loads(line)["error"]).endswith(f"PermissionError: 401 for token {REDACTED}")


def test_every_occurrence_of_every_secret_is_redacted(log: Capture) -> None:
    log.use(Redacting(JsonFormatter(), [TOKEN, SIGNING]))
    log.logger.info("%s %s %s", TOKEN, SIGNING, TOKEN)
    assert json.loads(log.lines()[0])["message"] == f"{REDACTED} {REDACTED} {REDACTED}"


def test_a_secret_containing_another_is_redacted_whole(log: Capture) -> None:
    log.use(Redacting(JsonFormatter(), ["abcdef", "abcdef-longer-secret"]))
    log.logger.info("token abcdef-longer-secret")
    assert json.loads(log.lines()[0])["message"] == f"token {REDACTED}"


def test_redacting_works_around_a_plain_text_formatter(log: Capture) -> None:
    log.use(Redacting(logging.Formatter("%(levelname)s %(message)s"), [TOKEN]))
    log.logger.warning("bad token %s", TOKEN)
    assert log.lines() == [f"WARNING bad token {REDACTED}"]


def test_a_secret_with_characters_json_escapes_is_still_redacted(log: Capture) -> None:
    secret = 'pa"ss\\word-42'
    log.use(Redacting(JsonFormatter(), [secret]))
    log.logger.info("connecting with %s", secret)
    [line] = log.lines()
    assert json.loads(line)["message"] == f"connecting with {REDACTED}"


def test_secrets_under_six_chars_are_kept_as_too_short_to_be_real_and_would_mangle_text(
    log: Capture,
) -> None:
    log.use(Redacting(JsonFormatter(), ["info", "abc12", "", "abc123"]))
    log.logger.info("info: abc12 and abc123")
    assert json.loads(log.lines()[0])["message"] == f"info: abc12 and {REDACTED}"
    assert json.loads(log.lines()[0])["level"] == "info"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            "POST https://api.telegram.org/bot123456789:AAFakeTokenForOmnibotTests_0123456789x/x",
            f"POST https://api.telegram.org/bot{REDACTED}/x",
        ),
        ("token xoxb-1234-5678-abcdefghij refused", f"token {REDACTED} refused"),
        ("app token xapp-1-A0-123-abcdef0123", f"app token {REDACTED}"),
        ("Authorization: Bearer eyJ0eXAi.abc-def_ghi", f"Authorization: Bearer {REDACTED}"),
        ("Authorization: Basic QUMxMjM6c2VjcmV0", f"Authorization: Basic {REDACTED}"),
        ("redis://:hunter2@redis:6379/0 down", f"redis://{REDACTED}@redis:6379/0 down"),
        ("GET /x?t=abc.def.ghi&watermark=3", f"GET /x?t={REDACTED}&watermark=3"),
        ("/chat?link=Qx3abc&a=1&signature=f00&code=12345678", None),
        ("id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end", f"id {REDACTED} end"),
        ("from Ana.Souza+shop@example.com.br:", f"from {EMAIL}:"),
        ("sms from +5511987654321 and +1 (202) 555-0143.", f"sms from {PHONE} and {PHONE}."),
        ("order A-12345 at 2026-11-22 12:00, port 6379, id 1732312345678-0", None),
    ],
    ids=[
        "telegram token in a URL",
        "slack bot token",
        "slack app token",
        "bearer credential",
        "basic credential",
        "password in a URL",
        "stream token in a query",
        "link, signature and code in a query",
        "a JWT",
        "an e-mail",
        "phone numbers",
        "what must stay",
    ],
)
def test_what_looks_like_a_secret_or_personal_data_is_redacted_unknown(
    line: str, shown: str | None
) -> None:
    expected = shown if shown is not None else line
    if "link=" in line:
        expected = f"/chat?link={REDACTED}&a=1&signature={REDACTED}&code={REDACTED}"
    assert redact(line) == expected


def test_the_parts_of_a_secret_that_may_be_logged_alone_are_known_too() -> None:
    assert secret_parts("redis://:hunter22@redis:6379/0") == [
        "redis://:hunter22@redis:6379/0",
        "hunter22",
    ]
    assert secret_parts("ana:agent-token-0123456789") == [
        "ana:agent-token-0123456789",
        "agent-token-0123456789",
    ]
    assert secret_parts("plain-secret") == ["plain-secret"]


def test_a_malformed_request_is_one_info_line_without_the_request(log: Capture) -> None:
    log.logger.addFilter(MalformedRequests())
    try:
        raise LineTooLong(b"/healthz?token=s3cret-s3cret", "8190")
    except LineTooLong:
        log.logger.exception("Error handling request from %s", "127.0.0.1")
    [record] = log.records()
    assert record["level"] == "info"
    assert record["message"] == "refused a malformed HTTP request (LineTooLong)"
    assert "error" not in record
    assert "s3cret" not in log.lines()[0]


def test_a_server_error_keeps_its_traceback(log: Capture) -> None:
    log.logger.addFilter(MalformedRequests())
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.logger.exception("Error handling request from %s", "127.0.0.1")
    [record] = log.records()
    assert record["level"] == "error"
    assert "RuntimeError: boom" in str(record["error"])


def test_configure_keeps_the_sdks_that_log_whole_requests_at_info(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    vendors = {name: logging.getLogger(name).level for name in VERBOSE_VENDORS}
    monkeypatch.setattr("sys.stderr", io.StringIO())
    try:
        configure("debug")
        assert root.level == logging.DEBUG
        for name in VERBOSE_VENDORS:
            assert logging.getLogger(name).getEffectiveLevel() == logging.INFO
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name, level in vendors.items():
            logging.getLogger(name).setLevel(level)


def test_what_the_customer_said_is_hidden_from_the_lines_of_their_turn(log: Capture) -> None:
    log.use(Redacting(JsonFormatter(), []))
    with hiding('my order is X-12 "urgent"', "ok"):
        log.logger.info('action failed on: my order is X-12 "urgent" (ok)')
    log.logger.info("after the turn: my order is X-12")
    inside, outside = log.records()
    assert inside["message"] == f"action failed on: {SAID} (ok)"
    assert outside["message"] == "after the turn: my order is X-12"
