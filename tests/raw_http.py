"""Requests written byte by byte, for tests that send what no HTTP client would: headers of bytes
no encoding names, bodies cut short. :data:`ISSUE_17` holds what the security review of issue
17 sent (finding 9), each of which got a 500 and a traceback."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sent:
    """What one request writes: its parts, and whether it stops half way (its length says more
    is coming, or the chunk that ends a chunked body never comes). ``{now}`` in a header is the
    current time, in seconds."""

    method: bytes
    target: bytes
    headers: list[bytes]
    body: bytes
    cut: bool = False
    chunked: bool = False

    def bytes(self) -> bytes:
        if self.chunked:
            framing = b"Transfer-Encoding: chunked"
        else:
            framing = b"Content-Length: " + str(len(self.body) + (100 if self.cut else 0)).encode()
        head = [
            self.method + b" " + self.target + b" HTTP/1.1",
            b"Host: bot.example.test",
            framing,
            *self.headers,
        ]
        now = str(int(time.time())).encode()
        return b"\r\n".join(head).replace(b"{now}", now) + b"\r\n\r\n" + self.body


DEEP = b"[" * 50_000 + b"]" * 50_000
"""A JSON array 50,000 deep: deeper than Python's stack."""

FORM = b"Content-Type: application/x-www-form-urlencoded"

ISSUE_17: dict[str, tuple[bytes, bytes, list[bytes], bytes]] = {
    "non-ASCII Telegram secret": (
        b"POST",
        b"/telegram/webhook",
        [b"X-Telegram-Bot-Api-Secret-Token: \xc3\xa9\xff"],
        b"{}",
    ),
    "non-ASCII Direct Line bearer": (
        b"POST",
        b"/v3/directline/tokens/generate",
        [b"Authorization: Bearer \xc3\xa9\xff"],
        b"",
    ),
    "non-ASCII console cookie": (
        b"GET",
        b"/agent/api/session",
        [b"Cookie: omnibot_agent=\xc3\xa9\xff"],
        b"",
    ),
    "non-ASCII Slack signature": (
        b"POST",
        b"/slack/events",
        [b"X-Slack-Request-Timestamp: {now}", b"X-Slack-Signature: v0=\xc3\xa9"],
        b"{}",
    ),
    "non-digit file link expiry": (
        b"GET",
        b"/telegram/files/AgAC?expires=%C2%B2&signature=x",
        [],
        b"",
    ),
    "5,000-digit file link expiry": (
        b"GET",
        b"/telegram/files/AgAC?expires=" + b"9" * 5000 + b"&signature=x",
        [],
        b"",
    ),
    "5,000-digit Slack timestamp": (
        b"POST",
        b"/slack/events",
        [b"X-Slack-Request-Timestamp: " + b"9" * 5000, b"X-Slack-Signature: v0=aa"],
        b"{}",
    ),
    "non-digit Slack timestamp": (
        b"POST",
        b"/slack/events",
        ["X-Slack-Request-Timestamp: ²".encode(), b"X-Slack-Signature: v0=aa"],
        b"{}",
    ),
    "50,000-deep JSON to Slack": (
        b"POST",
        b"/slack/events",
        [b"Content-Type: application/json"],
        DEEP,
    ),
    "50,000-deep JSON to the console": (
        b"POST",
        b"/agent/api/session",
        [b"Content-Type: application/json"],
        DEEP,
    ),
    "a form that is not UTF-8 to Twilio": (
        b"POST",
        b"/sms/twilio",
        [FORM, b"X-Twilio-Signature: x"],
        b"Body=\xff\xfe&From=%FF",
    ),
    "a form that is not UTF-8 to Twilio's status": (
        b"POST",
        b"/sms/twilio/status",
        [FORM, b"X-Twilio-Signature: x"],
        b"Body=\xff\xfe",
    ),
    "charset=x-nope to Twilio": (
        b"POST",
        b"/sms/twilio",
        [FORM + b"; charset=x-nope", b"X-Twilio-Signature: x"],
        b"Body=a",
    ),
    "charset=x-nope to Slack": (
        b"POST",
        b"/slack/events",
        [b"Content-Type: application/json; charset=x-nope"],
        b"{}",
    ),
    "charset=x-nope to the console": (
        b"POST",
        b"/agent/api/session",
        [b"Content-Type: application/json; charset=x-nope"],
        b"{}",
    ),
}
"""What the security review sent, by name: method, target, headers, body."""
