"""Answering a provider's webhook the same way on every channel.

Acknowledge only once the events are durably queued (the provider's retry is the safety net
until then); a redelivery is acknowledged too (it was queued before); when the memory cannot be
reached, or the customer's inbox is full, answer 503 so that the provider retries later; a
forged or malformed request is refused with its 4xx and nothing is queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from aiohttp import web

from bot.connector import Core, SubmitResult
from bot.errors import InboundRejected, MemoryUnavailable
from bot.format.messages import InboundEvent

log = logging.getLogger("omnibot.webhook")
RETRY_AFTER = "5"


async def queue(
    core: Core,
    events: Sequence[InboundEvent],
    acknowledge: Callable[[], web.StreamResponse],
) -> web.StreamResponse:
    """Submit ``events`` in order; ``acknowledge()`` once all are queued, else a 503."""
    try:
        for event in events:
            submission = await core.submit(event)
            if submission.result is SubmitResult.BUSY:
                return unavailable("busy", "too many messages are waiting for this customer")
    except MemoryUnavailable as exc:
        log.warning("webhook not accepted, the provider will retry: %s", exc)
        return unavailable("unavailable", "the bot's memory cannot be reached")
    return acknowledge()


def refuse(error: InboundRejected) -> web.Response:
    """The 4xx for a forged or malformed request (its reason, never its content)."""
    log.info("webhook refused: %s %s", error.status, error.reason)
    return web.json_response({"error": error.reason}, status=error.status)


def unavailable(code: str, message: str | None = None) -> web.Response:
    """The 503 that has the provider retry later: ``code`` says why, ``message`` to a person."""
    body = {"error": code} if message is None else {"error": code, "message": message}
    return web.json_response(body, status=503, headers={"Retry-After": RETRY_AFTER})
