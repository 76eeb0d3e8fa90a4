"""The route of Twilio's message status callback, as SMS and WhatsApp through Twilio answer it.

The signature is checked before the form is read; a status is recorded before Twilio is told
204, and a memory out of reach is a 503, so that Twilio calls again. What a status says, and
where it goes, is the channel's (its ``read`` and ``record``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from aiohttp import web

from bot.errors import InboundRejected, MemoryUnavailable
from connectors.twilio.signature import SignatureCheck, verified_form
from connectors.webhook import refuse, unavailable

R = TypeVar("R")


async def answer_status(
    request: web.Request,
    check: SignatureCheck,
    read: Callable[[Mapping[str, str]], R | None],
    record: Callable[[R], Awaitable[None]] | None,
    log: logging.Logger,
) -> web.StreamResponse:
    """Answer a status callback: 503 while the bot is starting (no ``record`` yet), the
    refusal of a form that is not Twilio's or not ours, else 204 once what ``read`` made of it
    (if anything) is recorded."""
    if record is None:
        return unavailable("starting")
    try:
        report = read(await verified_form(request, check))
    except InboundRejected as error:
        return refuse(error)
    if report is not None:
        try:
            await record(report)
        except MemoryUnavailable as exc:
            log.warning("status callback not recorded, Twilio may retry: %s", exc)
            return unavailable("unavailable")
    return web.Response(status=204)
