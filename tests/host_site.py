"""A business's own web site on 127.0.0.1 (another origin than the bot's): one route whose
pages embed the bot's chat widget, for browser tests of the widget where customers meet it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from aiohttp import web


@contextlib.asynccontextmanager
async def host_site(port: int, path: str, page: Callable[[web.Request], str]) -> AsyncIterator[str]:
    """The site on ``port``, answering ``GET path`` with the HTML ``page`` makes of the request;
    its base URL while open."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=page(request), content_type="text/html")

    app = web.Application()
    app.router.add_get(path, answer)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
