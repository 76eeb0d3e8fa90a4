"""Media customers send: attachments behind signed links of ours, fetched from the fake Graph
API with the token server-side, and the attacks on those links."""

from __future__ import annotations

import logging

import pytest

from bot.format.messages import Attachment
from connectors.file_links import SignedLinks
from connectors.whatsapp.cloud.settings import MEDIA_PATH
from tests.fakes import whatsapp_notifications as meta
from tests.fakes.whatsapp import DOWNLOAD, MEDIA, TOKEN, FakeGraph, failure
from tests.whatsapp.kit import LINKS_BASE, WA_ID, WhatsappBot

PICTURE = b"\x89PNG\r\n\x1a\nfake picture bytes"
NOTE = b"OggS fake voice note"


async def sent(store: WhatsappBot, notification: dict[str, object]) -> Attachment:
    """Post ``notification``; the one attachment the core recorded."""
    assert (await store.notify(notification)).status == 200
    await store.replies(1)
    [event] = await store.inputs()
    assert event.kind == "attachment"
    [attachment] = event.attachments
    return attachment


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        ("image", {"mime_type": "image/jpeg"}, "image"),
        ("audio", {"mime_type": "audio/ogg; codecs=opus", "voice": True}, "voice"),
        ("audio", {"mime_type": "audio/mpeg"}, "audio"),
        ("video", {"mime_type": "video/mp4"}, "video"),
        ("document", {"mime_type": "application/pdf", "filename": "nota.pdf"}, "file"),
        ("sticker", {"mime_type": "image/webp", "animated": False}, "sticker"),
    ],
)
async def test_each_kind_of_media_is_an_attachment_with_a_link_of_ours(
    store: WhatsappBot, kind: str, fields: dict[str, object], expected: str
) -> None:
    attachment = await sent(store, meta.media(WA_ID, kind, "1037543291543636", **fields))
    assert (attachment.kind, attachment.file_id) == (expected, "1037543291543636")
    assert attachment.url is not None
    assert attachment.url.startswith(f"{LINKS_BASE}{MEDIA_PATH}/1037543291543636?expires=")
    assert attachment.content_type == fields["mime_type"]
    assert attachment.name == fields.get("filename")


async def test_a_caption_is_the_events_text(store: WhatsappBot) -> None:
    notification = meta.media(WA_ID, "image", "11", mime_type="image/jpeg", caption="Chegou assim")
    await sent(store, notification)
    [event] = await store.inputs()
    assert event.text == "Chegou assim"


async def test_following_the_link_gives_the_bytes_fetched_with_the_token(
    store: WhatsappBot, graph: FakeGraph
) -> None:
    graph.add_media("2001", PICTURE, "image/png")
    attachment = await sent(store, meta.media(WA_ID, "image", "2001", mime_type="image/png"))
    assert attachment.url is not None
    fetched = await store.follow(attachment.url)
    assert (fetched.status, fetched.body) == (200, PICTURE)
    assert fetched.headers["Content-Type"] == "image/png"
    assert fetched.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    [asked] = graph.of(MEDIA)
    assert asked.params == {"phone_number_id": "106540352242922"}
    assert [c.headers["Authorization"] for c in graph.of(DOWNLOAD)] == [f"Bearer {TOKEN}"]


async def test_a_voice_note_is_a_download_never_a_page(
    store: WhatsappBot, graph: FakeGraph
) -> None:
    graph.add_media("2002", NOTE, "audio/ogg; codecs=opus")
    notification = meta.media(WA_ID, "audio", "2002", mime_type="audio/ogg", voice=True)
    attachment = await sent(store, notification)
    assert attachment.url is not None
    fetched = await store.follow(attachment.url)
    assert (fetched.status, fetched.body) == (200, NOTE)
    assert fetched.headers["Content-Type"] == "application/octet-stream"
    assert fetched.headers["Content-Disposition"].startswith("attachment;")


async def test_a_forged_signature_is_refused_and_graph_is_not_asked(
    store: WhatsappBot, graph: FakeGraph
) -> None:
    graph.add_media("2003", PICTURE, "image/png")
    attachment = await sent(store, meta.media(WA_ID, "image", "2003", mime_type="image/png"))
    assert attachment.url is not None
    forged = attachment.url.rsplit("signature=", 1)[0] + "signature=" + "A" * 43
    assert (await store.follow(forged)).status == 403
    unsigned = attachment.url.split("?", 1)[0]
    assert (await store.follow(unsigned)).status == 403
    assert graph.of(MEDIA) == []


async def test_a_link_made_with_another_key_is_refused(
    store: WhatsappBot, graph: FakeGraph
) -> None:
    graph.add_media("2004", PICTURE, "image/png")
    other = SignedLinks("another-app-secret", "whatsapp:media-links", LINKS_BASE, MEDIA_PATH)
    assert (await store.follow(other.link("2004"))).status == 403
    assert graph.of(MEDIA) == []


async def test_an_expired_link_is_refused(store: WhatsappBot, graph: FakeGraph) -> None:
    graph.add_media("2005", PICTURE, "image/png")
    settings = store.connector.settings
    past = SignedLinks(
        settings.app_secret,
        "whatsapp:media-links",
        LINKS_BASE,
        MEDIA_PATH,
        ttl=3600,
        clock=lambda: 1_000_000.0,
    )
    assert (await store.follow(past.link("2005"))).status == 403
    fresh = SignedLinks(settings.app_secret, "whatsapp:media-links", LINKS_BASE, MEDIA_PATH)
    assert (await store.follow(fresh.link("2005"))).status == 200
    assert len(graph.of(MEDIA)) == 1


async def test_a_link_opens_only_its_own_media_not_another_customers(
    store: WhatsappBot, graph: FakeGraph
) -> None:
    graph.add_media("3001", PICTURE, "image/png")
    graph.add_media("3002", b"someone else's document", "application/pdf")
    attachment = await sent(store, meta.media(WA_ID, "image", "3001", mime_type="image/png"))
    assert attachment.url is not None
    swapped = attachment.url.replace(f"{MEDIA_PATH}/3001?", f"{MEDIA_PATH}/3002?")
    assert (await store.follow(swapped)).status == 403
    assert graph.of(DOWNLOAD) == []


async def test_media_whatsapp_no_longer_keeps_is_not_found(
    store: WhatsappBot, graph: FakeGraph
) -> None:
    attachment = await sent(store, meta.media(WA_ID, "image", "4001", mime_type="image/png"))
    assert attachment.url is not None
    assert (await store.follow(attachment.url)).status == 404
    graph.fail_next(MEDIA, failure(401, 190))
    assert (await store.follow(attachment.url)).status == 502


async def test_the_token_never_goes_to_a_host_graph_did_not_vouch_for(
    store: WhatsappBot, graph: FakeGraph
) -> None:
    async with FakeGraph() as elsewhere:
        graph.add_media("5001", PICTURE, "image/png", url=f"{elsewhere.url}/steal?mid=5001")
        notification = meta.media(WA_ID, "image", "5001", mime_type="image/png")
        attachment = await sent(store, notification)
        assert attachment.url is not None
        assert (await store.follow(attachment.url)).status == 502
        assert elsewhere.calls == []


async def test_the_token_is_in_no_answer_transcript_or_log(
    store: WhatsappBot, graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    graph.add_media("6001", PICTURE, "image/png")
    attachment = await sent(store, meta.media(WA_ID, "image", "6001", mime_type="image/png"))
    assert attachment.url is not None
    fetched = await store.follow(attachment.url)
    assert fetched.status == 200
    graph.fail_next(MEDIA, failure(401, 190))
    assert (await store.follow(attachment.url)).status == 502
    transcript = [entry.model_dump_json() for entry in await store.transcript()]
    seen = [fetched.body.decode("latin-1"), *fetched.headers.values(), *transcript, caplog.text]
    assert TOKEN not in "\n".join(seen)
    assert graph.url not in "\n".join(transcript)
