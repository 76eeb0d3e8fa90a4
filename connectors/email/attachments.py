"""E-mail attachments, kept and served: e-mail has no vendor to fetch a file from later.

Telegram and WhatsApp keep their customers' files and hand out ids that a signed link of ours
fetches on demand (:mod:`connectors.file_links`). A received e-mail is all there is, so the bytes
of its attachments are kept in the shared memory (:meth:`bot.connector.Core.keep_file`), every
worker reads them, and an attachment's ``url`` is a link of the same kind,
``GET /email/files/<digest>?expires=&signature=``, signed with a key derived from the inbound
token (purpose ``email:file-links``).

Limits, so that one message or one sender cannot fill the memory:

- the inbound route takes bodies of up to :data:`MAX_REQUEST` bytes (413 beyond, nothing kept);
- a file over :data:`MAX_FILE` bytes, once decoded, is described (name, type, size) with a
  ``note`` and not kept: the message is queued all the same;
- the first :data:`~bot.http.limits.MAX_ATTACHMENTS` of a message are kept (the event drops
  the rest, with a note in the transcript);
- one sender's files take from a bucket of :data:`DAILY_FILES` a day; past it, a file is
  described with a ``note`` and not kept;
- a file is kept for :data:`RETENTION`, and its link lives as long.

A file is kept under the SHA-256 digest of what is kept (its type, its name and its bytes), so
a redelivered message, or the same file sent again, is written once (keeping it again only
extends its life). Only the attachments of a message about to be queued as a customer's event
are kept: a refused request, an auto-reply or a bounce keeps nothing.

Served, a picture (JPEG, PNG, WebP, GIF) is shown; anything else, HTML and SVG included, is a
download (``application/octet-stream``, ``Content-Disposition: attachment``, ``nosniff``, a
sandboxing CSP): a customer's file never runs as a page of ours. Its name is its last path
segment without control characters, in ASCII for old clients and in full as ``filename*``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage, Message
from urllib.parse import quote

from aiohttp import web

from bot.connector import Core
from bot.errors import MemoryUnavailable
from bot.format.messages import Attachment, AttachmentKind, InboundEvent
from bot.http.limits import MAX_ATTACHMENTS
from connectors.file_links import SignedLinks
from connectors.file_links import headers as safe_headers

log = logging.getLogger("omnibot.email")

PATH = "/email/files"
MAX_REQUEST = 10 * 1024 * 1024
"""Bytes in one ``POST /email/inbound``: Postfix's default ``message_size_limit`` (10,240,000)
fits, with every attachment's base64 (a third larger than the file)."""
MAX_FILE = 5 * 1024 * 1024
"""Bytes of one kept file, decoded; a larger one is described and not kept."""
RETENTION = timedelta(days=30)
"""How long a file is kept (from its last arrival), and how long its link works."""
DAILY_FILES = 50
"""Files kept from one sender's address at once, refilled over a day."""
KIND = "email-file"
NAME_LENGTH = 128
_PURPOSE = "email:file-links"
_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
_UNSEEN = frozenset({"Zl", "Zp"})
_KINDS: dict[str, AttachmentKind] = {"image": "image", "audio": "audio", "video": "video"}


@dataclass(frozen=True, slots=True)
class Found:
    """One attachment of a message: as the customer's event describes it, and what is to be
    kept of it (``None`` when it is too big, or cannot be read)."""

    attachment: Attachment
    kept: bytes | None


def found(message: EmailMessage) -> tuple[Found, ...]:
    """Every attachment of ``message``, described; each is the same for a redelivery."""
    return tuple(_found(part) for part in message.iter_attachments())


def safe_name(name: str | None) -> str | None:
    """A file name fit to show and to serve: its last path segment, without control or
    formatting characters (a right-to-left override makes ``cod.exe`` look like ``exe.doc``),
    quotes or leading dots, and at most :data:`NAME_LENGTH` characters."""
    last = re.split(r"[/\\]", name or "")[-1]
    kept = "".join(
        ch
        for ch in last
        if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in _UNSEEN
    )
    cleaned = kept.replace('"', "'").strip().lstrip(".").strip()
    return cleaned[:NAME_LENGTH] or None


def headers(content_type: str, name: str | None) -> dict[str, str]:
    """How a kept file is served (see :func:`connectors.file_links.headers`), its name also
    in full, percent-encoded (RFC 6266), when it is not ASCII."""
    served = safe_headers(name or "attachment", content_type)
    if name and not name.isascii():
        served["Content-Disposition"] += f"; filename*=UTF-8''{quote(name, safe='')}"
    return served


class EmailFiles:
    """Keeps a queued message's attachments, and serves them at ``GET /email/files/<digest>``
    to whoever holds a link (``clock`` is for tests)."""

    def __init__(
        self, secret: str, links_base: str, clock: Callable[[], float] = time.time
    ) -> None:
        ttl = RETENTION.total_seconds()
        self._links = SignedLinks(secret, _PURPOSE, links_base, PATH, ttl, clock)
        self._core: Core | None = None

    def routes(self) -> Sequence[web.RouteDef]:
        """The route that serves kept files."""
        return [web.get(PATH + "/{digest}", self.serve)]

    def start(self, core: Core) -> None:
        """Serve from ``core``'s memory from now on."""
        self._core = core

    async def keep(
        self, core: Core, event: InboundEvent, message: EmailMessage, sender: str
    ) -> InboundEvent:
        """``event`` with a link on each attachment of ``message`` now kept; raises
        :class:`~bot.errors.MemoryUnavailable` when the memory cannot keep them (nothing is
        queued, the mail server delivers the message again)."""
        if not event.attachments:
            return event
        files = {
            item.attachment.file_id: item.kept
            for item in found(message)[:MAX_ATTACHMENTS]
            if item.kept is not None
        }
        described, kept, written = [], 0, 0
        for attachment in event.attachments:
            data = files.get(attachment.file_id)
            if data is None or attachment.file_id is None:
                described.append(attachment)
            elif not await core.allow(f"email:files:{sender}", DAILY_FILES, DAILY_FILES / 86400):
                note = f"not kept: this sender sent more than {DAILY_FILES} files in a day"
                described.append(attachment.model_copy(update={"note": note}))
            else:
                kept += 1
                written += await core.keep_file(KIND, attachment.file_id, data, RETENTION)
                link = self._links.link(attachment.file_id)
                described.append(attachment.model_copy(update={"url": link}))
        log.info("e-mail attachments: %d kept, %d of them written now", kept, written)
        return event.model_copy(update={"attachments": tuple(described)})

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """A kept file, to the holder of a link that is ours and has not expired (403 for any
        other, 404 once the file is no longer kept)."""
        digest = request.match_info["digest"]
        query = request.query
        if not self._links.valid(digest, query.get("expires"), query.get("signature")):
            raise web.HTTPForbidden(text="this link is not valid, or it has expired")
        if self._core is None:
            raise web.HTTPServiceUnavailable(text="starting")
        try:
            kept = await self._core.kept_file(KIND, digest)
        except MemoryUnavailable as exc:
            log.warning("e-mail file not served: %s", exc)
            raise web.HTTPServiceUnavailable(text="the bot's memory cannot be reached") from exc
        unpacked = _unpack(kept) if kept is not None else None
        if unpacked is None:
            raise web.HTTPNotFound(text="this file is no longer kept")
        content_type, name, data = unpacked
        return web.Response(body=data, headers=headers(content_type, name))


def _found(part: Message) -> Found:
    content_type = _content_type(part)
    name = safe_name(_filename(part))
    data = _payload(part)
    note = None
    if data is None:
        note = "not kept: it could not be read"
    elif len(data) > MAX_FILE:
        note = f"not kept: {len(data):,} bytes, over the limit of {MAX_FILE:,}"
    kept = _pack(content_type, name, data) if data is not None and note is None else None
    attachment = Attachment(
        kind=_KINDS.get(content_type.split("/")[0], "file"),
        file_id=hashlib.sha256(kept if kept is not None else data or b"").hexdigest(),
        content_type=content_type,
        name=name,
        size=len(data) if data is not None else None,
        note=note,
    )
    return Found(attachment, kept)


def _content_type(part: Message) -> str:
    """The part's type when it is a well-formed one, else ``application/octet-stream``."""
    declared = part.get_content_type()
    return declared if _TYPE.match(declared) else "application/octet-stream"


def _filename(part: Message) -> str | None:
    """The name the sender gave, RFC 2231 and RFC 2047 decoded (a charset nobody knows is read
    with replacement characters by the standard library)."""
    try:
        name = part.get_filename()
    except (LookupError, ValueError, IndexError, AttributeError):
        return None
    return name if isinstance(name, str) else None


def _payload(part: Message) -> bytes | None:
    """The part's bytes, its transfer encoding undone; a forwarded message as it was sent."""
    try:
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload
        inner = part.get_payload()
        if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], Message):
            return inner[0].as_bytes()
    except (LookupError, ValueError, IndexError, AttributeError, UnicodeError):
        return None
    return None


def _pack(content_type: str, name: str | None, data: bytes) -> bytes:
    """What is kept of a file: its type and name (a line of JSON), then its bytes."""
    return json.dumps({"type": content_type, "name": name}).encode() + b"\n" + data


def _unpack(kept: bytes) -> tuple[str, str | None, bytes] | None:
    line, _, data = kept.partition(b"\n")
    try:
        described = json.loads(line)
    except ValueError:
        return None
    if not isinstance(described, dict):
        return None
    content_type, name = described.get("type"), described.get("name")
    if not isinstance(content_type, str) or not isinstance(name, str | None):
        return None
    return content_type, name, data
