"""``POST /events``: business events from the store's systems (docs/outreach.md).

In order, each step refusing what fails it, and nothing written before the throttle:

1. the body is at most :data:`MAX_EVENT_BODY` bytes (413);
2. it is signed per Standard Webhooks with ``OMNIBOT_EVENTS_SECRET`` within five minutes of now
   (:mod:`bot.outreach.events.signing`; 401), so a forged, altered, stale or replayed-later request
   costs one HMAC and touches no memory;
3. it is a business event (:mod:`bot.outreach.events.business`; 400 naming the field);
4. its client and everyone together are within ``outreach.events_per_source`` and
   ``outreach.events`` (429);
5. its customer is found, or made where ``outreach.create_customers`` allows
   (:mod:`bot.outreach.events.customers`); an event for nobody is answered 202 ``unknown_customer``
   and dropped, so that the store does not retry it for days;
6. it is queued for the customer's turn as a system event whose id is the ``webhook-id``: a
   redelivery is the same id, deduplicated with the customer's inputs, and answered 202
   ``duplicate``. 202 ``queued`` once it is durably queued; 503 when the memory cannot be
   reached or the customer's inbox is full, so that the store retries.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from aiohttp import web

from bot.app.config import OutreachSection, RateSection
from bot.connector import Submission, SubmitResult
from bot.errors import InboundRejected, MemoryUnavailable
from bot.format.messages import SystemEvent, utcnow
from bot.http.sources import request_source
from bot.http.untrusted import body, header, parse_json
from bot.outreach.events.business import MAX_WEBHOOK_ID, read_event
from bot.outreach.events.customers import Customers
from bot.outreach.events.signing import HEADERS, verify
from bot.turn.store import Memory

log = logging.getLogger("omnibot.events")

MAX_EVENT_BODY = 64 * 1024
"""The largest event body: what a flow reads of an order, not the order's history (its
``data`` rides with the flow in the customer's record until the flow ends)."""
RETRY_AFTER = "5"


class EventsRoute:
    """The ``POST /events`` handler of one running bot."""

    def __init__(
        self,
        secret: str,
        outreach: OutreachSection,
        memory: Memory,
        notify: Callable[[str, SystemEvent], Awaitable[Submission]],
        clock: Callable[[], datetime] = utcnow,
        tokens: Callable[[], str] = lambda: f"events:{secrets.token_hex(8)}",
    ) -> None:
        self._secret = secret
        self._outreach = outreach
        self._memory = memory
        self._notify = notify
        self._customers = Customers(memory, frozenset(outreach.create_customers), clock, tokens)

    def routes(self) -> Sequence[web.RouteDef]:
        """The one route."""
        return [web.post("/events", self.receive)]

    async def receive(self, request: web.Request) -> web.Response:
        """One business event; see the module docstring for the answers."""
        raw = await body(request)
        if len(raw) > MAX_EVENT_BODY:
            raise InboundRejected(413, f"an event is at most {MAX_EVENT_BODY:,} bytes")
        signed = {name: value for name in HEADERS if (value := header(request, name))}
        verify(self._secret, raw, signed)
        webhook_id = signed["webhook-id"]
        if len(webhook_id) > MAX_WEBHOOK_ID:
            raise InboundRejected(400, f"webhook-id: at most {MAX_WEBHOOK_ID} characters")
        event = read_event(parse_json(raw))
        try:
            await self._admit(request_source(request))
            customer_id = await self._customers.find(event.customer.attribute())
            if customer_id is None:
                log.info("event %s for an unknown %s dropped", event.type, event.customer.kind)
                return _accepted("unknown_customer")
            submission = await self._notify(customer_id, event.system_event(webhook_id))
        except MemoryUnavailable as exc:
            log.warning("event not accepted, the store will retry: %s", exc)
            return _unavailable("the bot's memory cannot be reached")
        if submission.result is SubmitResult.BUSY:
            return _unavailable("too many inputs are waiting for this customer")
        return _accepted("duplicate" if submission.result is SubmitResult.DUPLICATE else "queued")

    async def _admit(self, source: str) -> None:
        """Raise a 429 when the client, or everyone together, is over budget."""
        if not await self._allow(f"events:source:{source}", self._outreach.events_per_source):
            raise InboundRejected(429, "too many events from this client; retry later")
        if not await self._allow("events:all", self._outreach.events):
            raise InboundRejected(429, "too many events; retry later")

    async def _allow(self, key: str, rate: RateSection) -> bool:
        return await self._memory.throttle(key, rate.burst, rate.per_minute / 60)


def _accepted(status: str) -> web.Response:
    return web.json_response({"status": status}, status=202)


def _unavailable(message: str) -> web.Response:
    body = {"error": "unavailable", "message": message}
    return web.json_response(body, status=503, headers={"Retry-After": RETRY_AFTER})
