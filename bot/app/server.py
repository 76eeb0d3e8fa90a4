"""The HTTP application: every connector's routes plus health, readiness and metrics, one port.

Every route is under the same transport limits (:mod:`bot.http.limits`): a body over
:data:`~bot.http.limits.MAX_BODY` (or the larger limit of a route that says so with
:func:`~bot.http.limits.reads_up_to`) is answered 413 (before it is read when the client says
its length, as soon as it passes the limit when it does not), a request line or a header over
:data:`~bot.http.limits.MAX_LINE` is answered 400 by aiohttp's parser, and a client slow to send a
head is cut off (:mod:`bot.http.slow_clients`). Every body is read whole before the route's handler
runs, within :data:`~bot.http.limits.BODY_SECONDS` (408 after that), so that no handler waits on a
slow client and a client that goes away mid-body is one info line, not a traceback. A request
a handler finds malformed (:class:`~bot.errors.InboundRejected`, raised by :mod:`bot.http.untrusted`
wherever a route reads what the client sent) is answered with its 4xx, the same way on every
route.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.app.logs import quiet_malformed_requests
from bot.app.metrics import CONTENT_TYPE
from bot.app.runtime import Runtime
from bot.desk.console.mount import SOCKETS as CONSOLE_SOCKETS
from bot.desk.console.mount import mount as mount_console
from bot.errors import InboundRejected, MemoryUnavailable
from bot.http.limits import BODY_SECONDS, MAX_BODY, MAX_LINE, body_limit
from bot.http.slow_clients import track_requests
from bot.http.sources import SOURCES, Sources, parse_networks
from bot.outreach.events.routes import EventsRoute

log = logging.getLogger("omnibot.server")

RUNTIME = web.AppKey("runtime", Runtime)
TOO_SLOW = f"the request body did not arrive within {BODY_SECONDS:g} seconds"
CUT_SHORT = "the request body was cut short"
_READY_TIMEOUT = 2.0


def build_app(runtime: Runtime) -> web.Application:
    """The aiohttp application serving ``runtime``; starting it starts the bot."""
    quiet_malformed_requests()
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[track_requests, read_body, answer_refusals],
        handler_args={"max_line_size": MAX_LINE, "max_field_size": MAX_LINE},
    )
    app[RUNTIME] = runtime
    app[SOURCES] = Sources(parse_networks(runtime.settings.trusted_proxies))
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/readyz", readyz),
            web.get("/metrics", metrics),
        ]
    )
    for connector in runtime.connectors:
        app.add_routes(connector.routes())
    secret = runtime.settings.events_secret
    if secret is not None:
        outreach, notify = runtime.config.outreach, runtime.pipeline.notify
        events = EventsRoute(secret.get_secret_value(), outreach, runtime.memory, notify)
        app.add_routes(events.routes())
    mount_console(app, runtime)
    app.cleanup_ctx.append(_lifecycle)
    app.on_shutdown.append(_closing)
    return app


@web.middleware
async def read_body(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The body, read whole before the handler runs and answered the same way on every route
    (``{"error": ...}``) when it cannot be: 413 over the limit (not read at all when its length
    says so, read up to the limit when chunked), 408 when it takes more than
    :data:`~bot.http.limits.BODY_SECONDS`, 400 when the client goes away in the middle."""
    limit = body_limit(request.match_info.handler)
    if limit != MAX_BODY:
        request = request.clone(client_max_size=limit)
    length = request.content_length
    if length is not None and length > limit:
        return _refused(413, too_large(limit))
    if request.body_exists:
        try:
            async with asyncio.timeout(BODY_SECONDS):
                await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refused(413, too_large(limit))
        except TimeoutError:
            log.info("request refused: 408 %s", TOO_SLOW)
            return _refused(408, TOO_SLOW)
        except (ConnectionError, web.RequestPayloadError):
            log.info("request refused: 400 %s", CUT_SHORT)
            return _refused(400, CUT_SHORT)
    return await handler(request)


@web.middleware
async def answer_refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A request a handler found malformed or forged: its 4xx and reason, never its content."""
    try:
        return await handler(request)
    except InboundRejected as error:
        log.info("request refused: %s %s", error.status, error.reason)
        return web.json_response({"error": error.reason}, status=error.status)


def too_large(limit: int) -> str:
    """Why a body over ``limit`` bytes is refused."""
    return f"the request body is over the limit of {limit:,} bytes"


def _refused(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status, headers={"Connection": "close"})


async def _closing(app: web.Application) -> None:
    await app[CONSOLE_SOCKETS].closing()
    await app[RUNTIME].closing()


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    # Runs its second half after the server has finished in-flight requests, so every event a
    # webhook accepted is either processed or left queued before connectors and memory close.
    runtime = app[RUNTIME]
    await runtime.start()
    yield
    await runtime.stop()


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the shared memory answers; a load balancer should route here only if so."""
    runtime = request.app[RUNTIME]
    try:
        await asyncio.wait_for(runtime.memory.ping(), _READY_TIMEOUT)
    except (MemoryUnavailable, TimeoutError) as exc:
        reason = str(exc) or "memory did not answer in time"
        return web.json_response({"status": "unavailable", "reason": reason}, status=503)
    return web.json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics."""
    body = request.app[RUNTIME].metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
