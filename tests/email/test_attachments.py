"""E-mail attachments kept in the shared memory and served through signed links: raw MIME built
with the standard library, posted to the store bot served in process, on each memory backend."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.format.messages import Attachment
from bot.http.limits import MAX_BODY
from bot.turn.store import Memory
from connectors.email.attachments import (
    DAILY_FILES,
    MAX_FILE,
    MAX_REQUEST,
    PATH,
    RETENTION,
    safe_name,
)
from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from connectors.file_links import SignedLinks
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from tests.email.kit import CUSTOMER, TOKEN, EmailBot, SmtpServer, free_port, mail
from tests.in_process import served
from tests.server_process import EXAMPLE

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
PDF = b"%PDF-1.7\n" + bytes(range(255, -1, -1)) * 40 + b"\n%%EOF\n"


@dataclass
class Shop:
    """The store bot over e-mail on one memory backend, and a way to count its kept files."""

    bot: EmailBot
    memory: Memory
    base: str
    kept: Callable[[], Awaitable[int]]
    """How many files the memory keeps."""

    async def attachments(self, user_id: str = CUSTOMER) -> list[Attachment]:
        await self.bot.settle()
        return [a for event in await self.bot.inputs(user_id) for a in event.attachments]


@pytest.fixture
async def shop(
    smtp: SmtpServer,
    email_settings: EmailSettings,
    memory: Memory,
    backend_url: str,
    namespace: str,
) -> AsyncIterator[Shop]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = load_bot_config(EXAMPLE)
    engine = DialogEngine(load_flowset(EXAMPLE, config))
    connector = EmailConnector(email_settings, base, tls=False)
    runtime = create_runtime(
        EXAMPLE, config, Settings(), handler=engine, connectors=[connector], memory=memory
    )
    redis = Redis.from_url(backend_url) if backend_url else None

    async def kept() -> int:
        if isinstance(memory, EmbeddedMemory):
            return memory.holdings().blobs
        assert redis is not None
        return len([key async for key in redis.scan_iter(match=f"{namespace}:blob:*")])

    try:
        async with served(runtime, port=port):
            yield Shop(EmailBot(runtime, base, smtp), memory, base, kept)
    finally:
        await engine.aclose()
        if redis is not None:
            await redis.aclose()


def attached(files: dict[str, tuple[bytes, str]], text: str = "here are the files") -> EmailMessage:
    """A customer's message with ``files`` (name: (bytes, type)) attached."""
    message = mail(text)
    for name, (data, content_type) in files.items():
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


async def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.read(), dict(response.headers)


async def test_an_image_and_a_pdf_are_kept_and_served_byte_for_byte(shop: Shop) -> None:
    message = attached({"shirt.png": (PNG, "image/png"), "invoice.pdf": (PDF, "application/pdf")})
    assert (await shop.bot.post(message))[0] == 202
    image, pdf = await shop.attachments()
    assert (image.kind, image.name, image.size, image.note) == (
        "image",
        "shirt.png",
        len(PNG),
        None,
    )
    assert (pdf.kind, pdf.name, pdf.content_type) == ("file", "invoice.pdf", "application/pdf")
    assert image.url is not None
    assert pdf.url is not None
    assert image.url.startswith(f"{shop.base}{PATH}/")
    expires = int(dict(parse_qsl(urlsplit(image.url).query))["expires"])
    assert abs(expires - time.time() - RETENTION.total_seconds()) < 60  # as long as the file
    status, body, headers = await fetch(image.url)
    assert (status, body, headers["Content-Type"]) == (200, PNG, "image/png")
    assert headers["Content-Disposition"] == 'inline; filename="shirt.png"'
    status, body, headers = await fetch(pdf.url)
    assert (status, body, headers["Content-Type"]) == (200, PDF, "application/octet-stream")
    assert headers["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert await shop.kept() == 2


async def test_a_tampered_or_expired_link_is_refused(shop: Shop) -> None:
    assert (await shop.bot.post(attached({"a.pdf": (PDF, "application/pdf")})))[0] == 202
    [pdf] = await shop.attachments()
    assert pdf.url is not None
    assert pdf.file_id is not None
    path, _, query = pdf.url.partition("?")
    digest = pdf.file_id
    other = ("0" if digest[0] != "0" else "1") + digest[1:]
    signature = query.rsplit("=", 1)[1]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    past = SignedLinks(TOKEN, "email:file-links", shop.base, PATH, clock=lambda: 0.0)
    stranger = SignedLinks("another-secret-0123456789abcdef", "email:file-links", shop.base, PATH)
    refused = [
        path,
        f"{path}?{query.rsplit('=', 1)[0]}={flipped}",
        f"{path.replace(digest, other)}?{query}",
        f"{path}?{query.replace('expires=', 'expires=1')}",
        past.link(digest),
        stranger.link(digest),
    ]
    for url in refused:
        assert (await fetch(url))[0] == 403, url
    fresh = SignedLinks(TOKEN, "email:file-links", shop.base, PATH, RETENTION.total_seconds())
    assert (await fetch(fresh.link(other)))[0] == 404  # ours, but nothing is kept under it
    assert (await fetch(pdf.url))[:2] == (200, PDF)


async def test_an_attachment_over_the_cap_is_described_with_a_note(shop: Shop) -> None:
    big = b"\0" * (MAX_FILE + 1)
    message = attached({"scan.tiff": (big, "image/tiff"), "ok.pdf": (PDF, "application/pdf")})
    assert MAX_BODY < len(message.as_bytes()) < MAX_REQUEST
    assert (await shop.bot.post(message))[0] == 202
    scan, ok = await shop.attachments()
    assert (scan.url, scan.size, scan.name) == (None, MAX_FILE + 1, "scan.tiff")
    assert scan.note == f"not kept: {MAX_FILE + 1:,} bytes, over the limit of {MAX_FILE:,}"
    assert ok.url is not None
    assert ok.note is None
    assert await shop.kept() == 1
    assert await shop.bot.outputs()  # the message was answered all the same


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "chunked"])
async def test_a_request_over_the_routes_cap_is_413_and_nothing_is_kept(
    shop: Shop, chunked: bool
) -> None:
    message = attached(
        {f"part{i}.bin": (bytes([i]) * MAX_FILE, "application/pdf") for i in range(2)}
    )
    raw = message.as_bytes()
    raw += b" " * (MAX_REQUEST + 1 - len(raw))

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 1 << 20):
            yield raw[start : start + (1 << 20)]

    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{shop.base}/email/inbound",
            data=pieces() if chunked else io.BytesIO(raw),
            headers=headers,
        ) as response,
    ):
        assert response.status == 413
        assert "10,485,760 bytes" in (await response.json())["error"]
    await shop.bot.settle()
    assert await shop.kept() == 0
    assert await shop.bot.customer() is None


async def test_an_html_attachment_is_served_as_a_download_with_nosniff(shop: Shop) -> None:
    page = b"<html><script>fetch('/agent/api/session')</script></html>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    message = attached({"page.html": (page, "text/html"), "logo.svg": (svg, "image/svg+xml")})
    assert (await shop.bot.post(message))[0] == 202
    for attachment, body in zip(await shop.attachments(), (page, svg), strict=True):
        assert attachment.url is not None
        status, served, headers = await fetch(attachment.url)
        assert (status, served) == (200, body)
        assert headers["Content-Type"] == "application/octet-stream"
        assert headers["Content-Disposition"].startswith("attachment;")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


async def test_the_same_message_id_posted_twice_is_kept_once(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    message = attached({"a.png": (PNG, "image/png"), "b.pdf": (PDF, "application/pdf")})
    caplog.set_level(logging.INFO, logger="omnibot.email")
    assert (await shop.bot.post(message))[0] == 202
    assert (await shop.bot.post(message))[0] == 202
    kept = [r.getMessage() for r in caplog.records if r.getMessage().startswith("e-mail attach")]
    assert kept == [
        "e-mail attachments: 2 kept, 2 of them written now",
        "e-mail attachments: 2 kept, 0 of them written now",
    ]
    assert len(await shop.bot.inputs()) == 1
    assert await shop.kept() == 2
    again = attached({"b.pdf": (PDF, "application/pdf")}, "the same invoice")
    assert (await shop.bot.post(again))[0] == 202
    assert await shop.kept() == 2  # the same file, in another message: written once


async def test_automatic_and_refused_mail_keep_nothing(shop: Shop) -> None:
    reply = attached({"a.pdf": (PDF, "application/pdf")}, "I am away")
    reply["Auto-Submitted"] = "auto-replied"
    assert (await shop.bot.post(reply))[0] == 202
    forged = attached({"a.pdf": (PDF, "application/pdf")})
    assert (await shop.bot.post(forged, token="not-the-token-0123456789abc"))[0] == 401
    await shop.bot.settle()
    assert await shop.kept() == 0


async def test_a_senders_files_past_the_daily_allowance_are_described_not_kept(
    shop: Shop,
) -> None:
    sent = 0
    while sent <= DAILY_FILES:
        files = {
            f"f{sent + i}.pdf": (PDF + str(sent + i).encode(), "application/pdf") for i in range(10)
        }
        assert (await shop.bot.post(attached(files)))[0] == 202
        sent += 10
    attachments = await shop.attachments()
    assert len(attachments) == sent
    assert all(a.url is not None for a in attachments[:DAILY_FILES])
    over = attachments[DAILY_FILES:]
    assert over
    assert all(a.url is None for a in over)
    assert {a.note for a in over} == {
        f"not kept: this sender sent more than {DAILY_FILES} files in a day"
    }
    assert await shop.kept() == DAILY_FILES


async def test_file_names_are_cleaned_and_non_ascii_names_kept(shop: Shop) -> None:
    message = mail("names")
    names = ["../../etc/passwd", "C:\\Users\\ana\\evil.exe", "cod\u202efdp.exe", "a\x1b[2Jb.txt"]
    for name in names:
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename=name)
    message.add_attachment(PDF + b"1", maintype="application", subtype="pdf", filename="été.pdf")
    assert b"filename*=utf-8''%C3%A9t%C3%A9.pdf" in message.as_bytes()  # RFC 2231 on the wire
    assert (await shop.bot.post(message))[0] == 202
    found = await shop.attachments()
    assert [a.name for a in found] == ["passwd", "evil.exe", "codfdp.exe", "a[2Jb.txt", "été.pdf"]
    assert found[-1].url is not None
    status, _, headers = await fetch(found[-1].url)
    assert status == 200
    assert headers["Content-Disposition"] == (
        "attachment; filename=\"_t_.pdf\"; filename*=UTF-8''%C3%A9t%C3%A9.pdf"
    )
    for attachment in found[:-1]:
        assert attachment.url is not None
        disposition = (await fetch(attachment.url))[2]["Content-Disposition"]
        assert not set(disposition) & {"/", "\\", "\x1b", "\u202e"}


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("report.pdf", "report.pdf"),
        ("../../../etc/shadow", "shadow"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("dir/", None),
        ("..", None),
        (".bashrc", "bashrc"),
        ('say "hi".txt', "say 'hi'.txt"),
        ("line\r\nbreak\u2028.txt", "linebreak.txt"),
        ("x" * 300, "x" * 128),
        (None, None),
    ],
)
def test_a_file_name_is_its_last_segment_without_controls(
    given: str | None, shown: str | None
) -> None:
    assert safe_name(given) == shown
