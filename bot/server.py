"""The HTTP application: every connector's routes plus health, readiness and metrics, one port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from bot.console.mount import SOCKETS as CONSOLE_SOCKETS
from bot.console.mount import mount as mount_console
from bot.errors import MemoryUnavailable
from bot.metrics import CONTENT_TYPE
from bot.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
MAX_BODY = 1024 * 1024
_READY_TIMEOUT = 2.0


def build_app(runtime: Runtime) -> web.Application:
    """The aiohttp application serving ``runtime``; starting it starts the bot."""
    app = web.Application(client_max_size=MAX_BODY)
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
