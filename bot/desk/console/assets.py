"""The console's own files (its pages, scripts and styles), read once from the package and
served under ``/agent/`` with the headers that keep them to themselves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources

from aiohttp import web

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' https: data:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
"""A console page's headers: nothing runs or loads but the console's own files."""


def read(name: str) -> bytes:
    """One of the console's files, from ``static/``."""
    return resources.files("bot.desk.console").joinpath("static", name).read_bytes()


def page(body: bytes, headers: Mapping[str, str] | None = None) -> web.Response:
    """An HTML page of the console, with :data:`PAGE_HEADERS` (and ``headers``)."""
    return web.Response(
        body=body,
        content_type="text/html",
        charset="utf-8",
        headers={**PAGE_HEADERS, **(headers or {})},
    )


class Assets:
    """Scripts and styles, each at ``/agent/<name>`` (nothing in them is secret)."""

    def __init__(self, names: Sequence[str]) -> None:
        self._files = {name: read(name) for name in names}

    def routes(self) -> list[web.RouteDef]:
        """One ``GET`` route a file."""
        return [web.get(f"/agent/{name}", self.serve) for name in self._files]

    async def serve(self, request: web.Request) -> web.Response:
        """The file the path names."""
        name = request.path.rsplit("/", 1)[-1]
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return web.Response(body=self._files[name], content_type=kind, charset="utf-8")
