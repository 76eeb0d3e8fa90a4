"""An SMS STOP (a carrier keyword, signed by Twilio) records the customer's "no" to marketing
as a typed stop does: the time, the channel and the keyword, in what ``omnibot customer export``
gives, once however often Twilio delivers it; START re-opens SMS but is no new opt-in. On the
embedded memory and on Redis."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app.privacy import export
from bot.turn.store import Memory
from tests.sms.kit import BotFactory, SmsBot

STOPPED_REPLY = (
    "<Message>Store: you are unsubscribed and will get no more messages. Reply START to "
    "subscribe again.</Message>"
)


async def consents(store: SmsBot) -> list[dict[str, Any]]:
    """The marketing consents the export gives for the customer."""
    customer = await store.customer()
    assert customer is not None
    exported = await export(store.runtime.memory, customer)
    assert exported is not None
    record = exported["customer"]
    assert isinstance(record, dict)
    outreach = record["outreach"]
    assert isinstance(outreach, dict)
    found = outreach["consents"]
    assert isinstance(found, list)
    return [dict(c) for c in found if isinstance(c, dict)]


async def test_a_redelivered_stop_records_one_withdrawn_consent_and_start_gives_none(
    make_bot: BotFactory, memory: Memory
) -> None:
    store = await make_bot(memory=memory)
    await store.text("hi")
    await store.replies(1)
    stop = store.twilio.incoming("+5511987654321", "Stop.")
    for _ in range(2):  # Twilio's delivery and its retry: the same MessageSid
        answer = await store.twilio.post("/sms/twilio", stop)
        assert answer.status == 200
        assert STOPPED_REPLY in answer.text
    await store.settle()
    [withdrawn] = await consents(store)
    assert withdrawn["channel"] == "sms"
    assert withdrawn["wording"] == "Stop."
    assert withdrawn["given"] is False
    assert withdrawn["at"].endswith("Z")
    customer = await store.customer()
    assert customer is not None
    record = await store.runtime.memory.load(customer)
    assert record is not None
    assert record.opted_out == frozenset({"sms"})
    assert len(store.sent()) == 1, "the confirmation is the TwiML answer, not a second message"

    started = await store.text("UNSTOP")
    assert "<Message>Store: you are subscribed again." in started.text
    await store.settle()
    record = await store.runtime.memory.load(customer)
    assert record is not None
    assert record.opted_out == frozenset()
    assert not record.outreach.marketing_allowed, "START re-opens SMS, not marketing"
    assert len(await consents(store)) == 1


@pytest.mark.parametrize(("keyword", "reopen"), [("PARAR", "INICIAR"), ("STOPALL", "START")])
async def test_each_carrier_keyword_is_its_own_wording(
    make_bot: BotFactory, memory: Memory, keyword: str, reopen: str
) -> None:
    store = await make_bot(memory=memory)
    await store.text(keyword)
    await store.settle()
    assert [(c["channel"], c["wording"], c["given"]) for c in await consents(store)] == [
        ("sms", keyword, False)
    ]
    await store.text(reopen)
    await store.settle()
    assert [c["given"] for c in await consents(store)] == [False]


async def test_a_stop_twilio_answered_itself_is_recorded_too(
    make_bot: BotFactory, memory: Memory
) -> None:
    store = await make_bot(memory=memory)
    await store.text("STOP", OptOutType="STOP")
    await store.settle()
    assert [(c["channel"], c["wording"]) for c in await consents(store)] == [("sms", "STOP")]
