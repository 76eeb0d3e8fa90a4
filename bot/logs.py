"""Structured logs: one JSON object per line, with the customer in context, secrets redacted."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

_customer: contextvars.ContextVar[str | None] = contextvars.ContextVar("customer", default=None)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
REDACTED = "[redacted]"


@contextlib.contextmanager
def customer_context(customer_id: str) -> Iterator[None]:
    """Tag every log line written inside the block with ``customer_id``."""
    token = _customer.set(customer_id)
    try:
        yield
    finally:
        _customer.reset(token)


class Redacting(logging.Formatter):
    """Wraps a formatter and replaces known secret values (tokens, signing secrets) wherever
    they appear in the finished line: message, extra fields and tracebacks alike."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self._inner = inner
        forms = {form for s in secrets if len(s) >= 6 for form in (s, json.dumps(s)[1:-1])}
        self._secrets = sorted(forms, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self._inner.format(record)
        for secret in self._secrets:
            line = line.replace(secret, REDACTED)
        return line


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
    """Send omnibot's logs (and aiohttp's) to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    inner = (
        JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    handler.setFormatter(Redacting(inner, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
