"""A bot with a flow that runs on ``order.shipped``, served in process with the SMS channel on
behind the fake Twilio and ``POST /events`` on, and events signed as the store signs them: with
the ``standardwebhooks`` package itself."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from standardwebhooks import Webhook

from bot.format.messages import VerifiedAttribute
from bot.turn.store import Memory
from memory import EmbeddedMemory
from memory.redis.connection import close, connect
from tests.sms.kit import CUSTOMER, SmsBot

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_" + "QmFkU2VjcmV0QmFkU2VjcmV0QmFkU2VjcmV0MTIz"
SHIPPED = {"order": "A-12345", "tracking_url": "https://track.example/A-12345"}

FLOWS = """
slots:
  rating:
    type: integer
    prompt: How would you rate the delivery, 1 to 5?
  size:
    type: choice
    prompt: Which size?
    options:
      - {value: small, title: Small}
      - {value: large, title: Large}

flows:
  shipped:
    triggers: {event: order.shipped}
    steps:
      - say: "Your order {{ event.data.order }} is on its way: {{ event.data.tracking_url }}"
      - ask: rating
      - say: "Thanks for rating {{ slots.rating }}. Track it at {{ event.data.tracking_url }}"
  sizes:
    triggers:
      en: [change the size]
    steps:
      - ask: size
      - say: "Size {{ slots.size }} it is."
"""


def bot_folder(root: Path, namespace: str, outreach: str = "") -> Path:
    """The bot: English, words only, its own memory namespace, ``outreach`` as given."""
    (root / "flows").mkdir(parents=True)
    config = f"name: Shop\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n{outreach}"
    (root / "bot.yaml").write_text(config)
    (root / "flows" / "main.yaml").write_text(FLOWS)
    return root


def body(
    customer: dict[str, str] | None = None, data: dict[str, Any] | None = None, **more: Any
) -> bytes:
    """An ``order.shipped`` event for the customer (``CUSTOMER``'s phone by default)."""
    event = {
        "type": "order.shipped",
        "customer": customer or {"phone": CUSTOMER},
        "data": SHIPPED if data is None else data,
        **more,
    }
    return json.dumps(event).encode()


def signed(
    raw: bytes,
    webhook_id: str | None = None,
    secret: str = SECRET,
    at: datetime | None = None,
) -> dict[str, str]:
    """The Standard Webhooks headers for ``raw``, signed by the package's own ``sign``."""
    webhook_id = webhook_id or f"msg_{secrets.token_hex(8)}"
    at = at or datetime.now(UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, raw),
        "Content-Type": "application/json",
    }


def ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class EventsBot:
    """The served bot, where its events go, and what its memory holds."""

    sms: SmsBot
    url: str
    backend: str
    backend_url: str
    namespace: str

    @property
    def memory(self) -> Memory:
        return self.sms.runtime.memory

    async def post(self, raw: bytes, headers: dict[str, str]) -> Answer:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/events", data=raw, headers=headers) as response,
        ):
            return Answer(response.status, await response.json(content_type=None))

    async def send(self, raw: bytes | None = None, **signing: Any) -> Answer:
        raw = body() if raw is None else raw
        return await self.post(raw, signed(raw, **signing))

    async def owner(self, kind: str, value: str) -> str | None:
        issuer = "webchat" if kind == "external_id" else "events"
        given = {"kind": kind, "value": value, "issuer": issuer}
        attribute = VerifiedAttribute.model_validate(given)
        return await self.memory.owner(attribute)

    async def stored(self) -> int:
        """How many things the memory keeps, but rate budgets (which count refusals)."""
        if isinstance(self.memory, EmbeddedMemory):
            held = self.memory.holdings()
            return held.customers + held.identities + held.attributes + held.secrets
        client = connect(self.backend_url)
        try:
            pattern = f"{self.namespace}:*"
            keys = [k async for k in client.scan_iter(match=pattern, count=1000)]
        finally:
            await close(client)
        return len([k for k in keys if b":rate:" not in k])


async def post_queued(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> None:
    """Post the signed event ``raw`` on an open connection (a test that chose which worker
    accepted it), then close it; the bot must answer 202."""
    headers = {**signed(raw), "Host": "bot.example.test", "Connection": "close"}
    headers["Content-Length"] = str(len(raw))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(f"POST /events HTTP/1.1\r\n{head}\r\n".encode() + raw)
    status_line = await reader.readline()
    await reader.read()
    writer.close()
    await writer.wait_closed()
    assert status_line.split()[1] == b"202", status_line
