"""The HTTP application: every connector's routes plus health, readiness and metrics, one port.

Every route is under the same transport limits (:mod:`bot.limits`): a body over
:data:`~bot.limits.MAX_BODY` is answered 413 (before it is read when the client says its length,
as soon as it passes the limit when it does not), a request line or a header over
:data:`~bot.limits.MAX_LINE` is answered 400 by aiohttp's parser.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.console.mount import SOCKETS as CONSOLE_SOCKETS
from bot.console.mount import mount as mount_console
from bot.errors import MemoryUnavailable
from bot.limits import MAX_BODY, MAX_LINE
from bot.logs import quiet_malformed_requests
from bot.metrics import CONTENT_TYPE
from bot.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
TOO_LARGE = f"the request body is over the limit of {MAX_BODY:,} bytes"
_READY_TIMEOUT = 2.0


def build_app(runtime: Runtime) -> web.Application:
    """The aiohttp application serving ``runtime``; starting it starts the bot."""
    quiet_malformed_requests()
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[limit_body],
        handler_args={"max_line_size": MAX_LINE, "max_field_size": MAX_LINE},
    )
    app[RUNTIME] = runtime
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/readyz", readyz),
            web.get("/metrics", metrics),
        ]
    )
    for connector in runtime.connectors:
        app.add_routes(connector.routes())
    mount_console(app, runtime)
    app.cleanup_ctx.append(_lifecycle)
    app.on_shutdown.append(_closing)
    return app


@web.middleware
async def limit_body(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The body limit, answered the same way on every route (``{"error": ...}``, 413): a body
    said to be too long is not read at all; one sent without its length (chunked) is read up to
    the limit before the handler runs, whether or not the handler would read it."""
    length = request.content_length
    if length is not None and length > MAX_BODY:
        return _too_large()
    try:
        if length is None and request.body_exists:
            await request.read()
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return _too_large()


def _too_large() -> web.Response:
    return web.json_response({"error": TOO_LARGE}, status=413, headers={"Connection": "close"})


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
