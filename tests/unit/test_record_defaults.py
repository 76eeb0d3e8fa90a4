"""The customer record's empty parts (handoff, outreach, insight marks) are shared by every record
that has not its own: reading a record saved without them, or saving one, builds no default
model. Sharing is safe only while nothing changes them in place:
tests/dialogs/test_shared_defaults.py guards that through a handoff."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.format.messages import Address, ChannelIdentity
from bot.turn.customer import CustomerRecord, Handoff

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_records_without_their_own_share_one_of_each_empty_part() -> None:
    first, second = CustomerRecord.new("c1", NOW), CustomerRecord.new("c2", NOW)
    assert first.handoff is second.handoff
    assert first.outreach is second.outreach
    assert first.insight is second.insight


def test_a_record_saved_without_its_defaults_reads_back_the_same_and_shares_them() -> None:
    record = CustomerRecord.new("c1", NOW)
    saved = record.model_dump_json(exclude_defaults=True)
    for part in ("handoff", "outreach", "insight"):
        assert part not in saved

    read = CustomerRecord.model_validate_json(saved)
    assert read == record
    assert read.handoff is record.handoff


def test_a_record_with_its_own_parts_saves_them() -> None:
    record = CustomerRecord.new("c1", NOW).model_copy(
        update={"handoff": Handoff(status="waiting", reason="asked")}
    )
    read = CustomerRecord.model_validate_json(record.model_dump_json(exclude_defaults=True))
    assert read.handoff.status == "waiting"
    assert read.handoff is not CustomerRecord.new("c2", NOW).handoff


def test_models_compare_by_their_fields_and_one_instance_equals_itself() -> None:
    one = ChannelIdentity(channel="telegram", user_id="1")
    assert one == one  # the shortcut the shared defaults take
    assert one == ChannelIdentity(channel="telegram", user_id="1")
    assert one != ChannelIdentity(channel="telegram", user_id="2")
    assert one != Address(channel="telegram", user_id="1", conversation_id="1")
    assert len({one, ChannelIdentity(channel="telegram", user_id="1")}) == 1
