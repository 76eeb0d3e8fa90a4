"""The HTTP access log: one structured line per request, never the query string.

Tokens travel in query strings (Direct Line's stream URL, a webhook's signature on some
providers), so the path is logged without it; the redacting formatter catches secrets elsewhere.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class AccessLogger(AbstractAccessLogger):
    """Method, path, status, size and duration, as fields of a structured log line."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "bytes": response.body_length,
                "ms": round(time * 1000, 1),
                "remote": request.remote,
            },
        )
