"""Telegram updates into events: pure parsing, no server."""

from __future__ import annotations

from typing import Any

import pytest

from bot.format.messages import InboundEvent, VerifiedAttribute
from connectors.telegram import inbound
from connectors.telegram.api_types import Update
from connectors.telegram.callbacks import MARKER, encode
from connectors.telegram.inbound import BotProfile, Parsed
from tests.fakes.telegram import BOT_ID, USERNAME
from tests.fakes.telegram_updates import ANA, GROUP, JOHN, MARIA, Updates

ME = BotProfile(BOT_ID, USERNAME)


def link(file_id: str) -> str:
    return f"https://bot.example/telegram/files/{file_id}?signed"


def parse(update: dict[str, Any]) -> Parsed:
    return inbound.parse(Update.model_validate(update), ME, link)


def event_of(update: dict[str, Any]) -> InboundEvent:
    event = parse(update).event
    assert event is not None, "the update should become an event"
    return event


@pytest.fixture
def updates() -> Updates:
    return Updates()


def test_a_private_message_is_a_text_event_from_its_sender(updates: Updates) -> None:
    update = updates.text(ANA, "Onde está meu pedido?")
    event = event_of(update)
    assert (event.kind, event.text) == ("text", "Onde está meu pedido?")
    assert event.event_id == f"{BOT_ID}:{update['update_id']}"
    assert event.address.model_dump() == {
        "channel": "telegram",
        "user_id": "1001",
        "conversation_id": "1001",
        "thread_id": None,
        "bot_id": str(BOT_ID),
    }
    assert (event.locale, event.name) == ("pt-BR", "Ana Souza")


def test_start_keeps_the_deep_link_payload(updates: Updates) -> None:
    event = event_of(updates.text(JOHN, "/start link-Ab12_cd"))
    assert event.kind == "command"
    assert event.command is not None
    assert (event.command.name, event.command.argument) == ("start", "link-Ab12_cd")


@pytest.mark.parametrize(
    ("text", "name"),
    [("/stop", "stop"), ("/help", "help"), ("/restart", "restart"), ("/HELP", "help")],
)
def test_known_commands_become_commands(updates: Updates, text: str, name: str) -> None:
    event = event_of(updates.text(JOHN, text))
    assert event.command is not None
    assert (event.kind, event.command.name, event.command.argument) == ("command", name, None)


def test_another_command_reads_as_its_words(updates: Updates) -> None:
    event = event_of(updates.text(JOHN, "/order_status A-10001"))
    assert (event.kind, event.text) == ("text", "order status A-10001")


def test_a_command_for_this_bot_by_name_is_a_command(updates: Updates) -> None:
    event = event_of(updates.text(JOHN, f"/help@{USERNAME}"))
    assert event.command is not None
    assert event.command.name == "help"
    assert event.text == "/help"


def test_in_a_group_plain_chatter_is_ignored(updates: Updates) -> None:
    assert parse(updates.text(ANA, "where is my order", chat=GROUP)).event is None


def test_in_a_group_a_mention_is_answered_in_the_group_as_the_sender(updates: Updates) -> None:
    event = event_of(updates.text(ANA, f"@{USERNAME} where is my order?", chat=GROUP))
    assert event.text == "where is my order?"
    assert (event.address.conversation_id, event.address.user_id) == (str(GROUP), "1001")


def test_a_mention_after_astral_characters_is_cut_at_the_right_place(updates: Updates) -> None:
    event = event_of(updates.text(ANA, f"😀😀 @{USERNAME} hello 👋", chat=GROUP))
    assert event.text == "😀😀 hello 👋"


def test_a_mention_of_someone_else_is_not_for_the_bot(updates: Updates) -> None:
    assert parse(updates.text(ANA, "@somebody_else where is it?", chat=GROUP)).event is None


def test_in_a_group_a_reply_to_the_bot_is_answered(updates: Updates) -> None:
    update = updates.text(ANA, "A-10001", chat=GROUP, reply_to=updates.reply_to_bot())
    assert event_of(update).text == "A-10001"


@pytest.mark.parametrize(
    ("text", "answered"),
    [("/help", True), (f"/help@{USERNAME}", True), ("/help@other_shop_bot", False)],
)
def test_in_a_group_commands_count_unless_they_name_another_bot(
    updates: Updates, text: str, answered: bool
) -> None:
    assert (parse(updates.text(ANA, text, chat=GROUP)).event is not None) is answered


def test_a_message_in_a_forum_topic_is_answered_in_that_topic(updates: Updates) -> None:
    event = event_of(updates.text(ANA, f"@{USERNAME} hi", chat=GROUP, thread=77))
    assert event.address.thread_id == "77"


def test_a_contact_of_ones_own_is_verified_and_vouches_for_the_phone(updates: Updates) -> None:
    event = event_of(updates.contact(MARIA, "5531988887777", owner=MARIA.id))
    assert event.kind == "contact"
    assert event.contact is not None
    assert (event.contact.phone, event.contact.verified) == ("+5531988887777", True)
    assert event.verified == (
        VerifiedAttribute(kind="phone", value="+5531988887777", issuer="telegram"),
    )


@pytest.mark.parametrize("owner", [JOHN.id, None])
def test_someone_elses_contact_is_not_verified(updates: Updates, owner: int | None) -> None:
    event = event_of(updates.contact(MARIA, "(31) 98888-7777", owner=owner))
    assert event.contact is not None
    assert (event.contact.phone, event.contact.verified) == ("(31) 98888-7777", False)
    assert event.verified == ()


def test_a_location_is_a_location(updates: Updates) -> None:
    event = event_of(updates.location(JOHN, -23.5614, -46.6559))
    assert event.location is not None
    assert (event.kind, event.location.latitude, event.location.longitude) == (
        "location",
        -23.5614,
        -46.6559,
    )


def test_a_photo_is_its_largest_size_with_a_signed_link_and_its_caption(updates: Updates) -> None:
    event = event_of(updates.photo(JOHN, "AgACphoto", caption="the damage"))
    [attachment] = event.attachments
    assert (event.kind, event.text) == ("attachment", "the damage")
    assert attachment.model_dump() == {
        "kind": "image",
        "url": link("AgACphoto"),
        "file_id": "AgACphoto",
        "content_type": "image/jpeg",
        "name": None,
        "size": 123_456,
        "note": None,
    }


def test_documents_and_voice_notes_are_attachments(updates: Updates) -> None:
    [document] = event_of(
        updates.document(JOHN, "BQdoc", "receipt.pdf", "application/pdf")
    ).attachments
    assert (document.kind, document.name, document.content_type) == (
        "file",
        "receipt.pdf",
        "application/pdf",
    )
    [voice] = event_of(updates.voice(JOHN, "AwVoice")).attachments
    assert (voice.kind, voice.file_id, voice.content_type) == ("voice", "AwVoice", "audio/ogg")


def test_a_button_press_carries_its_payload_and_title_and_is_answered(updates: Updates) -> None:
    keyboard = [[{"text": "Order status", "callback_data": "flow:order_status"}]]
    update = updates.press(JOHN, "flow:order_status", keyboard=keyboard)
    parsed = parse(update)
    assert parsed.callback_id == update["callback_query"]["id"]
    assert parsed.digest is None
    event = parsed.event
    assert event is not None
    assert (event.kind, event.payload, event.text) == (
        "button",
        "flow:order_status",
        "Order status",
    )
    assert event.address.conversation_id == str(JOHN.id)


def test_a_press_of_a_long_payload_asks_for_it_to_be_looked_up(updates: Updates) -> None:
    data = encode("x" * 200)
    parsed = parse(updates.press(JOHN, data))
    assert data.startswith(MARKER)
    assert parsed.digest == data.removeprefix(MARKER)
    resolved = parsed.with_payload("x" * 200, expired="gone")
    assert resolved.event is not None
    assert resolved.event.payload == "x" * 200
    expired = parsed.with_payload(None, expired="gone")
    assert (expired.event, expired.callback_id, expired.notice) == (
        None,
        parsed.callback_id,
        "gone",
    )


def test_a_press_on_a_message_too_old_to_be_shown_is_answered_but_not_an_event(
    updates: Updates,
) -> None:
    update = updates.press(JOHN, "flow:order_status")
    del update["callback_query"]["message"]
    parsed = parse(update)
    assert (parsed.event, parsed.callback_id) == (None, update["callback_query"]["id"])


def test_an_edited_message_is_ignored(updates: Updates) -> None:
    assert parse(updates.edited(JOHN, "A-10001")) == Parsed(None)


def test_messages_from_bots_and_channel_posts_are_ignored(updates: Updates) -> None:
    from_bot = updates.text(JOHN, "hello")
    from_bot["message"]["from"]["is_bot"] = True
    assert parse(from_bot).event is None
    post = updates.update(
        channel_post={
            "message_id": 1,
            "date": 1,
            "chat": {"id": -100200, "type": "channel"},
            "text": "news",
        }
    )
    assert parse(post) == Parsed(None)


def test_a_message_with_nothing_the_bot_understands_is_ignored(updates: Updates) -> None:
    dice = updates.update(message=updates.message(JOHN, dice={"emoji": "🎲", "value": 3}))
    assert parse(dice).event is None
