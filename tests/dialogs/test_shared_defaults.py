"""Every customer record without a handoff of its own shares one empty handoff (and empty
outreach and insight marks: see tests/unit/test_record_defaults.py). A conversation that hands
off, and back, must change only its own record's: were the shared one's summary changed in
place, every other customer would carry it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.turn.customer import CustomerRecord, Handoff
from tests.dialogs.kit import talk
from tests.server_process import EXAMPLE

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_a_handoff_and_its_end_leave_the_shared_empty_handoff_empty() -> None:
    chat = talk(EXAMPLE)
    shared = chat.record.handoff
    assert shared is CustomerRecord.new("c2", NOW).handoff

    await chat.say("track my order")
    await chat.say("talk to a person")
    handed = chat.record.handoff
    assert handed.status == "waiting"
    assert handed.summary  # this customer's own, with what they came for
    await chat.say("cancel")
    assert chat.record.handoff == Handoff()

    assert shared == Handoff()
    assert shared.summary == {}
    assert CustomerRecord.new("c3", NOW).handoff.summary == {}
