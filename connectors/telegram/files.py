"""The files customers send, served through a route of ours.

Telegram's file URLs contain the bot token (``/file/bot<token>/<path>``), so they are never
stored, logged or handed out. An attachment keeps its ``file_id``, and its ``url`` is a link to
``GET /telegram/files/<file_id>`` signed with a key derived from the token (so every worker can
check it) and valid for an hour; serving it asks Telegram for the file (``getFile``) and streams
the bytes through. :meth:`FileLinks.link` makes a fresh link for anyone who needs one later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import mimetypes
import re
import time
from collections.abc import Callable
from urllib.parse import quote

import aiohttp
from aiohttp import web

from bot.errors import DeliveryError
from bot.http.untrusted import integer, same_secret
from connectors.telegram.client import BotApi, TelegramBadRequest
from connectors.telegram.settings import FILES_PATH

LINK_SECONDS = 3600
_CHUNK = 64 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,512}$")
"""What Telegram's file ids are made of."""
_INLINE = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class FileLinks:
    """Signs and checks links to customers' files."""

    def __init__(
        self,
        token: str,
        base_url: str,
        ttl: float = LINK_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # A key of its own, so that a link's signature says nothing about the token.
        self._key = hmac.new(token.encode(), b"omnibot:telegram:file-links", "sha256").digest()
        self._base = base_url.rstrip("/") + FILES_PATH
        self._ttl = ttl
        self._clock = clock

    def link(self, file_id: str) -> str:
        """A link to the file that works until ``ttl`` seconds from now."""
        expires = int(self._clock() + self._ttl)
        signature = self._sign(file_id, expires)
        return f"{self._base}/{quote(file_id, safe='')}?expires={expires}&signature={signature}"

    def valid(self, file_id: str, expires: str | None, signature: str | None) -> bool:
        """Whether a link's parts are ours and it has not expired (anything else in them, a
        number of 5,000 digits or a file id of bytes no encoding holds, is not ours)."""
        deadline = integer(expires, digits=12)
        if deadline is None or deadline < self._clock() or not _FILE_ID.match(file_id):
            return False
        return same_secret(signature, self._sign(file_id, deadline))

    def _sign(self, file_id: str, expires: int) -> str:
        mac = hmac.new(self._key, f"{file_id}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


class FileProxy:
    """``GET /telegram/files/{file_id}``: a signed link's file, streamed from Telegram."""

    def __init__(self, links: FileLinks, api: BotApi) -> None:
        self._links = links
        self._api = api

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Check the link, find the file, stream it (never redirecting to Telegram's URL)."""
        file_id = request.match_info["file_id"]
        query = request.query
        if not self._links.valid(file_id, query.get("expires"), query.get("signature")):
            raise web.HTTPForbidden(text="this link is not valid, or it has expired")
        path = await self._path(file_id)
        try:
            async with self._api.download(path) as upstream:
                if upstream.status != 200:
                    raise web.HTTPBadGateway(text="Telegram did not give the file")
                return await _stream(request, upstream, path)
        except DeliveryError as exc:
            raise web.HTTPBadGateway(text="Telegram could not be reached") from exc

    async def _path(self, file_id: str) -> str:
        try:
            found = await self._api.get_file(file_id)
        except TelegramBadRequest as exc:
            raise web.HTTPNotFound(text="no such file, or too big for the Bot API") from exc
        except DeliveryError as exc:
            raise web.HTTPBadGateway(text="Telegram could not be asked for the file") from exc
        if not found.file_path:
            raise web.HTTPNotFound(text="no such file")
        return found.file_path


async def _stream(
    request: web.Request, upstream: aiohttp.ClientResponse, path: str
) -> web.StreamResponse:
    response = web.StreamResponse(headers=_headers(path))
    if upstream.content_length is not None:
        response.content_length = upstream.content_length
    await response.prepare(request)
    async for chunk in upstream.content.iter_chunked(_CHUNK):
        await response.write(chunk)
    await response.write_eof()
    return response


def _headers(path: str) -> dict[str, str]:
    """Pictures are shown; anything else is a download, and never run as a page of ours (a
    customer's file could be HTML)."""
    guessed, _ = mimetypes.guess_type(path)
    inline = guessed in _INLINE
    name = _UNSAFE.sub("_", path.rsplit("/", 1)[-1]) or "file"
    return {
        "Content-Type": guessed if inline and guessed else "application/octet-stream",
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=300",
    }
