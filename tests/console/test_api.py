"""The agent console's API: signing in, the queue, claiming (one winner), replying through the
customer's own channel, notes, transfer, release, resolve; and everything refused."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from bot.desk.console.api import OFFLINE
from bot.desk.console.auth import MIN_TOKEN
from bot.desk.console.sessions import Sessions
from memory import EmbeddedDesk
from tests.console.kit import TOKENS, Desk, serving
from tests.helpers import text_of
from tests.server_process import ROOT, omnibot


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with serving(tmp_path) as running:
        await running.online()
        yield running


async def waiting_customer(desk: Desk, user: str = "+12025550143") -> str:
    await desk.say("sms", user, "where is my order")
    replies = await desk.say("sms", user, "A-12345")
    assert replies[0] == "Let me get someone to look at order A-12345."
    return await desk.customer("sms", user)


async def test_an_agent_signs_in_with_a_token(desk: Desk) -> None:
    agent = desk.agent()
    response = await agent.sign_in(token=TOKENS["ana"])
    assert response.status == 200
    cookie = response.cookies["omnibot_agent"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/agent"
    me = await agent.get("/agent/api/session")
    assert me["agent"] == "ana"
    assert me["csrf"] == agent.csrf
    assert me["agents"] == ["ana", "bruno"]
    assert me["flows"] == ["order", "survey", "welcome"]


@pytest.mark.parametrize(
    "body", [{"token": "not-a-real-token"}, {"name": "ana", "password": "x"}, {}, {"token": ""}]
)
async def test_a_wrong_credential_signs_nobody_in(desk: Desk, body: dict[str, str]) -> None:
    agent = desk.agent()
    assert (await agent.sign_in(**body)).status == 401
    async with agent.http.get(f"{desk.base}/agent/api/queue") as response:
        assert response.status == 401


async def test_a_forged_session_cookie_is_nobody(desk: Desk) -> None:
    agent = desk.agent()
    agent.http.cookie_jar.update_cookies({"omnibot_agent": "forged-session-value"})
    async with agent.http.get(f"{desk.base}/agent/api/queue") as response:
        assert response.status == 401


async def test_a_cookie_of_the_same_name_for_a_wider_path_does_not_hide_the_session(
    desk: Desk,
) -> None:
    ana = await desk.signed_in("ana")
    [session] = [c.value for c in ana.http.cookie_jar if c.key == "omnibot_agent"]
    # What a browser sends when some other page of the host set omnibot_agent for path "/".
    headers = {"Cookie": f"omnibot_agent={session}; omnibot_agent=set-by-another-page"}
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(f"{desk.base}/agent/api/session", headers=headers) as response,
    ):
        assert response.status == 200
        assert (await response.json())["agent"] == "ana"


async def test_the_session_of_an_agent_who_was_taken_out_is_nobody() -> None:
    desk, hour = EmbeddedDesk(), timedelta(hours=1)
    cookie, _ = await Sessions(desk, hour, None, ["ana", "bruno"]).open("ana")
    request = make_mocked_request(
        "GET", "/agent/api/queue", headers={"Cookie": f"omnibot_agent={cookie}"}
    )
    assert await Sessions(desk, hour, None, ["ana", "bruno"]).of(request) is not None
    # Restarted with ana's token taken out of OMNIBOT_AGENT_TOKENS: her session ends now.
    assert await Sessions(desk, hour, None, ["bruno"]).of(request) is None


async def test_guessing_tokens_is_hopeless_and_locks_nobody_out(desk: Desk) -> None:
    # Hopeless: every token is at least 32 characters (tests/console/test_sign_in.py), and no
    # limit refuses a right one, so failing on purpose keeps nobody out.
    assert all(len(token) >= MIN_TOKEN for token in TOKENS.values())
    agent = desk.agent()
    for n in range(30):
        guess = {"token": f"wrong-token-guess-{n:03d}", "name": f"rotated {n}"}
        assert (await agent.sign_in(**guess)).status == 401
    assert (await agent.sign_in(token=TOKENS["ana"])).status == 200


async def test_the_queue_shows_who_waits_with_a_summary(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    agent = await desk.signed_in("ana")
    queue = await agent.get("/agent/api/queue")
    [item] = queue["waiting"]
    assert item["customer"] == customer
    assert item["channel"] == "sms"
    assert item["status"] == "waiting"
    assert item["reason"] == "a question about an order"
    assert item["summary"]["slots"] == {"order_id": "A-12345"}
    assert item["waiting_seconds"] >= 0
    assert queue["mine"] == []
    assert queue["online"] == ["ana"]


async def test_of_two_agents_claiming_at_once_one_wins(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana, bruno = await desk.signed_in("ana"), await desk.signed_in("bruno")
    answers = await asyncio.gather(ana.act(customer, "claim"), bruno.act(customer, "claim"))
    assert sorted(a.status for a in answers) == [200, 409]
    await desk.settle()
    winner = ana if answers[0].status == 200 else bruno
    assert (await winner.get("/agent/api/queue"))["mine"][0]["customer"] == customer
    texts = desk.channels["sms"].sent["+12025550143"]
    assert text_of(texts[-1]) == f"{winner.name} from our team is here to help."


async def test_a_reply_reaches_the_customer_and_a_note_does_not(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim")).status == 200
    assert (await ana.act(customer, "reply", text="Hi, I'm looking at it now.")).status == 202
    assert (await ana.act(customer, "note", text="Customer sounds worried")).status == 202
    await desk.settle()
    sent = [text_of(m) for m in desk.channels["sms"].sent["+12025550143"]]
    assert sent[-1] == "Hi, I'm looking at it now."
    assert "Customer sounds worried" not in sent
    assert await desk.say("sms", "+12025550143", "thanks!") == []  # the bot keeps out of it
    view = await ana.get(f"/agent/api/conversations/{customer}")
    kinds = [(e["from"], e.get("agent"), e.get("text")) for e in view["entries"]]
    assert ("agent", "ana", None) in [(k, a, None) for k, a, _ in kinds]
    assert ("note", "ana", "Customer sounds worried") in kinds
    assert ("customer", None, "thanks!") in kinds
    assert view["holder"] == "ana"


async def test_only_the_holder_replies_releases_or_resolves(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana, bruno = await desk.signed_in("ana"), await desk.signed_in("bruno")
    assert (await bruno.act(customer, "reply", text="hello")).status == 409
    assert (await ana.act(customer, "claim")).status == 200
    for action, body in [("reply", {"text": "hi"}), ("release", {}), ("resolve", {})]:
        assert (await bruno.act(customer, action, **body)).status == 409
    assert (await bruno.act(customer, "transfer", to="bruno")).status == 400


async def test_transfer_and_release(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana, bruno = await desk.signed_in("ana"), await desk.signed_in("bruno")
    await desk.online("bruno")
    assert (await ana.act(customer, "claim")).status == 200
    assert (await ana.act(customer, "transfer", to="bruno")).status == 200
    await desk.settle()
    assert (await bruno.get("/agent/api/queue"))["mine"][0]["agent"] == "bruno"
    assert (await bruno.act(customer, "release")).status == 200
    await desk.settle()
    queue = await ana.get("/agent/api/queue")
    assert [item["customer"] for item in queue["waiting"]] == [customer]
    assert queue["waiting"][0]["status"] == "waiting"


async def test_a_transfer_to_an_offline_agent_is_refused_as_the_dialog_says(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana = await desk.signed_in("ana")
    await desk.signed_in("bruno")  # signed in, but no console open
    assert (await ana.act(customer, "claim")).status == 200
    response = await ana.act(customer, "transfer", to="bruno")
    assert response.status == 409
    assert await response.json() == {"error": OFFLINE, "to": "bruno"}
    assert await desk.runtime.desk.desk.holder(customer) == "ana"  # nothing changed
    await desk.runtime.desk.desk.present("bruno", timedelta(minutes=5), "away")
    assert (await ana.act(customer, "transfer", to="bruno")).status == 200  # away is allowed
    assert await desk.runtime.desk.desk.holder(customer) == "bruno"


async def test_resolve_gives_the_customer_back_to_the_bot(desk: Desk) -> None:
    customer = await waiting_customer(desk)
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim")).status == 200
    assert (await ana.act(customer, "resolve", flow="survey")).status == 202
    await desk.settle()
    sent = [text_of(m) for m in desk.channels["sms"].sent["+12025550143"]]
    assert sent[-2:] == [
        "Thanks for waiting! You're back with the assistant. How else can I help?",
        "How did we do?",
    ]
    assert (await ana.get("/agent/api/queue"))["mine"] == []
    assert await desk.say("sms", "+12025550143", "where is my order") == [
        "What's your order number?"
    ]


async def test_a_change_without_the_csrf_token_or_from_another_site_is_refused(
    desk: Desk,
) -> None:
    customer = await waiting_customer(desk)
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim", csrf="")).status == 403
    assert (await ana.act(customer, "claim", csrf="forged-csrf-token")).status == 403
    headers = {"X-CSRF-Token": ana.csrf, "Origin": "https://evil.example"}
    url = f"{desk.base}/agent/api/conversations/{customer}/claim"
    async with ana.http.post(url, json={}, headers=headers) as response:
        assert response.status == 403
    other = desk.agent()
    async with other.http.post(
        f"{desk.base}/agent/api/session",
        json={"token": TOKENS["bruno"]},
        headers={"Origin": "https://evil.example"},
    ) as response:
        assert response.status == 403
    assert (await ana.get("/agent/api/queue"))["waiting"][0]["customer"] == customer


async def test_signing_out_ends_the_session(desk: Desk) -> None:
    ana = await desk.signed_in("ana")
    async with ana.http.delete(
        f"{desk.base}/agent/api/session", headers={"X-CSRF-Token": ana.csrf}
    ) as response:
        assert response.status == 204
    async with ana.http.get(f"{desk.base}/agent/api/queue") as response:
        assert response.status == 401


def users_file_line(name: str, password: str) -> str:
    """What ``omnibot agent-password`` prints."""
    made = subprocess.run(
        omnibot("agent-password", name),
        input=f"{password}\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return made.stdout


async def test_an_agent_signs_in_with_a_password_from_the_users_file(tmp_path: Path) -> None:
    line = await asyncio.to_thread(users_file_line, "carla", "a long enough password")
    (tmp_path / "agents.txt").write_text(f"# the desk\n{line}")
    async with serving(tmp_path, bot_yaml="agents:\n  users_file: agents.txt\n") as running:
        agent = running.agent()
        assert (await agent.sign_in(name="carla", password="a long enough passwore")).status == 401
        assert (await agent.sign_in(name="nobody", password="a long enough password")).status == 401
        assert (await agent.sign_in(name="carla", password="a long enough password")).status == 200
        assert (await agent.get("/agent/api/session"))["agents"] == ["ana", "bruno", "carla"]


def test_a_short_password_makes_no_line() -> None:
    made = subprocess.run(
        omnibot("agent-password", "carla"),
        input="short\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert made.returncode == 2
    assert made.stdout == ""
