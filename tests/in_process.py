"""A bot served in this process on a loopback port: for the tests that drive a runtime over HTTP
without starting ``omnibot run`` (:mod:`tests.server_process` starts it as a process).

The runtime is built by the test, with the connectors and memory it needs; :func:`served` puts
its application on a port and takes it down again, which stops the runtime too (turns drained,
connectors and memory closed).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app.runtime import Runtime
from bot.app.serve import make_runner
from bot.app.server import build_app


class ServedLikeOmnibotRun(TestServer):
    """aiohttp's test server with the runner every worker of ``omnibot run`` uses: a handler
    whose client went away runs to its end, as it does there (the test server would cancel it,
    and hide what it does then), and the access log is omnibot's."""

    async def _make_runner(self, **kwargs: Any) -> web.BaseRunner:
        return make_runner(self.app)


@contextlib.asynccontextmanager
async def served(
    runtime: Runtime, *, port: int | None = None, like_omnibot_run: bool = False
) -> AsyncIterator[TestServer]:
    """``runtime``'s application on 127.0.0.1 (on ``port``, or a free one) until the block ends;
    ``like_omnibot_run`` serves it with omnibot's own runner (:class:`ServedLikeOmnibotRun`)."""
    kind = ServedLikeOmnibotRun if like_omnibot_run else TestServer
    server = kind(build_app(runtime), host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()
