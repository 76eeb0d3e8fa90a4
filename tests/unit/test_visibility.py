"""What a page may show after joins: each channel identity its own side's past, and everything
from each join on; nothing of the other side's past, and nothing that belongs to nobody."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.format.messages import SystemEvent
from bot.format.outbound import Text
from bot.format.transcript import InboundEntry, Logged, NoteEntry, OutboundEntry
from bot.identity.visibility import JoinMark, marked, page, shown_to
from tests.helpers import NOW, text_event

WEB, SMS, TG = "webchat:w", "sms:+12025550143", "telegram:7"


def said(entry_id: str, identity: str, text: str = "hi") -> Logged:
    channel, _, user = identity.partition(":")
    return Logged(entry_id, InboundEntry(at=NOW, event=text_event(text, entry_id, user, channel)))


def sent(entry_id: str, identity: str | None, text: str = "hello") -> Logged:
    channel = identity.partition(":")[0] if identity else "webchat"
    entry = OutboundEntry(
        at=NOW, message_id=entry_id, channel=channel, message=Text(text=text), to=identity
    )
    return Logged(entry_id, entry)


# The web chat asked for a code; SMS joined at 10-0; later Telegram joined at 20-0.
MARKS = (JoinMark(through="10-0", joined=(SMS,)), JoinMark(through="20-0", joined=(TG,)))


@pytest.mark.parametrize(
    ("entry", "identity", "seen"),
    [
        (said("5-0", WEB), WEB, True),  # its own past
        (sent("6-0", WEB), WEB, True),
        (said("5-0", WEB), SMS, False),  # the other side's past
        (sent("6-0", SMS), WEB, False),
        (said("7-0", SMS), SMS, True),
        (said("15-0", SMS), WEB, True),  # after the first join: one conversation
        (sent("15-1", WEB), SMS, True),
        (said("15-0", SMS), TG, False),  # ... but before the second, for its newcomer
        (said("18-0", TG), TG, True),
        (said("18-0", TG), WEB, False),
        (said("25-0", TG), WEB, True),  # after every join: everyone
        (sent("25-1", SMS), TG, True),
        (sent("6-1", None), WEB, False),  # before a join and nobody's: nobody's to show
        (sent("25-2", None), WEB, True),
    ],
)
def test_an_entry_is_shown_to_its_own_side_of_every_later_join(
    entry: Logged, identity: str, seen: bool
) -> None:
    assert shown_to(identity, entry, MARKS) is seen


def test_a_page_reports_the_last_entry_read_even_when_none_is_shown() -> None:
    batch = [said("5-0", SMS), sent("6-0", SMS)]
    shown = page(batch, MARKS, WEB)
    assert shown.entries == []
    assert shown.last == "6-0"
    assert page([], MARKS, WEB).last is None


def test_notes_and_system_events_belong_to_nobody() -> None:
    system = Logged("30-0", InboundEntry(at=NOW, event=SystemEvent(name="resume")))
    note = Logged("31-0", NoteEntry(at=NOW + timedelta(seconds=1), kind="merge", text="x"))
    assert not shown_to(WEB, Logged("5-0", system.entry), MARKS)
    assert shown_to(WEB, note, MARKS)  # after every join (pages do not show notes anyway)


def test_marks_before_the_first_entry_kept_are_dropped_and_none_is_kept_twice() -> None:
    kept = marked(MARKS, "30-0", [SMS, TG, SMS], first="12-0")
    assert kept == (MARKS[1], JoinMark(through="30-0", joined=(SMS, TG)))
    assert marked(kept, None, [], first="12-0") == kept
    assert marked((*kept, kept[0]), None, [], first=None) == kept
