"""``omnibot event``: one business event, signed as the store would sign it, sent to a running
bot, and its answer in words (for designers trying the flows that run on events)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import TextIO

import aiohttp
from pydantic import JsonValue

from bot.format.messages import utcnow
from bot.outreach.events.signing import sign

KINDS = ("phone", "email", "external_id")
_TOLD = {
    "queued": "queued for the customer's turn",
    "duplicate": "already received (same webhook-id): nothing done again",
    "unknown_customer": (
        "no customer has that attribute, and bot.yaml's outreach.create_customers does not let "
        "an event make one: nothing done"
    ),
}


class EventUsageError(ValueError):
    """What was typed is not an event (``--customer`` or ``--data``)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the bot said: the HTTP status and the body's ``status`` or ``error``."""

    status: int
    outcome: str

    @property
    def accepted(self) -> bool:
        """The event was queued, now or before."""
        return self.status == 202 and self.outcome in ("queued", "duplicate")

    def told(self) -> str:
        """The answer in words."""
        return f"{self.status} {self.outcome}: {_TOLD.get(self.outcome, '')}".rstrip(": ")


def event_body(event_type: str, customer: str, data: str | None) -> bytes:
    """The body for ``TYPE --customer KIND:VALUE --data JSON``; raises
    :class:`EventUsageError` for a customer or data that is not one."""
    kind, _, value = customer.partition(":")
    if kind not in KINDS or not value:
        raise EventUsageError(f"--customer is KIND:VALUE with KIND one of {', '.join(KINDS)}")
    try:
        parsed: JsonValue = json.loads(data) if data else {}
    except ValueError as exc:
        raise EventUsageError("--data is not JSON") from exc
    if not isinstance(parsed, dict):
        raise EventUsageError('--data is a JSON object, such as \'{"order": "A1"}\'')
    body = {"type": event_type, "customer": {kind: value}, "data": parsed}
    return json.dumps(body, ensure_ascii=False).encode()


def new_webhook_id() -> str:
    """A fresh ``webhook-id``."""
    return f"evt_{secrets.token_hex(12)}"


async def send(url: str, secret: str, body: bytes, webhook_id: str) -> Answer:
    """POST ``body`` to ``url`` signed with ``secret`` as ``webhook_id``; raises
    :class:`aiohttp.ClientError` or :class:`TimeoutError` when nothing answers."""
    headers = sign(secret, webhook_id, body, utcnow())
    headers["Content-Type"] = "application/json"
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        try:
            answered = await response.json(content_type=None)
        except ValueError:
            answered = {}
        said = answered if isinstance(answered, dict) else {}
        outcome = said.get("status") or said.get("error") or response.reason or ""
        return Answer(response.status, str(outcome))


def report(answer: Answer, webhook_id: str, out: TextIO) -> int:
    """Print the answer; the exit status (0 when the event was queued, now or before)."""
    print(f"{answer.told()} (webhook-id {webhook_id})", file=out)
    return 0 if answer.accepted else 1
