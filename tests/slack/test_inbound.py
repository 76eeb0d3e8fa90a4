"""Slack payloads as the core's events, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import InboundRejected
from bot.format.messages import Attachment
from bot.http.limits import MAX_TEXT
from connectors.slack.inbound import parse, read
from connectors.slack.people import Person
from tests.fakes.slack import BOT_USER, TEAM
from tests.fakes.slack_events import ANA, CHANNEL, DM, envelope, mention, message

ANA_PERSON = Person(ANA, name="Ana Souza", email="Ana.Souza@Example.com", locale="pt-BR")


def hear(payload: dict[str, Any], bot_user: str | None = BOT_USER) -> Any:
    return parse(read(payload), bot_user)


def test_a_direct_message() -> None:
    event = message("where is my order?", at="1700000000.000100")
    found = hear(envelope(event))
    assert found.event_id == f"msg:{DM}:1700000000.000100"
    assert found.address.model_dump() == {
        "channel": "slack",
        "user_id": ANA,
        "conversation_id": DM,
        "thread_id": None,
        "bot_id": TEAM,
    }
    built = found.event(ANA_PERSON)
    assert (built.kind, built.text, built.name, built.locale) == (
        "text",
        "where is my order?",
        "Ana Souza",
        "pt-BR",
    )
    [email] = built.verified
    assert (email.kind, email.value, email.issuer) == ("email", "ana.souza@example.com", "slack")


def test_without_a_profile_the_event_goes_without_attributes() -> None:
    built = hear(envelope(message("hi"))).event(None)
    assert (built.name, built.locale, built.verified) == (None, None, ())


def test_the_envelope_id_is_not_the_event_id_so_retries_and_twins_match() -> None:
    event = message("hi", at="1700000000.000200")
    one, two = hear(envelope(event, "Ev1")), hear(envelope(event, "Ev2"))
    assert one.event_id == two.event_id


def test_a_reply_in_a_direct_message_thread_is_answered_there() -> None:
    found = hear(envelope(message("A-10001", thread_ts="1700000000.000001")))
    assert found.address.thread_id == "1700000000.000001"
    assert not found.thread_reply


def test_a_mention_starts_a_thread_under_itself() -> None:
    event = mention("where is my order?", at="1700000000.000300")
    found = hear(envelope(event))
    assert (found.text, found.address.conversation_id) == ("where is my order?", CHANNEL)
    assert found.address.thread_id == "1700000000.000300"


def test_a_mention_in_a_thread_answers_in_that_thread() -> None:
    found = hear(envelope(mention("hi", thread_ts="1700000000.000001")))
    assert found.address.thread_id == "1700000000.000001"


def test_a_channel_thread_reply_needs_the_core_to_say_it_is_for_the_bot() -> None:
    event = message("A-10001", channel=CHANNEL, channel_type="channel", thread_ts="17.1")
    found = hear(envelope(event))
    assert found.thread_reply
    assert found.address.thread_id == "17.1"


def test_slack_markup_is_read_back_into_what_was_typed() -> None:
    event = message("my email is <mailto:ana@example.com|ana@example.com> &amp; more")
    assert hear(envelope(event)).text == "my email is ana@example.com & more"


def test_files_become_attachments() -> None:
    files = [
        {
            "id": "F1",
            "name": "receipt.png",
            "mimetype": "image/png",
            "url_private": "https://files.slack.com/files-pri/T0-F1/receipt.png",
            "size": 1234,
        },
        {"id": "F2", "name": "clip.m4a", "mimetype": "audio/mp4", "subtype": "slack_audio"},
        {"id": "F3", "name": "notes.pdf", "mimetype": "application/pdf"},
        {"id": "F4", "mode": "tombstone"},
    ]
    event = message("here it is", subtype="file_share", files=files)
    found = hear(envelope(event))
    assert (found.kind, found.text) == ("attachment", "here it is")
    assert found.attachments == (
        Attachment(
            kind="image",
            url="https://files.slack.com/files-pri/T0-F1/receipt.png",
            file_id="F1",
            content_type="image/png",
            name="receipt.png",
            size=1234,
        ),
        Attachment(kind="voice", file_id="F2", content_type="audio/mp4", name="clip.m4a"),
        Attachment(kind="file", file_id="F3", content_type="application/pdf", name="notes.pdf"),
    )


def test_a_long_message_is_cut_to_what_the_core_takes() -> None:
    event = hear(envelope(message("x" * 20_000))).event(None)
    assert event.text == "x" * MAX_TEXT
    assert event.cut is not None
    assert event.cut.text_length == 20_000


def test_a_click_is_a_button_event_in_the_clicked_messages_thread() -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": ANA, "team_id": TEAM},
        "team": {"id": TEAM},
        "container": {
            "type": "message",
            "channel_id": CHANNEL,
            "message_ts": "1700000000.000500",
            "thread_ts": "1700000000.000300",
        },
        "channel": {"id": CHANNEL},
        "message": {"ts": "1700000000.000500", "thread_ts": "1700000000.000300"},
        "actions": [
            {
                "action_id": "choice-1",
                "block_id": "b",
                "type": "button",
                "value": "flow:order_status",
                "text": {"type": "plain_text", "text": "Order status"},
                "action_ts": "1700000001.123456",
            }
        ],
    }
    found = hear(payload)
    assert found.event_id == f"action:{ANA}:1700000001.123456"
    assert (found.kind, found.payload, found.text) == (
        "button",
        "flow:order_status",
        "Order status",
    )
    assert (found.address.conversation_id, found.address.thread_id) == (
        CHANNEL,
        "1700000000.000300",
    )


@pytest.mark.parametrize(
    "payload",
    [
        envelope(message("edited", subtype="message_changed")),
        envelope(message("gone", subtype="message_deleted")),
        envelope(message("joined", subtype="channel_join", channel=CHANNEL)),
        envelope(message("a bot", bot_id="B1")),
        envelope(message("top level", channel=CHANNEL, channel_type="channel")),
        envelope(message("   ")),
        envelope({**mention("again"), "edited": {"user": ANA, "ts": "1.2"}}),
        envelope({"type": "reaction_added", "user": ANA}),
        {"type": "view_submission", "user": {"id": ANA}},
        {"type": "shortcut", "callback_id": "x"},
    ],
    ids=[
        "edit",
        "deletion",
        "join",
        "bot",
        "channel message",
        "blank",
        "edited mention",
        "reaction",
        "view submission",
        "shortcut",
    ],
)
def test_what_is_nothing_for_the_bot(payload: dict[str, Any]) -> None:
    assert hear(payload) is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"type": 7},
        {"type": "event_callback", "team_id": TEAM, "event_id": "Ev1"},
        envelope({"type": "message", "channel": DM, "user": ANA}),
        {"type": "block_actions", "user": {}, "actions": [{"action_id": "a", "type": "b"}]},
    ],
    ids=["empty", "type not a string", "no event", "message without ts", "user without id"],
)
def test_a_malformed_payload_is_a_400_that_names_the_field(payload: dict[str, Any]) -> None:
    with pytest.raises(InboundRejected) as raised:
        read(payload)
    assert raised.value.status == 400
    assert raised.value.reason.startswith("malformed Slack payload: ")
