"""Replies that respect the channel, on both memory backends (the desk on the same one): the
agent sees the customer's channels and picks one; a channel that cannot reach the customer is
refused with a 409 saying why; and the team's canned responses (kept, validated, listed by
language, filled with the customer's name without ever evaluating it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.desk.canned import MOST
from bot.desk.store import Desk as DeskStore
from bot.format.messages import VerifiedAttribute, utcnow
from bot.format.outbound import Template, Text
from bot.turn.store import Memory
from memory import EmbeddedDesk
from memory.redis.connection import connect
from memory.redis.desk import RedisDesk
from tests.console.kit import FLOWS, Agent, Desk, serving
from tests.console.test_window_api import WHATSAPP_USER, held_by_ana, with_phone
from tests.helpers import Clock
from tests.whatsapp.kit import REOPEN_YAML

PHONE = "+12025550143"
WEB = "web-visitor-1"
NAMED = FLOWS.replace(
    "slots:\n",
    """slots:
  name:
    type: text
    remember: true
    prompt: "What's your name?"
""",
).replace(
    "flows:\n",
    """flows:
  introduce:
    triggers: {en: [my name is]}
    steps:
      - ask: name
      - say: "Nice to meet you."
""",
)


@pytest.fixture
async def desk_store(backend: str, backend_url: str, namespace: str) -> AsyncIterator[DeskStore]:
    store: DeskStore = (
        EmbeddedDesk() if backend == "embedded" else RedisDesk(connect(backend_url), namespace)
    )
    yield store
    await store.close()


@pytest.fixture
async def desk(tmp_path: Path, memory: Memory, desk_store: DeskStore) -> AsyncIterator[Desk]:
    async with serving(tmp_path, memory=memory, desk_store=desk_store, flows=NAMED) as running:
        await running.online()
        yield running


async def on_two_channels(desk: Desk) -> str:
    """A customer who wrote on the web chat, proved their phone there, and was handed off on
    SMS; ana holds the conversation."""
    phone = (VerifiedAttribute(kind="phone", value=PHONE, issuer="webchat"),)
    await desk.channels["webchat"].say(WEB, "hello", verified=phone)
    await desk.settle()
    await desk.channels["sms"].say(PHONE, "where is my order", verified=phone)
    await desk.settle()
    await desk.say("sms", PHONE, "A-12345")
    customer = await desk.customer("sms", PHONE)
    assert await desk.customer("webchat", WEB) == customer
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim")).status == 200
    await desk.settle()
    return customer


def texts(desk: Desk, channel: str, user: str) -> list[str]:
    return [m.text for m in desk.channels[channel].sent[user] if isinstance(m, Text)]


async def test_the_agent_sees_the_customers_channels_and_where_a_reply_goes(desk: Desk) -> None:
    customer = await on_two_channels(desk)
    view = await desk.agents[0].get(f"/agent/api/conversations/{customer}")
    reply = view["reply"]
    assert reply["default"] == "sms"
    by_channel = {choice["channel"]: choice for choice in reply["channels"]}
    assert [choice["channel"] for choice in reply["channels"]] == ["sms", "webchat"]
    assert by_channel["sms"]["address"] == PHONE
    assert by_channel["sms"]["reachable"] is True
    assert by_channel["webchat"]["address"] is None
    assert by_channel["webchat"]["reachable"] is True


async def test_a_reply_goes_on_the_channel_the_agent_picked(desk: Desk) -> None:
    customer = await on_two_channels(desk)
    ana = desk.agents[0]
    sms_before = texts(desk, "sms", PHONE)
    response = await ana.act(customer, "reply", text="Your order ships today.", channel="webchat")
    assert response.status == 202
    assert (await response.json())["channel"] == "webchat"
    await desk.settle()
    assert texts(desk, "webchat", WEB)[-1] == "Your order ships today."
    assert texts(desk, "sms", PHONE) == sms_before
    view = await ana.get(f"/agent/api/conversations/{customer}")
    [sent] = [e for e in view["entries"] if e.get("agent") == "ana"]
    assert sent["channel"] == "webchat"
    assert (await ana.act(customer, "reply", text="And by SMS.")).status == 202
    await desk.settle()
    assert texts(desk, "sms", PHONE)[-1] == "And by SMS."


async def test_a_channel_the_customer_stopped_is_refused(desk: Desk) -> None:
    customer = await on_two_channels(desk)
    await desk.say("webchat", WEB, "Stop")
    ana = desk.agents[0]
    view = await ana.get(f"/agent/api/conversations/{customer}")
    web = next(c for c in view["reply"]["channels"] if c["channel"] == "webchat")
    assert web["reachable"] is False
    assert "said stop on web chat" in web["why"]
    before = len(desk.channels["webchat"].sent[WEB])
    response = await ana.act(customer, "reply", text="Hello?", channel="webchat")
    assert response.status == 409
    refused = await response.json()
    assert refused["channel"] == "webchat"
    assert "said stop on web chat" in refused["error"]
    await desk.settle()
    assert len(desk.channels["webchat"].sent[WEB]) == before
    assert (await ana.act(customer, "reply", text="By SMS then.", channel="sms")).status == 202


@pytest.mark.parametrize(
    ("channel", "status", "words"),
    [
        ("telegram", 409, "no address on Telegram"),
        ("whatsapp", 409, "no address on WhatsApp"),
        ("", 400, "'channel'"),
        (7, 400, "'channel'"),
        ("x" * 40, 400, "'channel'"),
    ],
)
async def test_a_channel_that_cannot_reach_the_customer_is_refused(
    desk: Desk, channel: object, status: int, words: str
) -> None:
    customer = await on_two_channels(desk)
    response = await desk.agents[0].act(customer, "reply", text="Hi", channel=channel)
    assert response.status == status
    assert words in (await response.json())["error"]


async def create(agent: Agent, **body: object) -> tuple[int, dict[str, object]]:
    response = await agent.http.post(
        f"{agent.base}/agent/api/canned", json=body, headers={"X-CSRF-Token": agent.csrf}
    )
    return response.status, await response.json()


async def test_canned_responses_are_shared_listed_by_language_and_filled(desk: Desk) -> None:
    customer = await on_two_channels(desk)
    ana = desk.agents[0]
    status, made = await create(
        ana,
        title="Greeting",
        language="en",
        text='Hi {{ profile.name or "there" }}, {{ agent.name }} here about {{ slots.order_id }}.',
    )
    assert status == 201
    status, _ = await create(ana, title="Saudação", language="pt-BR", text="Olá!")
    assert status == 201
    bruno = await desk.signed_in("bruno")
    every = (await bruno.get("/agent/api/canned"))["canned"]
    assert [item["title"] for item in every] == ["Greeting", "Saudação"]
    assert every[0]["by"] == "ana"
    portuguese = (await bruno.get("/agent/api/canned?language=pt"))["canned"]
    assert [item["title"] for item in portuguese] == ["Saudação"]
    listed = await bruno.get(f"/agent/api/conversations/{customer}/canned")
    assert listed["language"] == "en"
    [greeting] = listed["canned"]
    assert greeting["key"] == made["canned"]["key"]  # type: ignore[index]
    assert greeting["filled"] == "Hi there, bruno here about A-12345."


async def named(desk: Desk, name: str) -> str:
    """A customer who told their name (kept in their profile), then asked for a person."""
    await desk.say("sms", PHONE, "my name is")
    await desk.say("sms", PHONE, name)
    await desk.say("sms", PHONE, "where is my order")
    await desk.say("sms", PHONE, "A-12345")
    customer = await desk.customer("sms", PHONE)
    record = await desk.runtime.memory.load(customer)
    assert record is not None
    assert record.profile["name"] == name
    return customer


async def test_a_canned_response_is_filled_with_the_customers_name(desk: Desk) -> None:
    customer = await named(desk, "Maria")
    ana = await desk.signed_in("ana")
    await create(ana, title="Hi", language="en", text='Hi {{ profile.name or "there" }}!')
    [item] = (await ana.get(f"/agent/api/conversations/{customer}/canned"))["canned"]
    assert item["filled"] == "Hi Maria!"


async def test_a_canned_response_is_edited_and_deleted(desk: Desk) -> None:
    ana = await desk.signed_in("ana")
    _, made = await create(ana, title="Thanks", language="en", text="Thank you!")
    key = made["canned"]["key"]  # type: ignore[index]
    url, headers = f"{ana.base}/agent/api/canned/{key}", {"X-CSRF-Token": ana.csrf}
    body = {"title": "Thanks", "language": "en", "text": "Thanks a lot!"}
    async with ana.http.put(url, json=body, headers=headers) as response:
        assert response.status == 200
    assert [i["text"] for i in (await ana.get("/agent/api/canned"))["canned"]] == ["Thanks a lot!"]
    async with ana.http.put(url, json=body) as response:
        assert response.status == 403
    async with ana.http.delete(url, headers=headers) as response:
        assert response.status == 204
    assert (await ana.get("/agent/api/canned"))["canned"] == []
    async with ana.http.delete(url, headers=headers) as response:
        assert response.status == 404
    async with ana.http.put(url, json=body, headers=headers) as response:
        assert response.status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "language": "en", "text": "Hi"}, "title"),
        ({"title": "  ", "language": "en", "text": "Hi"}, "title"),
        ({"title": "Hi", "language": "english", "text": "Hi"}, "language"),
        ({"title": "Hi", "language": "en", "text": "x" * 1001}, "text"),
        ({"title": "Hi", "language": "en", "text": "{{ customer.secret }}"}, "text"),
        ({"title": "Hi", "language": "en", "text": "{{ profile.name | upper }}"}, "text"),
        ({"title": "Hi", "language": "en", "text": "{{ range(10**9) }}"}, "text"),
        ({"title": "Hi", "language": "en", "text": "Hi {{ profile.name"}, "text"),
        ({"title": "Hi", "language": "en"}, "text"),
    ],
)
async def test_a_canned_response_that_cannot_be_kept_is_refused(
    desk: Desk, body: dict[str, object], field: str
) -> None:
    ana = await desk.signed_in("ana")
    status, problem = await create(ana, **body)
    assert status == 400
    assert problem["field"] == field
    assert (await ana.get("/agent/api/canned"))["canned"] == []


async def test_the_team_keeps_a_bounded_number_of_canned_responses(desk: Desk) -> None:
    ana = await desk.signed_in("ana")
    for number in range(MOST):
        assert await desk.runtime.desk.desk.put_canned(f"c_seeded{number:06d}", "{}", MOST)
    status, problem = await create(ana, title="One more", language="en", text="Hi")
    assert status == 409
    assert str(MOST) in str(problem["error"])


async def test_a_customers_words_are_never_evaluated_in_a_canned_response(desk: Desk) -> None:
    customer = await named(desk, "{{ agent.name }} {% for x in y %}{{ 7*7 }}")
    ana = await desk.signed_in("ana")
    await create(ana, title="Hi", language="en", text="Hi {{ profile.name }}!")
    [item] = (await ana.get(f"/agent/api/conversations/{customer}/canned"))["canned"]
    assert item["filled"] == "Hi {{ agent.name }} {% for x in y %}{{ 7*7 }}!"


async def test_canned_responses_need_a_session_and_a_csrf_token(desk: Desk) -> None:
    stranger = desk.agent()
    async with stranger.http.get(f"{desk.base}/agent/api/canned") as response:
        assert response.status == 401
    ana = await desk.signed_in("ana")
    async with ana.http.post(
        f"{ana.base}/agent/api/canned", json={"title": "a", "language": "en", "text": "b"}
    ) as response:
        assert response.status == 403
    async with ana.http.delete(
        f"{ana.base}/agent/api/canned/not-a-key%2A", headers={"X-CSRF-Token": ana.csrf}
    ) as response:
        assert response.status == 404


async def test_whatsapp_outside_its_window_takes_only_its_template(tmp_path: Path) -> None:
    clock = Clock(utcnow())
    named = '["{{ profile.name or \\"there\\" }}", "{{ message }}"]'
    yaml = REOPEN_YAML.replace('["{{ message }}"]', named)
    async with serving(tmp_path, bot_yaml=yaml, names=("whatsapp", "sms"), clock=clock) as desk:
        await with_phone(desk, "sms", "hello")
        customer = await held_by_ana(desk)
        ana = desk.agents[0]
        view = await ana.get(f"/agent/api/conversations/{customer}")
        whatsapp = next(c for c in view["reply"]["channels"] if c["channel"] == "whatsapp")
        assert whatsapp["window"]["open"] is True
        assert whatsapp["template"] is None
        clock.advance(hours=25)
        view = await ana.get(f"/agent/api/conversations/{customer}")
        whatsapp = next(c for c in view["reply"]["channels"] if c["channel"] == "whatsapp")
        assert whatsapp["window"]["open"] is False
        assert whatsapp["reachable"] is True
        assert whatsapp["template"] == {
            "name": "reopen_conversation",
            "language": "en_US",
            "parameters": ["there", "(your reply)"],
        }
        response = await ana.act(customer, "reply", text="It ships today.", channel="whatsapp")
        assert response.status == 202
        await desk.settle()
        last = desk.channels["whatsapp"].sent[WHATSAPP_USER][-1]
        assert isinstance(last, Template)
        assert last.parameters == ("there", "It ships today.")


async def test_whatsapp_outside_its_window_without_a_template_is_refused(tmp_path: Path) -> None:
    clock = Clock(utcnow())
    async with serving(tmp_path, names=("whatsapp", "sms"), clock=clock) as desk:
        await with_phone(desk, "sms", "hello")
        customer = await held_by_ana(desk)
        clock.advance(hours=25)
        ana = desk.agents[0]
        before = len(desk.channels["whatsapp"].sent[WHATSAPP_USER])
        response = await ana.act(customer, "reply", text="Hi", channel="whatsapp")
        assert response.status == 409
        assert "window is closed and no approved template" in (await response.json())["error"]
        assert (await ana.act(customer, "reply", text="Hi", channel="sms")).status == 202
        await desk.settle()
        assert len(desk.channels["whatsapp"].sent[WHATSAPP_USER]) == before
        assert texts(desk, "sms", WHATSAPP_USER)[-1] == "Hi"


async def test_a_canned_response_cannot_be_passed_off_as_another_agents(desk: Desk) -> None:
    ana = await desk.signed_in("ana")
    status, made = await create(
        ana, title="Hi", language="en", text="Hi", by="bruno", key="c_chosen-by-me", at="2001-01-01"
    )
    assert status == 201
    canned = made["canned"]
    assert isinstance(canned, dict)
    assert canned["by"] == "ana"
    assert canned["key"] != "c_chosen-by-me"
    assert not canned["at"].startswith("2001")


@pytest.mark.parametrize("raw", [b"[]", b"not json", b'"text"', b"null"])
async def test_a_canned_body_that_is_not_an_object_is_refused(desk: Desk, raw: bytes) -> None:
    ana = await desk.signed_in("ana")
    async with ana.http.post(
        f"{ana.base}/agent/api/canned",
        data=raw,
        headers={"X-CSRF-Token": ana.csrf, "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400
    assert (await ana.get("/agent/api/canned"))["canned"] == []
