"""The conversation list beyond the queue, on both backends: statuses, filters, search (by a
phone however it is typed, e-mail, name, an order number in the slots, the transcript's text),
resolved conversations kept and reopened, tags; and nothing for anyone not signed in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.desk.search import RESULTS
from bot.format.messages import VerifiedAttribute
from bot.format.outbound import Text
from tests.console.kit import Agent, Desk, serving

MARIA = "+5511987654321"
BOB = "+12025550143"
JOAO = "web-joao"


@dataclass
class Setup:
    desk: Desk
    ana: Agent
    maria: str
    joao: str
    bob: str

    async def find(self, **params: str) -> list[dict[str, Any]]:
        found = await self.ana.get("/agent/api/conversations?" + urlencode(params))
        return list(found["results"])

    async def ids(self, **params: str) -> list[str]:
        return [item["customer"] for item in await self.find(**params)]


async def handed_off(
    desk: Desk, channel: str, user: str, name: str, order: str, *verified: VerifiedAttribute
) -> str:
    connector = desk.channels[channel]
    await connector.submit(
        user, None, kind="text", text="where is my order", name=name, verified=verified
    )
    await desk.say(channel, user, order)
    return await desk.customer(channel, user)


@pytest.fixture
async def setup(
    tmp_path: Path, backend: str, backend_url: str, namespace: str
) -> AsyncIterator[Setup]:
    on_redis = backend != "embedded"
    async with serving(
        tmp_path,
        bot_yaml=f"memory: {{namespace: {namespace}}}\n" if on_redis else "",
        environment={"OMNIBOT_REDIS_URL": backend_url} if on_redis else {},
    ) as desk:
        await desk.online()
        phone = VerifiedAttribute(kind="phone", value=MARIA, issuer="sms")
        maria = await handed_off(desk, "sms", MARIA, "Maria Souza", "A-12345", phone)
        await desk.say("sms", MARIA, "the blue sandals were too small")
        email = VerifiedAttribute(kind="email", value="joao@example.com", issuer="webchat")
        joao = await handed_off(desk, "webchat", JOAO, "João Lima", "B-777", email)
        bob_phone = VerifiedAttribute(kind="phone", value=BOB, issuer="sms")
        bob = await handed_off(desk, "sms", BOB, "Bob Stone", "C-1", bob_phone)
        yield Setup(desk, await desk.signed_in("ana"), maria, joao, bob)


@pytest.mark.parametrize("typed", ["+55 11 98765-4321", "11987654321", "(11) 98765-4321"])
async def test_a_phone_is_found_however_the_agent_types_it(setup: Setup, typed: str) -> None:
    [found] = await setup.find(q=typed)
    assert found["customer"] == setup.maria
    assert found["matched"] == "phone"
    assert found["phones"] == [MARIA]
    assert found["name"] == "Maria Souza"
    assert found["status"] == "waiting"
    assert found["channels"] == ["sms"]


async def test_search_by_email_name_and_an_order_number_in_the_slots(setup: Setup) -> None:
    assert await setup.ids(q="JOAO@example.com") == [setup.joao]
    assert await setup.ids(q="joao lima") == [setup.joao]  # accents and case ignored
    assert await setup.ids(q="Souza") == [setup.maria]
    [by_order] = await setup.find(q="a-12345")
    assert (by_order["customer"], by_order["matched"]) == (setup.maria, "details")
    assert await setup.ids(q="B-777") == [setup.joao]


async def test_search_reads_the_transcript_for_text(setup: Setup) -> None:
    [found] = await setup.find(q="Blue Sandals")
    assert (found["customer"], found["matched"]) == (setup.maria, "transcript")
    assert await setup.find(q="purple sandals") == []


async def test_another_customers_data_is_not_returned(setup: Setup) -> None:
    assert await setup.ids(q=BOB) == [setup.bob]
    assert await setup.ids(q="98765") == []  # too few digits for a phone, and no text
    [maria] = await setup.find(q=MARIA)
    assert BOB not in maria["phones"]
    assert "C-1" not in str(maria)


async def test_filters_by_status_channel_and_agent(setup: Setup) -> None:
    ana = setup.ana
    assert set(await setup.ids(status="waiting")) == {setup.maria, setup.joao, setup.bob}
    assert await setup.ids(channel="webchat") == [setup.joao]
    assert (await ana.act(setup.maria, "claim")).status == 200
    await setup.desk.settle()
    assert await setup.ids(status="agent", agent="ana") == [setup.maria]
    assert await setup.ids(status="agent", agent="bruno") == []
    assert setup.maria not in await setup.ids(status="waiting")
    assert await setup.ids(status="resolved") == []


async def test_a_resolved_conversation_stays_readable_and_is_reopened_silently(
    setup: Setup,
) -> None:
    ana, desk = setup.ana, setup.desk
    await ana.act(setup.maria, "claim")
    await ana.act(setup.maria, "resolve")
    await desk.settle()
    [resolved] = await setup.find(status="resolved")
    assert (resolved["customer"], resolved["agent"]) == (setup.maria, "ana")
    assert resolved["resolved_at"] is not None
    assert resolved["goal"] == "Order"  # what she came for, by the flow's title (or name)
    assert await setup.ids(status="resolved", q="A-12345") == [setup.maria]  # its slots kept
    view = await ana.get(f"/agent/api/conversations/{setup.maria}")
    assert view["thread"]["status"] == "resolved"
    assert any(e.get("text") == "the blue sandals were too small" for e in view["entries"])

    sent_before = len(desk.channels["sms"].sent[MARIA])
    bruno = await desk.signed_in("bruno")
    response = await bruno.act(setup.maria, "reopen")
    assert response.status == 200, await response.text()
    await desk.settle()
    assert len(desk.channels["sms"].sent[MARIA]) == sent_before  # the customer sees nothing
    view = await bruno.get(f"/agent/api/conversations/{setup.maria}")
    assert view["holder"] == "bruno"
    assert view["thread"]["status"] == "agent"
    # What she came for stays, in words; the reopening is one more fact, not a new summary.
    customer = view["customer"]
    assert customer["reason"] == "a question about an order"
    assert customer["goal"] == "Order"
    facts = [(fact["label"], fact["value"]) for fact in customer["readable"]["facts"]]
    assert facts == [("Order id", "A-12345"), ("Reopened", "by bruno")]
    assert (await ana.act(setup.maria, "reopen")).status == 409
    assert await setup.ids(status="agent", agent="bruno") == [setup.maria]
    assert await setup.ids(q="A-12345") == [setup.maria]  # what they told is still found

    assert (await bruno.act(setup.maria, "reply", text="Hi Maria, Bruno here.")).status == 202
    await desk.settle()
    said = [m.text for m in desk.channels["sms"].sent[MARIA][sent_before:] if isinstance(m, Text)]
    assert said == ["Hi Maria, Bruno here."]


async def test_a_conversation_on_the_desk_is_not_reopened(setup: Setup) -> None:
    response = await setup.ana.act(setup.joao, "reopen")
    assert response.status == 409
    assert await setup.desk.runtime.desk.desk.holder(setup.joao) is None


async def test_tags_are_added_shown_filtered_and_removed(setup: Setup) -> None:
    ana = setup.ana
    for tag in ("refund", "Refund", "vip-2"):
        assert (await ana.act(setup.joao, "tag", tag=tag)).status == 200
    [found] = await setup.find(tag="refund")
    assert (found["customer"], found["tags"]) == (setup.joao, ["refund", "vip-2"])
    assert await setup.ids(q="vip-2") == [setup.joao]
    view = await ana.get(f"/agent/api/conversations/{setup.joao}")
    assert view["thread"]["tags"] == ["refund", "vip-2"]
    response = await ana.act(setup.joao, "untag", tag="refund")
    assert await response.json() == {"tags": ["vip-2"]}
    assert await setup.ids(tag="refund") == []


@pytest.mark.parametrize("tag", ["", "two words", "x" * 25, "<b>", "-lead", 7, None])
async def test_a_tag_that_is_not_one_is_refused_naming_the_field(setup: Setup, tag: Any) -> None:
    response = await setup.ana.act(setup.joao, "tag", tag=tag)
    assert response.status == 400
    # In words the console shows beside the tag box, not led by the field's name.
    assert await response.json() == {
        "error": "A tag is 1 to 24 letters, digits, - or _ (no spaces),"
        " starting with a letter or digit",
        "field": "tag",
    }


async def test_at_most_ten_tags(setup: Setup) -> None:
    for n in range(10):
        assert (await setup.ana.act(setup.bob, "tag", tag=f"t{n}")).status == 200
    response = await setup.ana.act(setup.bob, "tag", tag="one-more")
    assert response.status == 400
    assert await response.json() == {
        "error": "A conversation has at most 10 tags; remove one first",
        "field": "tag",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"channel": "SMS!"}, "channel"),
        ({"agent": "<ana>"}, "agent"),
        ({"tag": "no spaces"}, "tag"),
        ({"q": "x" * 101}, "q"),
    ],
)
async def test_a_bad_filter_is_refused_naming_it(
    setup: Setup, params: dict[str, str], field: str
) -> None:
    url = f"{setup.desk.base}/agent/api/conversations?{urlencode(params)}"
    async with setup.ana.http.get(url) as response:
        assert response.status == 400
        assert (await response.json())["field"] == field


async def test_nothing_for_anyone_not_signed_in(setup: Setup) -> None:
    stranger = setup.desk.agent()
    for query in ("q=" + MARIA, "status=waiting", ""):
        async with stranger.http.get(f"{setup.desk.base}/agent/api/conversations?{query}") as r:
            assert r.status == 401
            body = await r.text()
            for secret in ("Maria", "5511", setup.maria):
                assert secret not in body
    assert (await stranger.act(setup.maria, "reopen", csrf="x")).status == 401
    assert (await setup.ana.act(setup.joao, "tag", csrf="forged", tag="x")).status == 403


async def test_results_are_bounded(setup: Setup) -> None:
    desk = setup.desk
    for n in range(RESULTS + 2):
        await handed_off(desk, "sms", f"+1202555{n:04d}", f"Many {n}", f"M-{n}")
    found = await setup.ana.get("/agent/api/conversations?q=many")
    assert len(found["results"]) == RESULTS
    assert found["more"] is True


INJECTIONS = [".*", "A-1234.", "%", "[a-z]+", "' or 1=1 --", '"}],{"', "\\"]


@pytest.mark.parametrize("term", [*INJECTIONS, "]]..redis.call('FLUSHALL')..[["])
async def test_search_terms_are_text_not_patterns(setup: Setup, term: str) -> None:
    assert await setup.ids(q=term) == []
    assert set(await setup.ids()) == {setup.maria, setup.joao, setup.bob}  # all still there
