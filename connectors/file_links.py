"""Signed links to the files customers send, for channels whose file URLs need a credential.

Telegram's file URLs contain the bot token; WhatsApp's media are fetched with the access token
as a bearer. Neither may reach a customer, an agent or the transcript, so an attachment's
``url`` is a link to a route of ours instead, ``{base}{path}/<file id>?expires=&signature=``,
signed with a key derived from a secret of the channel (so that every worker can check it, and
a link's signature says nothing about the secret) and valid for ``ttl`` seconds. The route
checks the link (:func:`linked_id`), fetches the file with the credential server-side and
streams the bytes through (:func:`relay`), with headers that never let a customer's file run as a
page of ours.

A link grants the one file it names to whoever holds it, until it expires: changing the file id
in it, or its expiry, breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from urllib.parse import quote

import aiohttp
from aiohttp import web

from bot.errors import DeliveryError
from bot.http.untrusted import integer, same_secret

LINK_SECONDS = 3600
CHUNK = 64 * 1024
FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,512}$")
"""What Telegram's file ids, and WhatsApp's media ids, are made of."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_INLINE = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})

log = logging.getLogger("omnibot.file_links")


class SignedLinks:
    """Signs and checks links to one channel's files.

    ``purpose`` names the channel's use (``telegram:file-links``), so that two channels' keys
    differ even if their secrets did not; ``path`` is the route's prefix.
    """

    def __init__(
        self,
        secret: str,
        purpose: str,
        base_url: str,
        path: str,
        ttl: float = LINK_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        label = f"omnibot:{purpose}".encode()
        self._key = hmac.new(secret.encode(), label, "sha256").digest()
        self._base = base_url.rstrip("/") + path
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
        if deadline is None or deadline < self._clock() or not FILE_ID.match(file_id):
            return False
        return same_secret(signature, self._sign(file_id, deadline))

    def _sign(self, file_id: str, expires: int) -> str:
        mac = hmac.new(self._key, f"{file_id}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def linked_id(request: web.Request, links: SignedLinks, key: str = "file_id") -> str:
    """The file id a followed link names, once the link is found ours and unexpired (403 if
    not)."""
    file_id = request.match_info[key]
    query = request.query
    if not links.valid(file_id, query.get("expires"), query.get("signature")):
        raise web.HTTPForbidden(text="this link is not valid, or it has expired")
    return file_id


async def relay(
    request: web.Request,
    download: AbstractAsyncContextManager[aiohttp.ClientResponse],
    vendor: str,
    name: str,
    content_type: str | None = None,
) -> web.StreamResponse:
    """Stream the file ``download`` fetches from ``vendor`` (as :func:`stream` does; of the
    vendor's type unless ``content_type`` is given). The vendor's 404 is a 404 here; any other
    answer but 200, or the vendor out of reach, is a 502, logged."""
    try:
        async with download as upstream:
            if upstream.status == 404:
                raise web.HTTPNotFound(text=f"no such file, or {vendor} no longer keeps it")
            if upstream.status != 200:
                log.warning("%s file %s: answered %s", vendor, name, upstream.status)
                raise web.HTTPBadGateway(text=f"{vendor} did not give the file")
            kind = content_type or upstream.headers.get("Content-Type")
            return await stream(request, upstream, name, kind)
    except DeliveryError as exc:
        log.warning("%s file %s not fetched: %s", vendor, name, exc)
        raise web.HTTPBadGateway(text=f"{vendor} could not be reached") from exc


async def stream(
    request: web.Request, upstream: aiohttp.ClientResponse, name: str, content_type: str | None
) -> web.StreamResponse:
    """Stream ``upstream``'s body to the one who followed the link, as a file called ``name``
    of type ``content_type`` (see :func:`headers`)."""
    response = web.StreamResponse(headers=headers(name, content_type))
    if upstream.content_length is not None:
        response.content_length = upstream.content_length
    await response.prepare(request)
    async for chunk in upstream.content.iter_chunked(CHUNK):
        await response.write(chunk)
    await response.write_eof()
    return response


def headers(name: str, content_type: str | None) -> dict[str, str]:
    """Pictures are shown; anything else is a download, and never run as a page of ours (a
    customer's file could be HTML)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    inline = kind in _INLINE
    safe_name = _UNSAFE.sub("_", name.rsplit("/", 1)[-1]) or "file"
    return {
        "Content-Type": kind if inline else "application/octet-stream",
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{safe_name}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=300",
    }
