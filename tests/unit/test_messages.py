"""The common message format: JSON round trips, validation and the customer record's helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.format.messages import (
    TURN_INPUT,
    Address,
    Attachment,
    ChannelIdentity,
    Command,
    Contact,
    Cut,
    InboundEvent,
    Location,
    SystemEvent,
    VerifiedAttribute,
    canonical,
)
from bot.format.offered import OfferedOptions, Option
from bot.format.outbound import OUTBOUND, Button, Card, Media, Text, Typing
from bot.format.transcript import (
    TRANSCRIPT_ENTRY,
    InboundEntry,
    NoteEntry,
    OutboundEntry,
    StatusEntry,
)
from bot.turn.customer import CustomerRecord, Handoff

NOW = datetime(2024, 5, 17, 9, 30, 15, 123000, tzinfo=UTC)
TG = Address(channel="telegram", user_id="42", conversation_id="42", bot_id="shopbot")
SMS = Address(channel="sms", user_id="+15550100", conversation_id="+15550100", bot_id="+15550199")
PHONE = VerifiedAttribute(kind="phone", value="+15550100", issuer="sms")
EMAIL = VerifiedAttribute(kind="email", value="ana@example.com", issuer="webchat:shop.example")


def event(**fields: object) -> InboundEvent:
    """A valid Telegram event with ``fields`` on top of the defaults."""
    base: dict[str, object] = {
        "event_id": "u-1",
        "channel": "telegram",
        "address": TG,
        "received_at": NOW,
    }
    return InboundEvent.model_validate({**base, **fields})


INBOUND_OF_EVERY_KIND = {
    "text": event(kind="text", text="Where is my order?", locale="pt-BR"),
    "button": event(kind="button", payload="order:status", text="Order status"),
    "attachment": event(
        kind="attachment",
        attachments=(
            Attachment(kind="image", url="https://cdn.example/1.jpg", content_type="image/jpeg"),
            Attachment(kind="voice", file_id="AwACAgQ", size=5120, name="voice.ogg"),
        ),
    ),
    "location": event(
        kind="location", location=Location(latitude=-23.55, longitude=-46.63, title="Shop")
    ),
    "contact": event(
        kind="contact",
        contact=Contact(phone="+15550100", name="Ana", user_id="42", verified=True),
        verified=(PHONE,),
    ),
    "command": event(kind="command", command=Command(name="start", argument="link-7f3a")),
}


@pytest.mark.parametrize("kind", sorted(INBOUND_OF_EVERY_KIND))
def test_inbound_event_survives_a_json_round_trip(kind: str) -> None:
    original = INBOUND_OF_EVERY_KIND[kind]
    restored = TURN_INPUT.validate_json(TURN_INPUT.dump_json(original))
    assert isinstance(restored, InboundEvent)
    assert restored == original
    assert restored.kind == kind


def test_inbound_event_round_trip_keeps_the_address_in_full() -> None:
    original = event(
        kind="text",
        text="hi",
        address=Address(
            channel="telegram", user_id="42", conversation_id="-100", thread_id="7", bot_id="b"
        ),
    )
    restored = TURN_INPUT.validate_json(TURN_INPUT.dump_json(original))
    assert isinstance(restored, InboundEvent)
    assert restored.address.thread_id == "7"
    assert restored.address.conversation_id == "-100"


def test_system_event_survives_a_json_round_trip() -> None:
    original = SystemEvent(
        event_id="timer-9",
        name="reminder",
        data={"order": "A-1", "attempt": 2, "items": [1, 2.5, None, True], "nested": {"x": "y"}},
        received_at=NOW,
    )
    restored = TURN_INPUT.validate_json(TURN_INPUT.dump_json(original))
    assert isinstance(restored, SystemEvent)
    assert restored == original


def test_turn_input_is_told_apart_by_its_source() -> None:
    raw = b'{"source": "system", "name": "tick", "received_at": "2024-05-17T09:30:15Z"}'
    assert isinstance(TURN_INPUT.validate_json(raw), SystemEvent)


def test_turn_input_rejects_an_unknown_source() -> None:
    with pytest.raises(ValidationError, match="source"):
        TURN_INPUT.validate_python({"source": "agent", "name": "x"})


def test_inbound_event_defaults_to_customer_source_and_aware_utc_time() -> None:
    fresh = InboundEvent(event_id="1", channel="sms", address=SMS, kind="text", text="hi")
    assert fresh.source == "customer"
    assert fresh.received_at.utcoffset() == timedelta(0)


def test_inbound_event_sender_is_the_address_identity() -> None:
    assert INBOUND_OF_EVERY_KIND["text"].sender == ChannelIdentity(channel="telegram", user_id="42")
    assert INBOUND_OF_EVERY_KIND["text"].sender.key == "telegram:42"


def test_received_at_must_carry_a_timezone() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        event(kind="text", text="hi", received_at=datetime(2024, 5, 17, 9, 30))


@pytest.mark.parametrize(
    ("kind", "part"),
    [
        ("text", "text"),
        ("button", "payload"),
        ("attachment", "attachments"),
        ("location", "location"),
        ("contact", "contact"),
        ("command", "command"),
    ],
)
def test_event_of_a_kind_without_its_part_is_rejected(kind: str, part: str) -> None:
    with pytest.raises(ValidationError, match=f"a '{kind}' event needs its {part}"):
        event(kind=kind)


def test_button_event_with_only_text_is_rejected() -> None:
    with pytest.raises(ValidationError, match="a 'button' event needs its payload"):
        event(kind="button", text="Order status")


def test_attachment_without_url_or_file_id_is_rejected() -> None:
    with pytest.raises(ValidationError, match="an attachment needs a url or a file_id"):
        Attachment(kind="file", name="invoice.pdf")


def test_address_channel_must_be_the_event_channel() -> None:
    with pytest.raises(ValidationError, match=r"address\.channel must be the event's channel"):
        event(channel="sms", kind="text", text="hi")


@pytest.mark.parametrize(
    "name", ["Telegram", "9sms", "", "web chat", "sms!", "a" * 33, "-sms", "téléphone"]
)
def test_bad_channel_names_are_rejected_everywhere(name: str) -> None:
    with pytest.raises(ValidationError, match="must be lowercase letters"):
        ChannelIdentity(channel=name, user_id="1")
    with pytest.raises(ValidationError, match="must be lowercase letters"):
        Address(channel=name, user_id="1", conversation_id="1")


@pytest.mark.parametrize("name", ["sms", "web-chat", "x_1", "a" * 32])
def test_good_channel_names_are_accepted(name: str) -> None:
    assert ChannelIdentity(channel=name, user_id="1").key == f"{name}:1"


def test_unknown_command_is_rejected() -> None:
    with pytest.raises(ValidationError, match="name"):
        Command.model_validate({"name": "delete_everything"})


@pytest.mark.parametrize(("latitude", "longitude"), [(90.5, 0), (-91, 0), (0, 180.1), (0, -181)])
def test_location_outside_the_globe_is_rejected(latitude: float, longitude: float) -> None:
    with pytest.raises(ValidationError):
        Location(latitude=latitude, longitude=longitude)


def test_more_than_ten_attachments_are_cut_to_ten_and_the_event_says_so() -> None:
    many = tuple(Attachment(kind="image", file_id=str(i)) for i in range(11))
    cut = event(kind="attachment", attachments=many)
    assert cut.attachments == many[:10]
    assert cut.cut == Cut(attachments=11)


def test_a_text_over_the_limit_is_cut_and_the_event_says_so() -> None:
    cut = event(kind="text", text="é" * 5000)
    assert cut.text == "é" * 4096
    assert cut.cut == Cut(text_length=5000)
    assert event(kind="text", text="é" * 4096).cut is None


def test_empty_event_id_is_rejected() -> None:
    with pytest.raises(ValidationError, match="event_id"):
        event(kind="text", text="hi", event_id="")


def test_inbound_event_is_frozen() -> None:
    original = INBOUND_OF_EVERY_KIND["text"]
    with pytest.raises(ValidationError, match="frozen"):
        original.text = "changed"  # type: ignore[misc]
    assert original.text == "Where is my order?"


def test_address_is_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        TG.user_id = "43"  # type: ignore[misc]


def test_unknown_field_on_an_inbound_event_is_rejected() -> None:
    with pytest.raises(ValidationError, match="extra"):
        event(kind="text", text="hi", mood="happy")


def test_unknown_field_in_json_is_rejected() -> None:
    raw = TURN_INPUT.dump_python(INBOUND_OF_EVERY_KIND["text"], mode="json")
    raw["address"]["nickname"] = "ana"
    with pytest.raises(ValidationError, match="extra"):
        TURN_INPUT.validate_python(raw)


def test_system_event_rejects_unknown_fields_and_empty_names() -> None:
    with pytest.raises(ValidationError, match="extra"):
        SystemEvent(name="tick", colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="name"):
        SystemEvent(name="")


LINK = Button(title="Track", kind="url", url="https://track.example/A-1")
EVERY_OUTBOUND: dict[str, Text | Media | Card | Typing] = {
    "text": Text(
        text="**Pick** one",
        format="markdown",
        buttons=(Button(title="Courier", payload="ship:courier"), LINK),
        quick_replies=(
            Button(title="Yes", payload="yes"),
            Button(title="Share my phone", kind="share_phone"),
            Button(title="Share my location", kind="share_location"),
        ),
    ),
    "media": Media(
        kind="image",
        url="https://cdn.example/shoe.jpg",
        caption="The blue one",
        name="shoe.jpg",
        buttons=(Button(title="Buy", payload="buy:shoe"),),
    ),
    "card": Card(
        title="Blue shoe",
        subtitle="Size 42",
        image_url="https://cdn.example/shoe.jpg",
        buttons=(Button(title="Buy", payload="buy:shoe"), LINK),
    ),
    "typing": Typing(),
}


@pytest.mark.parametrize("kind", sorted(EVERY_OUTBOUND))
def test_outbound_message_survives_a_json_round_trip(kind: str) -> None:
    original = EVERY_OUTBOUND[kind]
    restored = OUTBOUND.validate_json(OUTBOUND.dump_json(original))
    assert type(restored) is type(original)
    assert restored == original
    assert restored.type == kind


def test_outbound_rejects_an_unknown_type() -> None:
    with pytest.raises(ValidationError, match="carousel"):
        OUTBOUND.validate_python({"type": "carousel", "text": "x"})


def test_postback_button_without_payload_is_rejected() -> None:
    with pytest.raises(ValidationError, match="a postback button needs a payload"):
        Button(title="Courier")


def test_url_button_without_url_is_rejected() -> None:
    with pytest.raises(ValidationError, match="a url button needs a url"):
        Button(title="Docs", kind="url")


def test_share_buttons_need_neither_payload_nor_url() -> None:
    assert Button(title="Share", kind="share_phone").payload is None
    assert Button(title="Where", kind="share_location").url is None


def test_button_with_empty_title_is_rejected() -> None:
    with pytest.raises(ValidationError, match="title"):
        Button(title="", payload="x")


def test_empty_text_message_is_rejected() -> None:
    with pytest.raises(ValidationError, match="text"):
        Text(text="")


def test_unknown_text_format_is_rejected() -> None:
    with pytest.raises(ValidationError, match="format"):
        Text(text="hi", format="html")


def test_unknown_media_kind_is_rejected() -> None:
    with pytest.raises(ValidationError, match="kind"):
        Media(kind="sticker", url="https://x.example/s.webp")


def test_outbound_messages_are_frozen_and_strict() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        Typing().type = "text"  # type: ignore[assignment,misc]
    with pytest.raises(ValidationError, match="extra"):
        Text(text="hi", colour="red")  # type: ignore[call-arg]


def record() -> CustomerRecord:
    """A customer with every part of the record filled in."""
    return CustomerRecord(
        id="c0123456789abcdef",
        version=7,
        created_at=NOW,
        updated_at=NOW + timedelta(minutes=5),
        last_channel="sms",
        language="pt-BR",
        profile={"name": "Ana", "vip": True, "orders": ["A-1", "A-2"]},
        slots={"order_id": "A-2", "quantity": 2, "price": 19.9, "gift": None},
        dialog={"flow": "order", "step": "ask_address", "stack": [{"flow": "main", "step": 3}]},
        handoff=Handoff(status="agent", since=NOW, reason="asked for a person", agent_id="mia"),
        addresses={"sms": SMS, "telegram": TG},
        identities=(SMS.identity, TG.identity),
        verified=(PHONE, EMAIL),
        offered=OfferedOptions(
            channel="sms",
            options=(
                Option(title="Courier", payload="ship:courier", number=1),
                Option(title="Pick up", payload="ship:pickup", number=2),
            ),
        ),
    )


def test_customer_record_survives_a_json_round_trip() -> None:
    original = record()
    restored = CustomerRecord.model_validate_json(original.model_dump_json())
    assert restored == original
    assert restored.addresses["telegram"] == TG
    assert restored.offered is not None
    assert restored.offered.match("2") == Option(title="Pick up", payload="ship:pickup", number=2)


def test_new_customer_record_starts_empty_with_the_bot() -> None:
    fresh = CustomerRecord.new("c1", NOW)
    assert (fresh.version, fresh.created_at, fresh.updated_at) == (0, NOW, NOW)
    assert fresh.handoff == Handoff(status="bot")
    assert (fresh.addresses, fresh.identities, fresh.verified, fresh.offered) == ({}, (), (), None)
    assert fresh.last_address is None


@pytest.mark.parametrize("bad_id", ["", "has space", "c1/../x", "é", "x" * 65])
def test_customer_id_must_be_safe_text(bad_id: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        CustomerRecord.new(bad_id, NOW)


def test_customer_record_is_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        record().version = 8  # type: ignore[misc]


def test_customer_record_rejects_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="extra"):
        CustomerRecord.model_validate({"id": "c1", "created_at": NOW, "updated_at": NOW, "x": 1})


def test_unknown_handoff_status_is_rejected() -> None:
    with pytest.raises(ValidationError, match="status"):
        Handoff(status="paused")


def test_seen_at_remembers_the_address_and_channel() -> None:
    later = NOW + timedelta(hours=1)
    seen = CustomerRecord.new("c1", NOW).seen_at(TG, later)
    assert seen.addresses == {"telegram": TG}
    assert seen.last_channel == "telegram"
    assert seen.last_address == TG
    assert seen.identities == (TG.identity,)
    assert seen.updated_at == later
    assert seen.created_at == NOW


def test_seen_at_leaves_the_original_record_untouched() -> None:
    fresh = CustomerRecord.new("c1", NOW)
    fresh.seen_at(TG, NOW + timedelta(hours=1))
    assert fresh.addresses == {}
    assert fresh.last_channel is None
    assert fresh.updated_at == NOW


def test_seen_at_on_a_second_channel_keeps_both_addresses_and_answers_on_the_latest() -> None:
    seen = CustomerRecord.new("c1", NOW).seen_at(TG, NOW).seen_at(SMS, NOW)
    assert seen.addresses == {"telegram": TG, "sms": SMS}
    assert seen.last_address == SMS
    assert seen.identities == (TG.identity, SMS.identity)


def test_seen_at_again_replaces_the_channel_address_without_repeating_the_identity() -> None:
    group = TG.model_copy(update={"conversation_id": "-100777", "thread_id": "3"})
    seen = CustomerRecord.new("c1", NOW).seen_at(TG, NOW).seen_at(SMS, NOW).seen_at(group, NOW)
    assert seen.addresses["telegram"] == group
    assert seen.last_address == group
    assert seen.identities == (TG.identity, SMS.identity)


def test_last_address_is_none_when_last_channel_has_no_address() -> None:
    orphan = CustomerRecord.new("c1", NOW).model_copy(update={"last_channel": "slack"})
    assert orphan.last_address is None


def test_with_verified_adds_new_attributes_in_order() -> None:
    fresh = CustomerRecord.new("c1", NOW)
    assert fresh.with_verified((PHONE, EMAIL)).verified == (PHONE, EMAIL)


def test_with_verified_keeps_each_kind_and_value_once_whoever_vouched() -> None:
    by_telegram = PHONE.model_copy(update={"issuer": "telegram"})
    known = CustomerRecord.new("c1", NOW).with_verified((PHONE,))
    assert known.with_verified((by_telegram, EMAIL)).verified == (PHONE, EMAIL)


def test_with_verified_returns_the_same_record_when_nothing_is_new() -> None:
    known = CustomerRecord.new("c1", NOW).with_verified((PHONE,))
    assert known.with_verified((PHONE,)) is known
    assert known.with_verified(()) is known


def test_with_verified_adds_a_repeated_attribute_in_one_call_only_once() -> None:
    by_telegram = PHONE.model_copy(update={"issuer": "telegram"})
    fresh = CustomerRecord.new("c1", NOW)
    assert fresh.with_verified((PHONE, by_telegram, PHONE)).verified == (PHONE,)


def test_same_value_of_another_kind_counts_as_new() -> None:
    as_id = VerifiedAttribute(kind="external_id", value=PHONE.value, issuer="shop")
    known = CustomerRecord.new("c1", NOW).with_verified((PHONE,))
    assert known.with_verified((as_id,)).verified == (PHONE, as_id)


EVERY_ENTRY: dict[str, InboundEntry | OutboundEntry | StatusEntry | NoteEntry] = {
    "in-customer": InboundEntry(at=NOW, event=INBOUND_OF_EVERY_KIND["attachment"]),
    "in-system": InboundEntry(at=NOW, event=SystemEvent(name="reminder", received_at=NOW)),
    "out-text": OutboundEntry(
        at=NOW, message_id="m1", channel="telegram", message=EVERY_OUTBOUND["text"]
    ),
    "out-media": OutboundEntry(
        at=NOW, message_id="m2", channel="sms", author="agent:mia", message=EVERY_OUTBOUND["media"]
    ),
    "out-card": OutboundEntry(
        at=NOW, message_id="m3", channel=None, message=EVERY_OUTBOUND["card"]
    ),
    "out-typing": OutboundEntry(
        at=NOW, message_id="m4", channel="webchat", message=EVERY_OUTBOUND["typing"]
    ),
    "status": StatusEntry(
        at=NOW, message_id="m2", status="undeliverable", detail="21610: opted out"
    ),
    "note": NoteEntry(
        at=NOW, kind="handoff", text="Handed to an agent", data={"agent": "mia", "queue": [1, 2]}
    ),
}


@pytest.mark.parametrize("name", sorted(EVERY_ENTRY))
def test_transcript_entry_survives_a_json_round_trip(name: str) -> None:
    original = EVERY_ENTRY[name]
    restored = TRANSCRIPT_ENTRY.validate_json(TRANSCRIPT_ENTRY.dump_json(original))
    assert type(restored) is type(original)
    assert restored == original


def test_inbound_entry_keeps_the_kind_of_event_it_holds() -> None:
    restored = TRANSCRIPT_ENTRY.validate_json(TRANSCRIPT_ENTRY.dump_json(EVERY_ENTRY["in-system"]))
    assert isinstance(restored, InboundEntry)
    assert isinstance(restored.event, SystemEvent)


def test_outbound_entry_keeps_the_kind_of_message_it_holds() -> None:
    restored = TRANSCRIPT_ENTRY.validate_json(TRANSCRIPT_ENTRY.dump_json(EVERY_ENTRY["out-card"]))
    assert isinstance(restored, OutboundEntry)
    assert isinstance(restored.message, Card)
    assert restored.author == "bot"


def test_unknown_delivery_status_is_rejected() -> None:
    with pytest.raises(ValidationError, match="status"):
        TRANSCRIPT_ENTRY.validate_python(
            {"type": "status", "at": NOW, "message_id": "m1", "status": "lost"}
        )


def test_unknown_transcript_entry_type_is_rejected() -> None:
    with pytest.raises(ValidationError, match="type"):
        TRANSCRIPT_ENTRY.validate_python({"type": "memo", "at": NOW, "text": "x"})


def test_note_entry_needs_a_kind() -> None:
    with pytest.raises(ValidationError, match="kind"):
        NoteEntry(at=NOW, kind="", text="x")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("+5511987654321", "+5511987654321"),
        ("+1 (555) 010-0143", "+15550100143"),
        ("+1.555.010.0143", "+15550100143"),
        ("5550100143", "5550100143"),
        ("+", "+"),
        ("+1555x0143", "+1555x0143"),
    ],
)
def test_a_phone_is_held_as_plus_and_digits_whatever_form_it_came_in(given: str, kept: str) -> None:
    assert canonical("phone", given) == kept
    assert VerifiedAttribute(kind="phone", value=given, issuer="sms").value == kept
