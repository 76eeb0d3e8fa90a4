"""What the customer is told when an agent acts, on both memory backends: the greeting of a claim
(the bot's, the agent's own words, or none), said once in a handoff however often it is claimed
again; the console's preview of each action (the greeting, the words on handing back, the flows
by their titles in the customer's language); and claims that do not say what to tell refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app.config import load_bot_config
from bot.desk.words import FlowChoice
from bot.turn.customer import CustomerRecord
from bot.turn.store import Memory
from dialogs.design.agent_words import FlowWords
from dialogs.design.loader import load_flowset
from tests.console.kit import TITLED, Desk, serving
from tests.helpers import text_of

PHONE = "+12025550143"
GREETING = "ana from our team is here to help."


@pytest.fixture
async def desk(tmp_path: Path, memory: Memory) -> AsyncIterator[Desk]:
    async with serving(tmp_path, memory=memory, flows=TITLED) as running:
        await running.online()
        yield running


async def waiting_customer(desk: Desk) -> str:
    await desk.say("sms", PHONE, "where is my order")
    await desk.say("sms", PHONE, "A-12345")
    return await desk.customer("sms", PHONE)


def sent(desk: Desk) -> list[str]:
    return [text_of(message) for message in desk.channels["sms"].sent[PHONE]]


async def claimed(desk: Desk, customer: str, **body: Any) -> list[str]:
    """What the customer was sent because ana claimed with ``body``."""
    ana = await desk.signed_in("ana")
    before = len(sent(desk))
    assert (await ana.act(customer, "claim", **body)).status == 200
    await desk.settle()
    return sent(desk)[before:]


async def test_a_claim_greets_the_customer_with_the_bots_greeting(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    assert await claimed(desk, customer) == [GREETING]


async def test_a_claim_with_the_agents_own_greeting_says_those_words(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    words = "Hi, I'm Ana from the shoe team. Let me look at your order."
    assert await claimed(desk, customer, greeting=f"  {words} ") == [words]
    ana = desk.agents[-1]
    view = await ana.get(f"/agent/api/conversations/{customer}")
    [entry] = [e for e in view["entries"] if e["from"] == "agent"]
    assert entry["agent"] == "ana"  # the agent's words, shown as the agent's


async def test_a_claim_without_a_greeting_tells_the_customer_nothing(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    assert await claimed(desk, customer, greet=False) == []
    view = await desk.agents[-1].get(f"/agent/api/conversations/{customer}")
    assert view["holder"] == "ana"


async def test_a_second_claim_after_a_release_does_not_greet_again(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana, bruno = await desk.signed_in("ana"), await desk.signed_in("bruno")
    assert (await ana.act(customer, "claim")).status == 200
    await desk.settle()
    view = await bruno.get(f"/agent/api/conversations/{customer}")
    assert view["actions"]["greeted"] is True
    assert (await ana.act(customer, "release")).status == 200
    await desk.settle()
    before = len(sent(desk))
    assert (await bruno.act(customer, "claim")).status == 200
    await desk.settle()
    assert sent(desk)[before:] == []
    assert sent(desk).count(GREETING) == 1
    # The agent may still say hello in their own words.
    assert (await bruno.act(customer, "release")).status == 200
    assert (
        await ana.act(customer, "claim", greeting="Ana again, sorry for the wait.")
    ).status == 200
    await desk.settle()
    assert sent(desk)[-1] == "Ana again, sorry for the wait."


async def test_a_new_handoff_greets_again(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim")).status == 200
    assert (await ana.act(customer, "resolve")).status == 202
    await desk.settle()
    await waiting_customer(desk)
    assert (await ana.act(customer, "claim")).status == 200
    await desk.settle()
    assert sent(desk).count(GREETING) == 2


async def test_the_conversation_says_what_each_action_tells_the_customer(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    bruno = await desk.signed_in("bruno")
    actions = (await bruno.get(f"/agent/api/conversations/{customer}"))["actions"]
    assert actions == {
        "greeting": "bruno from our team is here to help.",
        "greeted": False,
        "handed_back": "Thanks for waiting! You're back with the assistant. How else can I help?",
        "flows": [
            {"name": "exchange", "title": "Exchange or return"},
            {"name": "order", "title": "Order"},
            {"name": "survey", "title": "Survey"},
            {"name": "welcome", "title": "Welcome"},
        ],
    }


async def test_resolving_into_a_flow_the_business_starts_is_refused_saying_why(
    desk: Desk,
) -> None:
    customer = await waiting_customer(desk)
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim")).status == 200
    await desk.settle()
    before = len(sent(desk))
    response = await ana.act(customer, "resolve", flow="cart_reminder")
    assert response.status == 400
    assert (await response.json())["error"] == (
        "'cart_reminder' is started by the business when the store's systems send the event"
        " cart.abandoned, not for a customer"
    )
    await desk.settle()
    assert sent(desk)[before:] == []
    view = await ana.get(f"/agent/api/conversations/{customer}")
    assert view["holder"] == "ana"  # nothing changed: still hers


async def test_the_queue_says_when_each_customer_last_wrote(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana = await desk.signed_in("ana")
    [item] = (await ana.get("/agent/api/queue"))["waiting"]
    record = await desk.runtime.memory.load(customer)
    assert record is not None
    assert item["last_wrote"] == record.wrote_at["sms"].isoformat()


@pytest.mark.parametrize(
    "body",
    [
        {"greet": "no"},
        {"greeting": ""},
        {"greeting": "   "},
        {"greeting": 42},
        {"greeting": "x" * 1001},
        {"greeting": "Hello", "greet": False},
    ],
)
async def test_a_claim_that_does_not_say_what_to_tell_is_refused(
    desk: Desk, body: dict[str, Any]
) -> None:
    customer = await waiting_customer(desk)
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim", **body)).status == 400
    await desk.settle()
    assert await desk.runtime.desk.desk.holder(customer) is None
    assert GREETING not in sent(desk)


def test_flows_and_words_are_in_the_customers_language(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "bot.yaml").write_text("name: Shop\nlanguages: [en, pt]\n")
    (tmp_path / "flows" / "main.yaml").write_text(
        "flows:\n"
        "  exchange:\n"
        "    title: {en: Exchange or return, pt: Troca ou devolução}\n"
        "    triggers: {en: [exchange], pt: [troca]}\n"
        "    steps: [{say: {en: 'Which one?', pt: 'Qual?'}}]\n"
    )
    flowset = load_flowset(tmp_path, load_bot_config(tmp_path))
    words = FlowWords(lambda: flowset)
    now = datetime(2026, 3, 2, tzinfo=UTC)
    customer = CustomerRecord(id="c1", language="pt-BR", created_at=now, updated_at=now)
    assert words.flows(customer) == [FlowChoice("exchange", "Troca ou devolução")]
    assert words.greeting(customer, "Ana") == "Ana, da nossa equipe, está aqui para ajudar."
    assert words.handed_back(customer).startswith("Obrigado pela paciência!")
    english = CustomerRecord(id="c2", created_at=now, updated_at=now)
    assert words.flows(english) == [FlowChoice("exchange", "Exchange or return")]
