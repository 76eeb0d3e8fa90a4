"""The media customers send, fetched from the Graph API and served through signed links.

WhatsApp gives a media message's ``id``, not its bytes. ``GET {graph}/{media-id}`` (with the
access token as a bearer, and our number's id so that Graph refuses another number's media)
answers with a short-lived ``url``, and that URL answers with the bytes, again only to the
bearer. Neither the token nor Graph's URL is handed out: an attachment's ``url`` is a link of
ours, ``GET /whatsapp/media/<media-id>?expires=&signature=`` (:mod:`connectors.file_links`,
signed with a key derived from the app secret, for an hour), and following it makes both calls
here and streams the bytes through. The token goes only to Graph's own host or Meta's media
hosts (:func:`trusted`), and never through a redirect.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ChannelMisconfigured, DeliveryError, TemporaryDeliveryError
from connectors.file_links import SignedLinks, linked_id, relay
from connectors.whatsapp.cloud.client import GraphBadRequest, refusal
from connectors.whatsapp.cloud.settings import MEDIA_PATH, WhatsappSettings

log = logging.getLogger("omnibot.whatsapp")

META_HOSTS = ("fbsbx.com", "facebook.com", "whatsapp.net")
"""Where Graph's media URLs point (``lookaside.fbsbx.com``): the token may go there."""


def media_links(settings: WhatsappSettings) -> SignedLinks:
    """The signer of the channel's media links (its key derives from the app secret)."""
    return SignedLinks(settings.app_secret, "whatsapp:media-links", settings.links_base, MEDIA_PATH)


class MediaInfo(BaseModel):
    """Graph's answer about a media id: where its bytes are, and their type."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    url: str = Field(min_length=1, max_length=4096)
    mime_type: str | None = Field(default=None, max_length=128)


class GraphMedia:
    """The two Graph calls of a media download, on a session the caller owns."""

    def __init__(
        self, settings: WhatsappSettings, session: aiohttp.ClientSession, seconds: float = 60.0
    ) -> None:
        self._root = settings.graph_url
        self._api_base = settings.api_base
        self._number = settings.phone_number_id
        self._headers = {"Authorization": f"Bearer {settings.access_token}"}
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=seconds)

    async def find(self, media_id: str) -> MediaInfo:
        """Where the media ``media_id`` of our number is; raises a :class:`DeliveryError`."""
        url = f"{self._root}/{media_id}"
        params = {"phone_number_id": self._number}
        try:
            async with self._session.get(
                url, params=params, headers=self._headers, timeout=self._timeout
            ) as response:
                status, raw = response.status, await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TemporaryDeliveryError(f"whatsapp media: {type(exc).__name__}") from exc
        if status != 200:
            raise refusal(status, raw)
        try:
            return MediaInfo.model_validate_json(raw)
        except ValidationError as exc:
            raise TemporaryDeliveryError("whatsapp media: an answer without a url") from exc

    @asynccontextmanager
    async def download(self, url: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """The response that holds the bytes at Graph's ``url``; raises
        :class:`ChannelMisconfigured` for a URL the token must not go to."""
        if not trusted(url, self._api_base):
            raise ChannelMisconfigured("whatsapp media: Graph named a host that is not Meta's")
        try:
            async with self._session.get(
                url, headers=self._headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                yield response
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TemporaryDeliveryError(f"whatsapp media: {type(exc).__name__}") from exc


def trusted(url: str, api_base: str) -> bool:
    """Whether the access token may go to ``url``: Graph's own origin, or an ``https`` URL on
    one of Meta's media hosts."""
    where, graph = urlsplit(url), urlsplit(api_base)
    if (where.scheme, where.netloc) == (graph.scheme, graph.netloc):
        return True
    host = (where.hostname or "").lower()
    meta = any(host == name or host.endswith("." + name) for name in META_HOSTS)
    return where.scheme == "https" and meta and where.port in (None, 443)


class MediaProxy:
    """``GET /whatsapp/media/{media_id}``: a signed link's media, streamed from Graph."""

    def __init__(self, links: SignedLinks, graph: GraphMedia) -> None:
        self._links = links
        self._graph = graph

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Check the link, ask Graph where the media is, stream it (never redirecting)."""
        media_id = linked_id(request, self._links, "media_id")
        info = await self._find(media_id)
        kind = info.mime_type or "application/octet-stream"
        download = self._graph.download(info.url)
        return await relay(request, download, "WhatsApp", f"whatsapp-{media_id}", kind)

    async def _find(self, media_id: str) -> MediaInfo:
        try:
            return await self._graph.find(media_id)
        except GraphBadRequest as exc:
            raise web.HTTPNotFound(text="no such media, or WhatsApp no longer keeps it") from exc
        except DeliveryError as exc:
            log.warning("whatsapp media %s not found: %s", media_id, exc)
            raise web.HTTPBadGateway(text="WhatsApp could not be asked for the media") from exc
