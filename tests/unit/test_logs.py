"""Structured logs: one JSON object per line, the customer in context, secrets redacted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.logs import REDACTED, JsonFormatter, Redacting, customer_context

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
