"""WhatsApp for the Telegram benchmark's load generator: signed Cloud API notifications to
post, and a stub Graph API that receives the bot's replies.

:class:`GraphStub` plugs into a :class:`~bench.telegram_load.Driver` (same process, same event
loop): :meth:`GraphStub.notification` builds a customer's next webhook as Meta does (a text
message with a fresh message id and the current timestamp, ``X-Hub-Signature-256`` over the
exact bytes with the app secret), and ``POST /{version}/{phone_number_id}/messages`` answers
as cheaply as the Bot API stub answers ``sendMessage``, handing each message to the driver
the moment it arrives. The read receipts (with the typing indicator) the channel sends
after acknowledging a notification reach the same path; they are counted, not matched.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bench.telegram_load import Driver
from bench.traffic import Message
from tests.fakes.whatsapp_notifications import encode, sign, text

ACCESS_TOKEN = "EAAGStubWhatsappTokenForTheOmnibotBench0123456789"
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "bench-app-secret-0123456789abcdef"
VERIFY_TOKEN = "bench-verify-token"
VERSION = "v21.0"
WA_PREFIX = "55119"
"""Customer ``n``'s number is ``55119`` and ``n`` in 8 digits (13 digits, as a Brazilian
mobile's)."""


def wa_id(customer: int) -> str:
    """The WhatsApp number of the bench's customer ``customer``."""
    return f"{WA_PREFIX}{customer:08d}"


class GraphStub:
    """The messages endpoint of the Graph API, for the bench; :attr:`calls` counts what it
    received: ``messages`` (replies), ``read`` (read receipts) and ``typing`` (of those, the
    ones that show the typing indicator)."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.calls = {"messages": 0, "read": 0, "typing": 0}
        self.refused = 0
        """Calls refused: wrong token, number or version, or a message without ``to``."""
        self._ids = itertools.count(1)
        self._bearer = f"Bearer {ACCESS_TOKEN}"
        driver.routes.append(web.post("/{version}/{number}/messages", self.messages))

    def notification(self, customer: int, said: Message) -> tuple[bytes, Mapping[str, str]]:
        """The webhook Meta posts when ``customer`` writes ``said``."""
        body = encode(text(wa_id(customer), said.text, number_id=PHONE_NUMBER_ID))
        headers = {"X-Hub-Signature-256": sign(body, APP_SECRET)}
        return body, headers | {"Content-Type": "application/json"}

    async def messages(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        wrong = (
            request.headers.get("Authorization") != self._bearer
            or request.match_info["number"] != PHONE_NUMBER_ID
            or request.match_info["version"] != VERSION
            or request.content_type != "application/json"
        )
        body: dict[str, Any] = {} if wrong else await request.json()
        if body.get("status") == "read" and body.get("message_id"):
            self.calls["read"] += 1
            self.calls["typing"] += "typing_indicator" in body
            return web.json_response({"success": True})
        to = str(body.get("to", ""))
        if not to.startswith(WA_PREFIX) or body.get("messaging_product") != "whatsapp":
            self.refused += 1
            error = {"message": "refused by the bench's stub", "type": "OAuthException"}
            return web.json_response({"error": error | {"code": 100}}, status=400)
        self.calls["messages"] += 1
        self.driver.arrived(int(to.removeprefix(WA_PREFIX)), arrived, said(body))
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.BENCH{next(self._ids):010d}"}],
            }
        )


def said(body: dict[str, Any]) -> str:
    """The text of a message the bot sends: plain, or the body of an interactive one."""
    if isinstance(body.get("text"), dict):
        return str(body["text"].get("body", ""))
    interactive = body.get("interactive")
    if isinstance(interactive, dict) and isinstance(interactive.get("body"), dict):
        return str(interactive["body"].get("text", ""))
    return ""
