"""Structured logs: one JSON object per line, with the customer in context, secrets and
personal data redacted.

What keeps secrets and personal data out of the logs, in layers:

1. omnibot's own code never logs a message's text, a phone number, an e-mail or a code; refusals
   name the field that was wrong, never its value; the access log never has the query string.
2. :class:`Redacting` (installed by :func:`configure`) replaces, in every finished line, the
   values of the secrets the bot was configured with, what the customer said in the turn being
   run (:func:`hiding`: a designer's action may quote it in an error), and whatever *looks like*
   a secret or personal data (:data:`PATTERNS`): bot tokens, bearer credentials, passwords in
   URLs, credential-like query parameters, JWTs, e-mail addresses and international phone
   numbers.
3. Vendor SDKs that log whole requests at debug level (bodies hold customers' messages) are
   kept at info, and aiohttp's traceback for a malformed request (which quotes the request
   line) becomes one line without it (:class:`MalformedRequests`).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

from aiohttp.http_exceptions import HttpProcessingError

_customer: contextvars.ContextVar[str | None] = contextvars.ContextVar("customer", default=None)
_hidden: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("hidden", default=())
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
REDACTED = "[redacted]"
PHONE = "[phone]"
EMAIL = "[email]"
SAID = "[said]"
SHORTEST_HIDDEN = 4
"""What a customer said is hidden from the lines of their turn when it is at least this long (a
"2" or a "yes" would only garble the line around it)."""

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![0-9])\d{5,16}:[A-Za-z0-9_-]{30,}"), REDACTED),  # a Telegram bot token
    (re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]{8,}"), REDACTED),  # Slack tokens
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), rf"\1 {REDACTED}"),
    (re.compile(r"\b([a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]+@"), rf"\1{REDACTED}@"),
    (
        re.compile(
            r"([?&;](?:t|token|access_token|secret|signature|sig|key|code|password|link)=)"
            r"[^&\s\"']+",
            re.IGNORECASE,
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+"), REDACTED),  # JWT
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), EMAIL),
    (re.compile(r"\+[1-9](?:[ ().-]{0,2}\d){6,14}\b"), PHONE),
)
"""What is redacted wherever it appears, whether or not the bot knows the value: secrets by
their shape, and personal data (e-mail addresses, phone numbers in international form)."""

VERBOSE_VENDORS = ("omnibot.slack.sdk", "slack_sdk", "slack_bolt", "twilio")
"""Loggers of SDKs that write whole requests (customers' messages) at debug level."""


@contextlib.contextmanager
def customer_context(customer_id: str) -> Iterator[None]:
    """Tag every log line written inside the block with ``customer_id``."""
    token = _customer.set(customer_id)
    try:
        yield
    finally:
        _customer.reset(token)


@contextlib.contextmanager
def hiding(*said: str) -> Iterator[None]:
    """Redact ``said`` (what the customer said in the turn being run) from every line logged
    inside the block, as ``[said]``."""
    kept = tuple(value for value in said if len(value) >= SHORTEST_HIDDEN)
    token = _hidden.set(_hidden.get() + kept)
    try:
        yield
    finally:
        _hidden.reset(token)


class Redacting(logging.Formatter):
    """Wraps a formatter and redacts the finished line (message, extra fields and tracebacks
    alike): the known secret values, what the customer said in the turn being logged, then
    everything :data:`PATTERNS` recognises."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self._inner = inner
        self._secrets = _forms(s for s in secrets if len(s) >= 6)

    def format(self, record: logging.LogRecord) -> str:
        line = self._inner.format(record)
        hidden = _hidden.get()
        if hidden:
            for said in _forms(hidden):
                line = line.replace(said, SAID)
        return redact(line, self._secrets)


def _forms(values: Iterable[str]) -> list[str]:
    """Each value as written and as JSON escapes it, longest first (so that a value holding
    another is replaced whole)."""
    forms = {form for value in values for form in (value, json.dumps(value)[1:-1])}
    return sorted(forms, key=len, reverse=True)


def redact(line: str, secrets: Iterable[str] = ()) -> str:
    """``line`` without the values in ``secrets`` (longest first) and without anything that
    :data:`PATTERNS` recognises."""
    for secret in secrets:
        line = line.replace(secret, REDACTED)
    for pattern, replacement in PATTERNS:
        line = pattern.sub(replacement, line)
    return line


def secret_parts(value: str) -> list[str]:
    """A secret and the parts of it that may be logged on their own: the password of a URL
    (``redis://:pw@host``), the token of a ``name:token`` entry (``OMNIBOT_AGENT_TOKENS``)."""
    parts = [value]
    if "://" in value:
        with contextlib.suppress(ValueError):
            password = urlsplit(value).password
            if password:
                parts.append(password)
    else:
        name, colon, token = value.partition(":")
        if colon and name and token:
            parts.append(token)
    return parts


class MalformedRequests(logging.Filter):
    """aiohttp logs a request it could not even parse (a request line over the limit, a broken
    header) as an error, with a traceback that quotes the request. It is the client's mistake,
    answered 400: this makes it one info line naming the problem's kind, nothing of the
    request."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 0) < 500:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = "refused a malformed HTTP request (%s)", (type(exc).__name__,)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_malformed_requests() -> None:
    """Install :class:`MalformedRequests` on aiohttp's server logger (once)."""
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequests) for f in server.filters):
        server.addFilter(MalformedRequests())


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "customer", ...extra}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        customer = _customer.get()
        if customer:
            line["customer"] = customer
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(level: str = "info", json_lines: bool = True, secrets: Iterable[str] = ()) -> None:
    """Send omnibot's logs (and aiohttp's) to stderr in the chosen format, redacted."""
    handler = logging.StreamHandler(sys.stderr)
    inner = (
        JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    handler.setFormatter(Redacting(inner, [part for s in secrets for part in secret_parts(s)]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in VERBOSE_VENDORS:
        vendor = logging.getLogger(name)
        vendor.setLevel(max(vendor.getEffectiveLevel(), logging.INFO))
    quiet_malformed_requests()
