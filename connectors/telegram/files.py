"""The files customers send, served through a route of ours.

Telegram's file URLs contain the bot token (``/file/bot<token>/<path>``), so they are never
stored, logged or handed out. An attachment keeps its ``file_id``, and its ``url`` is a link to
``GET /telegram/files/<file_id>`` signed with a key derived from the token (so every worker can
check it) and valid for an hour (:mod:`connectors.file_links`, which WhatsApp's media share);
serving it asks Telegram for the file (``getFile``) and streams the bytes through.
:meth:`FileLinks.link` makes a fresh link for anyone who needs one later.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable

from aiohttp import web

from bot.errors import DeliveryError
from connectors.file_links import LINK_SECONDS, SignedLinks, linked_id, relay
from connectors.telegram.client import BotApi, TelegramBadRequest
from connectors.telegram.settings import FILES_PATH


class FileLinks(SignedLinks):
    """Signs and checks links to customers' files, with a key derived from the bot token."""

    def __init__(
        self,
        token: str,
        base_url: str,
        ttl: float = LINK_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token, "telegram:file-links", base_url, FILES_PATH, ttl, clock)


class FileProxy:
    """``GET /telegram/files/{file_id}``: a signed link's file, streamed from Telegram."""

    def __init__(self, links: FileLinks, api: BotApi) -> None:
        self._links = links
        self._api = api

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Check the link, find the file, stream it (never redirecting to Telegram's URL)."""
        path = await self._path(linked_id(request, self._links))
        guessed, _ = mimetypes.guess_type(path)
        kind = guessed or "application/octet-stream"
        return await relay(request, self._api.download(path), "Telegram", path, kind)

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
