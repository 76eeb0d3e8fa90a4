"""What the bot sends and receives beyond the example's flows: typing, long texts, media, the
customers' files, long button payloads, a send that fails part-way, and secrets kept out of
the logs. A small handler stands in for the dialog engine; everything else is the real thing."""

from __future__ import annotations

import html
import logging

import pytest

from bot.connector import Outgoing
from bot.errors import RateLimited
from bot.format.messages import Address, InboundEvent
from bot.format.outbound import Button, Media, OutboundMessage, Text, Typing
from bot.turn.handler import Turn, TurnOutcome
from connectors.telegram.callbacks import MARKER
from connectors.telegram.connector import EXPIRED
from connectors.telegram.files import FileLinks
from tests.fakes.base import Failure
from tests.fakes.telegram import TOKEN, FakeTelegram, html_text, rate_limited
from tests.fakes.telegram_updates import JOHN
from tests.telegram.kit import SECRET, StartBot

SENTENCE = "Your order left our warehouse and is with the carrier now. "
LONG_PAYLOAD = "choice:" + "a-very-long-payload-" * 10
BROKEN_VIDEO = "https://cdn.example/how-to-fold.mov"
JPEG = b"\xff\xd8\xff\xe0 a photo of the damaged sleeve"
SHOW: dict[str, tuple[OutboundMessage, ...]] = {
    "typing": (Typing(), Text(text="Here it is.")),
    "long": (Text(text=SENTENCE * 150),),
    "photo": (Media(kind="image", url="https://cdn.example/shirt.jpg", caption="The linen shirt"),),
    "manual": (Media(kind="file", url="https://cdn.example/manual.pdf", caption="The manual"),),
    "video": (Media(kind="video", url=BROKEN_VIDEO, caption="How to fold it"),),
    "menu": (
        Text(
            text="Pick one",
            buttons=(
                Button(title="The long one", payload=LONG_PAYLOAD),
                Button(title="Short", payload="short"),
            ),
        ),
    ),
    "three": (Typing(), Text(text="one"), Text(text="two")),
}


async def showing(turn: Turn) -> TurnOutcome:
    """Replies with :data:`SHOW`'s messages, the payload of a pressed button, or the link of
    a file the customer sent."""
    item = turn.input
    assert isinstance(item, InboundEvent)
    replies = SHOW.get(item.text or "", (Text(text="?"),))
    if item.kind == "button":
        replies = (Text(text=f"pressed {item.payload}"),)
    if item.kind == "attachment":
        replies = (Text(text=item.attachments[0].url or "no link"),)
    return TurnOutcome(customer=turn.customer, replies=replies)


async def test_typing_is_shown_before_the_answer(start_bot: StartBot, fake: FakeTelegram) -> None:
    bot = await start_bot(handler=showing)
    calls = await bot.turn(bot.updates.text(JOHN, "typing"), JOHN.id)
    assert [c.method for c in calls] == ["sendChatAction", "sendMessage"]
    assert calls[0].params == {"chat_id": JOHN.id, "action": "typing"}


async def test_a_long_text_arrives_in_pieces_cut_between_sentences(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(handler=showing)
    calls = await bot.turn(bot.updates.text(JOHN, "long"), JOHN.id)
    pieces = [html_text(c.params["text"]) for c in calls]
    assert len(pieces) == 3
    assert all(len(piece) <= 4096 and piece.endswith("carrier now.") for piece in pieces)
    assert " ".join(pieces) == (SENTENCE * 150).strip()


async def test_photos_and_documents_are_sent_by_url_with_their_captions(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(handler=showing)
    [photo] = await bot.turn(bot.updates.text(JOHN, "photo"), JOHN.id)
    [manual] = await bot.turn(bot.updates.text(JOHN, "manual"), JOHN.id)
    assert (photo.method, photo.params["photo"], photo.params["caption"]) == (
        "sendPhoto",
        "https://cdn.example/shirt.jpg",
        "The linen shirt",
    )
    assert (manual.method, manual.params["document"]) == (
        "sendDocument",
        "https://cdn.example/manual.pdf",
    )


async def test_media_telegram_cannot_fetch_is_sent_as_its_link(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    fake.unfetchable.add(BROKEN_VIDEO)
    bot = await start_bot(handler=showing)
    [link] = await bot.turn(bot.updates.text(JOHN, "video"), JOHN.id)
    assert [c.method for c in fake.of("sendVideo")] == ["sendVideo"]
    assert html_text(link.params["text"]) == f"How to fold it\n{BROKEN_VIDEO}"


async def test_a_customers_photo_is_served_through_a_signed_link_without_the_token(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    fake.store_file("AgACphoto", "photos/file_7.jpg", JPEG)
    bot = await start_bot(handler=showing)
    [reply] = await bot.turn(bot.updates.photo(JOHN, "AgACphoto", caption="torn"), JOHN.id)
    link = html_text(reply.params["text"])
    assert link.startswith(str(bot.server.make_url("/telegram/files/AgACphoto?expires=")))
    assert TOKEN.partition(":")[2] not in link
    async with bot.session.get(link) as response:
        assert response.status == 200
        assert await response.read() == JPEG
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert TOKEN.partition(":")[2] not in str(response.headers)
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    async with bot.session.get(tampered) as response:
        assert response.status == 403
    async with bot.session.get(link.replace("AgACphoto", "AgACother", 1)) as response:
        assert response.status == 403
    assert fake.downloads == 1


async def test_a_customers_html_file_is_a_download_never_a_page_of_ours(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    fake.store_file("BQdoc", "documents/file_3.html", b"<script>alert(1)</script>")
    bot = await start_bot(handler=showing)
    update = bot.updates.document(JOHN, "BQdoc", "page.html", "text/html")
    [reply] = await bot.turn(update, JOHN.id)
    async with bot.session.get(html_text(reply.params["text"])) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_a_link_to_a_file_telegram_does_not_know_is_not_found(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(handler=showing)
    link = bot.connector.links.link("AgACnothing")
    async with bot.session.get(link) as response:
        assert response.status == 404


async def test_a_file_the_file_server_no_longer_serves_is_not_found(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    fake.store_file("AgACold", "photos/file_9.jpg", JPEG)
    fake.expired.add("photos/file_9.jpg")
    bot = await start_bot(handler=showing)
    async with bot.session.get(bot.connector.links.link("AgACold")) as response:
        assert response.status == 404
        assert "Telegram no longer keeps it" in await response.text()
    assert fake.downloads == 0


def test_file_links_expire() -> None:
    now = [1_000_000.0]
    links = FileLinks(TOKEN, "https://bot.example", ttl=60, clock=lambda: now[0])
    link = links.link("AgACphoto")
    expires = link.split("expires=")[1].split("&")[0]
    signature = link.split("signature=")[1]
    assert links.valid("AgACphoto", expires, signature)
    now[0] += 61
    assert not links.valid("AgACphoto", expires, signature)
    other = FileLinks("111:AAanotherBotsToken_000000000000000", "https://bot.example")
    now[0] -= 61
    assert not other.valid("AgACphoto", expires, signature)


async def test_a_button_payload_too_long_for_telegram_still_arrives_whole(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(handler=showing)
    [menu] = await bot.turn(bot.updates.text(JOHN, "menu"), JOHN.id)
    long, short = (
        row[0]["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"]
    )
    assert long.startswith(MARKER)
    assert len(long.encode()) <= 64
    assert short == "short"
    [pressed] = await bot.choose(JOHN, "The long one")
    assert html_text(pressed.params["text"]) == f"pressed {LONG_PAYLOAD}"


async def test_a_press_on_a_button_no_longer_known_is_answered_and_goes_no_further(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(handler=showing)
    await bot.turn(bot.updates.text(JOHN, "menu"), JOHN.id)
    before = len(fake.sent())
    answer = await bot.deliver(bot.updates.press(JOHN, MARKER + "A" * 22))
    assert answer["text"] == EXPIRED["en"]
    await bot.idle()
    assert len(fake.sent()) == before


async def test_a_send_that_fails_part_way_says_what_was_sent(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(handler=showing)
    address = Address(channel="telegram", user_id=str(JOHN.id), conversation_id=str(JOHN.id))
    fake.fail_next("sendMessage", Failure(429, rate_limited(3)))
    outgoing = [Outgoing("m1", Typing()), Outgoing("m2", Text(text="two"))]
    with pytest.raises(RateLimited) as raised:
        await bot.connector.send(address, outgoing)
    assert raised.value.retry_after == 3.0
    assert [receipt.message_id for receipt in raised.value.sent] == ["m1"]


async def test_after_a_failure_part_way_only_the_rest_is_sent_again(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(handler=showing)
    fake.fail_next("sendMessage", Failure(429, rate_limited(0)))
    await bot.turn(bot.updates.text(JOHN, "three"), JOHN.id)
    assert len(fake.of("sendChatAction")) == 1
    assert [html.unescape(t) for t in fake.texts(JOHN.id)] == ["one", "two"]


async def test_secrets_never_reach_the_logs(
    start_bot: StartBot, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.store_file("AgACphoto", "photos/file_7.jpg", JPEG)
    bot = await start_bot(handler=showing)
    await fake.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
    await bot.post(bot.updates.text(JOHN, "hi"), secret="forged")
    [reply] = await bot.turn(bot.updates.photo(JOHN, "AgACphoto"), JOHN.id)
    async with bot.session.get(html_text(reply.params["text"])) as response:
        assert response.status == 200
    fake.fail_next("sendMessage", Failure(429, rate_limited(0)))
    fake.blocked.add(JOHN.id)
    await bot.turn(bot.updates.text(JOHN, "long"), JOHN.id)
    assert "webhook refused" in caplog.text
    assert "Forbidden: bot was blocked by the user" in caplog.text
    for secret in (TOKEN, TOKEN.partition(":")[2], SECRET):
        assert secret not in caplog.text
