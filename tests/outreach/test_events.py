"""``POST /events`` end to end: real HTTP into the served bot, events signed with the
``standardwebhooks`` package, replies checked on the fake Twilio, on each memory backend."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.format.transcript import NoteEntry
from bot.turn.customer import CustomerRecord
from tests.outreach.conftest import EventsBotFactory
from tests.outreach.events_kit import OTHER_SECRET, EventsBot, ago, body, signed
from tests.sms.kit import CUSTOMER

NEWCOMER = "+5511912345678"
SHIPPED_TEXT = "Your order A-12345 is on its way: https://track.example/A-12345"


async def test_a_signed_event_runs_its_flow_on_the_customers_channel(shop: EventsBot) -> None:
    await shop.sms.text("hello")
    await shop.sms.settle()
    answer = await shop.send()
    assert (answer.status, answer.body) == (202, {"status": "queued"})
    await shop.sms.settle()
    sent = await shop.sms.replies(3)
    assert sent[1:] == [SHIPPED_TEXT, "How would you rate the delivery, 1 to 5?"]
    await shop.sms.text("4")
    thanks = await shop.sms.replies(4)
    assert thanks[3] == "Thanks for rating 4. Track it at https://track.example/A-12345"


async def test_a_redelivered_event_is_taken_once(shop: EventsBot) -> None:
    await shop.sms.text("hello")
    await shop.sms.settle()
    raw = body()
    first = await shop.post(raw, signed(raw, "msg_once"))
    again = await shop.post(raw, signed(raw, "msg_once"))  # re-signed later, as senders retry
    assert (first.status, first.body) == (202, {"status": "queued"})
    assert (again.status, again.body) == (202, {"status": "duplicate"})
    await shop.sms.settle()
    texts = [sent.body for sent in shop.sms.sent()]
    assert texts.count(SHIPPED_TEXT) == 1


def _forgeries() -> dict[str, tuple[bytes, dict[str, str]]]:
    raw = body()
    good = signed(raw)
    tampered = raw.replace(b"A-12345", b"A-99999")
    return {
        "another secret": (raw, signed(raw, secret=OTHER_SECRET)),
        "tampered body": (tampered, good),
        "six minutes old": (raw, signed(raw, at=ago(6))),
        "six minutes ahead": (raw, signed(raw, at=ago(-6))),
        "signature garbled": (raw, {**good, "webhook-signature": "v1,not-base64!"}),
        "signature without version": (raw, {**good, "webhook-signature": "abc"}),
        "timestamp not a number": (raw, {**good, "webhook-timestamp": "soon"}),
        "id changed": (raw, {**good, "webhook-id": "msg_other"}),
        **{
            f"no {name}": (raw, {k: v for k, v in good.items() if k != name})
            for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        },
    }


@pytest.mark.parametrize("forgery", list(_forgeries()))
async def test_a_forged_event_is_refused_and_changes_nothing(
    make_bot: EventsBotFactory, forgery: str, caplog: pytest.LogCaptureFixture
) -> None:
    shop = await make_bot()
    raw, headers = _forgeries()[forgery]
    answer = await shop.post(raw, headers)
    assert answer.status == 401
    assert "signed" in answer.body["error"]
    assert await shop.stored() == 0
    assert await shop.owner("phone", CUSTOMER) is None
    assert shop.sms.sent() == []
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"customer": {"phone": CUSTOMER}, "data": {}}, "type"),
        ({"type": "Order Shipped!", "customer": {"phone": CUSTOMER}}, "type"),
        ({"type": "order.shipped", "customer": {"phone": "12345"}}, "customer.phone"),
        ({"type": "order.shipped", "customer": {"email": "nobody"}}, "customer.email"),
        ({"type": "order.shipped", "customer": {}}, "customer"),
        (
            {"type": "order.shipped", "customer": {"phone": CUSTOMER, "email": "a@b.example"}},
            "customer",
        ),
        ({"type": "order.shipped", "customer": {"fax": "1"}}, "customer.fax"),
        ({"type": "order.shipped", "customer": {"phone": CUSTOMER}, "data": [1]}, "data"),
        ({"type": "order.shipped", "customer": {"phone": CUSTOMER}, "extra": 1}, "extra"),
        ([1, 2], "body"),
    ],
)
async def test_a_malformed_event_is_refused_naming_the_field(
    make_bot: EventsBotFactory, event: object, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    shop = await make_bot()
    raw = json.dumps(event).encode()
    answer = await shop.post(raw, signed(raw))
    assert answer.status == 400
    assert answer.body["error"].startswith(f"{field}: ")
    assert await shop.stored() == 0
    assert "Traceback" not in caplog.text


async def test_a_body_that_is_not_json_is_refused(shop: EventsBot) -> None:
    raw = b"{not json"
    answer = await shop.post(raw, signed(raw))
    assert (answer.status, answer.body) == (400, {"error": "the body is not JSON"})
    assert await shop.stored() == 0


async def test_an_oversized_event_is_refused_unread(shop: EventsBot) -> None:
    raw = body(data={"notes": "x" * 70_000})
    answer = await shop.post(raw, signed(raw))
    assert answer.status == 413
    assert await shop.stored() == 0


async def test_an_unknown_customer_is_made_only_for_the_kinds_allowed(shop: EventsBot) -> None:
    answer = await shop.send(body({"email": "new@shop.example"}))
    assert (answer.status, answer.body) == (202, {"status": "unknown_customer"})
    answer = await shop.send(body({"external_id": "user-7"}))
    assert (answer.status, answer.body) == (202, {"status": "unknown_customer"})
    assert await shop.stored() == 0
    assert await shop.owner("email", "new@shop.example") is None


async def test_no_customer_is_made_by_default(make_bot: EventsBotFactory) -> None:
    shop = await make_bot(outreach="")
    answer = await shop.send(body({"phone": NEWCOMER}))
    assert (answer.status, answer.body) == (202, {"status": "unknown_customer"})
    assert await shop.stored() == 0


async def test_a_customer_made_by_an_event_is_the_one_who_texts_later(shop: EventsBot) -> None:
    answer = await shop.send(body({"phone": NEWCOMER}))
    assert (answer.status, answer.body) == (202, {"status": "queued"})
    await shop.sms.settle()
    assert (await shop.sms.replies(1, to=NEWCOMER))[0] == SHIPPED_TEXT
    made = await shop.owner("phone", NEWCOMER)
    assert made is not None
    record = await shop.memory.load(made)
    assert isinstance(record, CustomerRecord)
    assert [(a.kind, a.value, a.issuer) for a in record.verified] == [("phone", NEWCOMER, "events")]
    await shop.sms.text("5", sender=NEWCOMER)
    await shop.sms.settle()
    assert await shop.sms.customer(NEWCOMER) == made
    thanks = await shop.sms.replies(3, to=NEWCOMER)
    assert thanks[2] == "Thanks for rating 5. Track it at https://track.example/A-12345"


async def test_an_existing_customer_is_not_made_again(shop: EventsBot) -> None:
    await shop.sms.text("hello")
    await shop.sms.settle()
    texted = await shop.sms.customer()
    answer = await shop.send()
    assert answer.status == 202
    assert await shop.owner("phone", CUSTOMER) == texted


async def test_events_over_the_budget_of_a_client_are_refused(make_bot: EventsBotFactory) -> None:
    budget = "  events_per_source: {burst: 2, per_minute: 0.01}\n"
    shop = await make_bot(outreach=f"outreach:\n  create_customers: [phone]\n{budget}")
    answers = [await shop.send() for _ in range(3)]
    assert [a.status for a in answers] == [202, 202, 429]
    assert "too many events" in answers[2].body["error"]


async def test_events_over_the_budget_of_the_bot_are_refused(make_bot: EventsBotFactory) -> None:
    budget = "  events: {burst: 1, per_minute: 0.01}\n"
    shop = await make_bot(outreach=f"outreach:\n{budget}")
    answers = [await shop.send() for _ in range(2)]
    assert [a.status for a in answers] == [202, 429]


async def test_an_event_over_a_pending_question_then_asks_it_again(shop: EventsBot) -> None:
    await shop.sms.text("change the size")
    assert (await shop.sms.replies(1))[0] is not None
    await shop.sms.settle()
    await shop.send()
    await shop.sms.settle()
    await shop.sms.text("5")
    await shop.sms.settle()
    texts = [sent.body or "" for sent in shop.sms.sent()]
    asked = [i for i, text in enumerate(texts) if text.startswith("Which size?")]
    thanks = texts.index("Thanks for rating 5. Track it at https://track.example/A-12345")
    assert SHIPPED_TEXT in texts
    assert len(asked) == 2
    assert asked[1] > thanks  # the size is asked again once the event's flow is done
    await shop.sms.text("large")
    await shop.sms.settle()
    assert shop.sms.sent()[-1].body == "Size large it is."


async def test_an_event_no_flow_runs_on_says_nothing(shop: EventsBot) -> None:
    await shop.sms.text("hello")
    await shop.sms.settle()
    before = len(shop.sms.sent())
    raw = json.dumps({"type": "cart.abandoned", "customer": {"phone": CUSTOMER}}).encode()
    assert (await shop.post(raw, signed(raw))).status == 202
    await shop.sms.settle()
    assert len(shop.sms.sent()) == before
    transcript = await shop.sms.transcript()
    notes = [e.text for e in transcript if isinstance(e, NoteEntry) and e.kind == "event"]
    assert notes == ["business event 'cart.abandoned': no flow runs on it"]


async def test_an_event_while_a_person_has_the_conversation_runs_nothing(shop: EventsBot) -> None:
    await shop.sms.runtime.desk.desk.present("ana", timedelta(minutes=5))  # an agent is online
    await shop.sms.text("I want to talk to a person")
    await shop.sms.settle()
    customer = await shop.sms.customer()
    assert customer is not None
    record = await shop.memory.load(customer)
    assert record is not None
    assert record.handoff.status == "waiting"
    assert (await shop.send()).status == 202
    await shop.sms.settle()
    assert SHIPPED_TEXT not in [sent.body for sent in shop.sms.sent()]
    transcript = await shop.sms.transcript()
    notes = [e.text for e in transcript if isinstance(e, NoteEntry) and e.kind == "event"]
    assert notes == [
        "business event 'order.shipped' came while a person has the conversation; no flow ran"
    ]
