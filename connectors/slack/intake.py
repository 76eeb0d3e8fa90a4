"""The end of the bolt app's middleware chain: a verified Slack request becomes queued events.

Bolt's own middleware runs first: the signature check with its five-minute window (over HTTP;
Socket Mode needs none), ``ssl_check`` and ``url_verification``, ``auth.test`` (once per worker)
and dropping the bot's own events. What reaches :class:`Intake` is parsed into typed payloads;
what happens in the agent desk's channel goes to the desk (:mod:`connectors.slack.desk`), the
rest is turned into the core's events and queued, and only then does bolt answer: its 200, or
the Socket Mode acknowledgement, means "recorded", and the turn runs afterwards in the core's
tracked task. A request the core cannot record gets a 503 (and no acknowledgement over Socket
Mode), so Slack sends it again; the core processes a repeated event once.

No bolt listeners are registered: bolt calls listener functions by their parameter names, and
one typed middleware with a fixed signature does the whole job for both transports.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.connector import Core
from bot.errors import InboundRejected, MemoryUnavailable
from bot.format.messages import Address, InboundEvent
from bot.format.transcript import InboundEntry
from connectors.slack import inbound
from connectors.slack.desk import SlackDesk
from connectors.slack.inbound import Heard
from connectors.slack.people import People
from connectors.slack.settings import CHANNEL
from connectors.webhook import RETRY_AFTER, queue, refuse

log = logging.getLogger("omnibot.slack")

RECENT = 50
"""How far back in a customer's transcript to look for where they last wrote on Slack."""


class Intake(AsyncMiddleware):
    """Parse, identify, queue, then let bolt acknowledge."""

    def __init__(self, core: Core, people: People, desk: SlackDesk | None = None) -> None:
        self._core = core
        self._people = people
        self._desk = desk

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        """Answer the request; the chain ends here (``next`` is never called)."""
        try:
            request = inbound.read(req.body)
            if self._desk is not None and self._desk.concerns(request):
                await self._desk.handle(request, req.context.bot_user_id)
                return _bolt(_acknowledge())
            found = inbound.parse(request, req.context.bot_user_id)
            events = [await self._event(found)] if found and await self._for_bot(found) else []
        except InboundRejected as error:
            return _bolt(refuse(error))
        except MemoryUnavailable as exc:
            log.warning("Slack event not accepted, Slack will send it again: %s", exc)
            return _unavailable()
        if not events:
            log.debug("Slack request acknowledged, nothing in it for the bot")
        return _bolt(await queue(self._core, events, _acknowledge))

    async def _event(self, found: Heard) -> InboundEvent:
        return found.event(await self._people.get(found.address.user_id))

    async def _for_bot(self, found: Heard) -> bool:
        """A thread reply without a mention is the bot's only in the thread where the customer
        last wrote to the bot on Slack (people talk among themselves in threads too)."""
        if not found.thread_reply:
            return True
        here = found.address
        last = await self._last_address(here)
        return last is not None and (last.conversation_id, last.thread_id) == (
            here.conversation_id,
            here.thread_id,
        )

    async def _last_address(self, address: Address) -> Address | None:
        """Where the person last wrote to the bot on Slack, from their recent transcript."""
        customer = await self._core.customer_of(address.identity)
        if customer is None:
            return None
        for logged in reversed(await self._core.entries(customer, None, RECENT)):
            event = logged.entry.event if isinstance(logged.entry, InboundEntry) else None
            if isinstance(event, InboundEvent) and event.channel == CHANNEL:
                return event.address
        return None


def _acknowledge() -> web.Response:
    return web.Response(status=200)


def _bolt(response: web.StreamResponse) -> BoltResponse:
    """:mod:`connectors.webhook` holds every channel's acknowledgement policy as aiohttp
    responses; bolt answers Slack with its own type."""
    body = response.text if isinstance(response, web.Response) and response.text else ""
    retry = response.headers.get("Retry-After")
    return BoltResponse(
        status=response.status, body=body, headers={"retry-after": retry} if retry else None
    )


def _unavailable() -> BoltResponse:
    return BoltResponse(
        status=503,
        body={"error": "unavailable", "message": "the bot's memory cannot be reached"},
        headers={"retry-after": RETRY_AFTER},
    )
