"""Media customers send through Twilio's WhatsApp: attachments behind signed links of ours,
fetched from the fake Twilio with the account's credentials server-side, its redirect followed
without them, and the attacks on those links."""

from __future__ import annotations

import base64
import logging

import pytest

from bot.format.messages import Attachment
from connectors.file_links import SignedLinks
from connectors.whatsapp.twilio.media import cdn
from connectors.whatsapp.twilio.settings import MEDIA_PATH
from tests.fakes.twilio import CDN, MEDIA, FakeTwilio
from tests.whatsapp.twilio_kit import CUSTOMER, PUBLIC_URL, TwilioBotFactory, TwilioWhatsappBot

PICTURE = b"\x89PNG\r\n\x1a\nfake picture bytes"
PURPOSE = "whatsapp:twilio-media-links"


async def received(bot: TwilioWhatsappBot, body: str, *media: tuple[str, str]) -> Attachment:
    """The customer sends ``media`` (with ``body`` as the caption); the one attachment the
    core recorded."""
    assert (await bot.twilio.whatsapp_media(CUSTOMER, media, body)).status == 200
    await bot.replies(1)
    [event] = await bot.inputs()
    assert event.kind == "attachment"
    [attachment] = event.attachments
    return attachment


@pytest.fixture
async def bot(make_twilio_bot: TwilioBotFactory) -> TwilioWhatsappBot:
    return await make_twilio_bot()


async def test_a_picture_alone_is_an_attachment_with_a_link_of_ours(
    bot: TwilioWhatsappBot, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(PICTURE, "image/jpeg")
    attachment = await received(bot, "", (url, "image/jpeg"))
    [event] = await bot.inputs()
    assert event.text is None
    assert (attachment.kind, attachment.content_type) == ("image", "image/jpeg")
    assert attachment.url is not None
    assert attachment.url.startswith(f"{PUBLIC_URL}{MEDIA_PATH}/MM")
    assert twilio.url not in attachment.url


async def test_a_picture_with_a_caption_is_an_attachment_whose_text_is_the_caption(
    bot: TwilioWhatsappBot, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(PICTURE, "image/jpeg")
    attachment = await received(bot, "Chegou assim, quebrado", (url, "image/jpeg"))
    [event] = await bot.inputs()
    assert event.text == "Chegou assim, quebrado"
    assert attachment.kind == "image"


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [("audio/ogg", "voice"), ("audio/mpeg", "audio"), ("video/mp4", "video"),
     ("application/pdf", "file"), ("image/webp", "sticker")],
)  # fmt: skip
async def test_each_kind_of_media_is_told_by_its_type(
    bot: TwilioWhatsappBot, twilio: FakeTwilio, content_type: str, kind: str
) -> None:
    url = twilio.add_media(b"bytes", content_type)
    assert (await received(bot, "", (url, content_type))).kind == kind


async def test_following_the_link_gives_the_bytes_the_credentials_left_at_twilio(
    bot: TwilioWhatsappBot, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(PICTURE, "image/png")
    attachment = await received(bot, "", (url, "image/png"))
    assert attachment.url is not None
    fetched = await bot.follow(attachment.url)
    assert (fetched.status, fetched.body) == (200, PICTURE)
    assert fetched.headers["Content-Type"] == "image/png"
    assert fetched.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    basic = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
    assert [c.headers.get("Authorization") for c in twilio.of(MEDIA)] == [f"Basic {basic}"]
    [followed] = twilio.of(CDN)
    assert "Authorization" not in followed.headers


async def test_a_forged_swapped_or_foreign_link_is_refused_and_twilio_is_not_asked(
    bot: TwilioWhatsappBot, twilio: FakeTwilio
) -> None:
    first = await received(bot, "", (twilio.add_media(PICTURE, "image/png"), "image/png"))
    assert first.url is not None
    assert first.file_id is not None
    forged = first.url.rsplit("signature=", 1)[0] + "signature=" + "A" * 43
    unsigned = first.url.split("?", 1)[0]
    other = f"MM{'0' * 32}-ME{'1' * 32}"
    swapped = first.url.replace(first.file_id, other)
    foreign = SignedLinks("another-auth-token", PURPOSE, PUBLIC_URL, MEDIA_PATH).link(other)
    for link in (forged, unsigned, swapped, foreign):
        assert (await bot.follow(link)).status == 403, link
    assert twilio.of(MEDIA) == []


async def test_an_expired_link_is_refused(bot: TwilioWhatsappBot, twilio: FakeTwilio) -> None:
    attachment = await received(bot, "", (twilio.add_media(PICTURE, "image/png"), "image/png"))
    assert attachment.file_id is not None
    token = twilio.auth_token
    past = SignedLinks(token, PURPOSE, PUBLIC_URL, MEDIA_PATH, clock=lambda: 1_000_000.0)
    assert (await bot.follow(past.link(attachment.file_id))).status == 403
    fresh = SignedLinks(token, PURPOSE, PUBLIC_URL, MEDIA_PATH)
    assert (await bot.follow(fresh.link(attachment.file_id))).status == 200


async def test_a_media_url_of_another_account_is_refused(
    bot: TwilioWhatsappBot, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(PICTURE, "image/png").replace(twilio.account_sid, "AC" + "f" * 32)
    assert (await twilio.whatsapp_media(CUSTOMER, [(url, "image/png")])).status == 400
    assert bot.known() == 0


async def test_media_twilio_no_longer_keeps_is_not_found(
    bot: TwilioWhatsappBot, twilio: FakeTwilio
) -> None:
    attachment = await received(bot, "", (twilio.add_media(PICTURE, "image/png"), "image/png"))
    assert attachment.url is not None
    twilio.media.clear()
    assert (await bot.follow(attachment.url)).status == 404


async def test_a_redirect_elsewhere_is_not_followed(
    bot: TwilioWhatsappBot, twilio: FakeTwilio
) -> None:
    async with FakeTwilio() as elsewhere:
        url = twilio.add_media(PICTURE, "image/png", redirect=f"{elsewhere.url}/cdn/stolen")
        attachment = await received(bot, "", (url, "image/png"))
        assert attachment.url is not None
        assert (await bot.follow(attachment.url)).status == 502
        assert elsewhere.calls == []


def test_only_twilios_hosts_are_followed() -> None:
    api = "https://api.twilio.com"
    assert cdn("https://mms.twiliocdn.com/AC/abc?Expires=1", api)
    assert cdn("https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC/abc", api)
    assert not cdn("https://s3-external-1.amazonaws.com/attacker-bucket/abc", api)
    assert not cdn("http://mms.twiliocdn.com/abc", api)
    assert not cdn("https://twiliocdn.com.evil.example/abc", api)
    assert not cdn("https://mms.twiliocdn.com:8443/abc", api)


async def test_the_credentials_are_in_no_answer_transcript_or_log(
    bot: TwilioWhatsappBot, twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    attachment = await received(bot, "", (twilio.add_media(PICTURE, "image/png"), "image/png"))
    assert attachment.url is not None
    fetched = await bot.follow(attachment.url)
    assert fetched.status == 200
    twilio.media.clear()
    assert (await bot.follow(attachment.url)).status == 404
    transcript = [entry.model_dump_json() for entry in await bot.transcript()]
    seen = "\n".join([fetched.body.decode("latin-1"), *fetched.headers.values(), *transcript])
    basic = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
    for secret in (twilio.auth_token, basic):
        assert secret not in seen + caplog.text
    assert twilio.url not in "\n".join(transcript)
