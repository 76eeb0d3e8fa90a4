"""The written rules of merging two customers (docs/omnichannel.md, "Merging")."""

from __future__ import annotations

from datetime import timedelta

from bot.format.messages import Address, ChannelIdentity, VerifiedAttribute
from bot.format.transcript import Logged, NoteEntry
from bot.identity.merge import interleave, merge_records
from bot.turn.customer import CustomerRecord, Handoff
from tests.helpers import NOW, note_text

PHONE = VerifiedAttribute(kind="phone", value="+12025550143", issuer="sms")
ASKING = {"stack": [{"flow": "order", "step": "email"}], "awaiting": "email"}


def customer(name: str, minutes: int = 0, **fields: object) -> CustomerRecord:
    at = NOW + timedelta(minutes=minutes)
    return CustomerRecord.new(name, at).model_copy(update=fields)


def address(channel: str, user: str) -> Address:
    return Address(channel=channel, user_id=user, conversation_id=user)


def test_the_target_keeps_its_id_and_the_earliest_creation() -> None:
    target = customer("t", minutes=5)
    source = customer("s", minutes=0)
    merged = merge_records(target, source, NOW + timedelta(hours=1))
    assert merged.id == "t"
    assert merged.created_at == NOW
    assert merged.updated_at == NOW + timedelta(hours=1)


def test_a_conversation_under_way_beats_a_more_recent_idle_one() -> None:
    busy = customer("t", minutes=0, dialog=ASKING, slots={"order_id": "A-1"}, language="pt")
    idle = customer("s", minutes=9, dialog={"started": True}, slots={}, language="en")
    merged = merge_records(busy, idle, NOW)
    assert merged.dialog == ASKING
    assert merged.language == "pt"
    assert merged.slots == {"order_id": "A-1"}


def test_of_two_conversations_under_way_the_most_recent_goes_on() -> None:
    other = {"stack": [{"flow": "returns", "step": "reason"}], "awaiting": "reason"}
    older = customer("t", minutes=0, dialog=ASKING, slots={"order_id": "A-1", "email": "a@x.io"})
    newer = customer("s", minutes=3, dialog=other, slots={"order_id": "B-2"})
    merged = merge_records(older, newer, NOW)
    assert merged.dialog == other
    assert merged.slots == {"order_id": "B-2", "email": "a@x.io"}  # gaps filled, never asked


def test_a_channel_seen_for_the_first_time_brings_no_conversation() -> None:
    going = customer("t", minutes=0, dialog=ASKING, slots={"order_id": "A-1"})
    fresh = customer("s", minutes=30)
    assert merge_records(going, fresh, NOW).dialog == ASKING
    assert merge_records(fresh, going, NOW).dialog == ASKING


def test_profiles_are_joined_and_a_verified_value_beats_a_typed_one() -> None:
    typed = customer("t", minutes=9, profile={"phone": "+14155552671", "name": "Ana"})
    proven = customer(
        "s", minutes=0, profile={"phone": "+12025550143", "city": "Lisbon"}, verified=(PHONE,)
    )
    merged = merge_records(typed, proven, NOW)
    assert merged.profile == {"phone": "+12025550143", "name": "Ana", "city": "Lisbon"}


def test_otherwise_the_more_recent_profile_value_wins() -> None:
    old = customer("t", minutes=0, profile={"name": "Ana"})
    new = customer("s", minutes=1, profile={"name": "Ana Maria"})
    assert merge_records(old, new, NOW).profile == {"name": "Ana Maria"}
    assert merge_records(new, old, NOW).profile == {"name": "Ana Maria"}


def test_identities_attributes_addresses_and_opt_outs_are_unions() -> None:
    sms = address("sms", "+12025550143")
    web_old, web_new = address("webchat", "s:old"), address("webchat", "s:new")
    target = customer(
        "t",
        minutes=0,
        identities=(sms.identity,),
        verified=(PHONE,),
        addresses={"sms": sms, "webchat": web_old},
        opted_out=frozenset({"sms"}),
    )
    email = VerifiedAttribute(kind="email", value="a@x.io", issuer="slack")
    source = customer(
        "s",
        minutes=1,
        identities=(web_new.identity,),
        verified=(email, PHONE),
        addresses={"webchat": web_new},
        unreachable=frozenset({"telegram"}),
    )
    merged = merge_records(target, source, NOW)
    assert merged.identities == (sms.identity, ChannelIdentity(channel="webchat", user_id="s:new"))
    assert merged.verified == (PHONE, email)
    assert merged.addresses == {"sms": sms, "webchat": web_new}
    assert merged.opted_out == {"sms"}
    assert merged.unreachable == {"telegram"}


def test_a_conversation_with_a_person_is_kept_whichever_side_it_was_on() -> None:
    with_agent = Handoff(status="agent", agent_id="ag1", reason="asked")
    target = customer("t", minutes=9)
    source = customer("s", minutes=0, handoff=with_agent)
    assert merge_records(target, source, NOW).handoff == with_agent
    waiting = Handoff(status="waiting", reason="asked")
    assert merge_records(customer("t", handoff=waiting), source, NOW).handoff == with_agent


def note(text: str) -> NoteEntry:
    return NoteEntry(at=NOW, kind="test", text=text)


def test_transcripts_interleave_by_id_and_the_targets_ids_stay() -> None:
    target = [Logged("100-0", note("t1")), Logged("300-0", note("t2"))]
    source = [Logged("200-0", note("s1")), Logged("300-0", note("s2")), Logged("400-0", note("s3"))]
    merged = interleave(target, source)
    assert [(e.id, note_text(e.entry)) for e in merged] == [
        ("100-0", "t1"),
        ("200-0", "s1"),
        ("300-0", "t2"),
        ("300-1", "s2"),
        ("400-0", "s3"),
    ]


def test_an_entry_in_both_transcripts_is_kept_once() -> None:
    shared = note("both")
    merged = interleave(
        [Logged("100-0", shared)], [Logged("100-5", shared), Logged("9-0", note("x"))]
    )
    assert [note_text(e.entry) for e in merged] == ["x", "both"]


def test_each_channel_keeps_when_the_customer_first_and_last_wrote_on_either_record() -> None:
    web, sms = address("webchat", "w1"), address("sms", "+12025550143")
    later = NOW + timedelta(hours=3)
    target = customer("t").seen_at(web, NOW).seen_at(web, later)
    source = customer("s").seen_at(sms, NOW + timedelta(hours=1)).seen_at(web, later)
    assert target.first_wrote_at == {"webchat": NOW}
    assert target.wrote_at == {"webchat": later}
    merged = merge_records(target, source, later)
    assert merged.first_wrote_at == {"webchat": NOW, "sms": NOW + timedelta(hours=1)}
    assert merged.wrote_at == {"webchat": later, "sms": NOW + timedelta(hours=1)}
