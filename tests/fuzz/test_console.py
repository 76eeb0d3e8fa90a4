"""The agent console's API and websocket under hostile input.

Sign-in takes any body (401, 400, 403 or 429, never a 500); a signed-in agent's actions take
any action name, conversation id, body, CSRF token and origin, and what is refused changes no
conversation; the websocket takes any frame without dropping the agent.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import pytest_asyncio
from hypothesis import event, given
from hypothesis import strategies as st

from bot.desk.console.sessions import COOKIE, CSRF_HEADER
from bot.format.messages import Address, InboundEvent
from tests.fuzz.kit import AGENT_TOKEN, PUBLIC_URL, Everything, assert_quiet, closed
from tests.fuzz.strategies import (
    bodies,
    dumps,
    fuzz,
    json_texts,
    json_values,
    mostly,
    sometimes,
    texts,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

API = "/agent/api"
_names = itertools.count(1)
printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@dataclass
class Agent:
    """A signed-in agent's cookie and CSRF token, and a customer to act on."""

    cookie: str
    csrf: str
    customer: str


@pytest_asyncio.fixture(loop_scope="session")
async def agent(bot: Everything) -> Agent:
    body = {"name": f"agent {next(_names)}", "token": AGENT_TOKEN}  # a rate-limit key its own
    answer = await bot.http.post(bot.url(f"{API}/session"), json=body)
    assert answer.status == 200, await answer.text()
    csrf = (await answer.json())["csrf"]
    cookie = answer.cookies[COOKIE].value
    address = Address(channel="webchat", user_id="s:fuzz", conversation_id="s:fuzz")
    said = InboundEvent(event_id="e1", channel="webchat", address=address, kind="text", text="hi")
    customer = (await bot.runtime.pipeline.submit(said)).customer_id
    await bot.settle()
    return Agent(cookie, csrf, customer)


@fuzz(100)
@given(
    body=bodies
    | st.fixed_dictionaries(
        # a name of its own, or sign-in's rate limit would answer every try after the tenth
        {"name": st.builds(lambda: f"agent {next(_names)}") | json_values},
        optional={"token": json_texts | json_values, "password": json_texts | json_values},
    ).map(dumps),
    origin=st.sampled_from([None, None, None, PUBLIC_URL, "https://evil.example"]) | printable,
)
async def test_any_sign_in_is_answered_cleanly(
    bot: Everything, caplog: pytest.LogCaptureFixture, body: bytes, origin: str | None
) -> None:
    caplog.clear()
    before = bot.footprint()
    headers = {"Content-Type": "application/json", **({"Origin": origin} if origin else {})}
    answer = await bot.request("POST", f"{API}/session", body, headers)
    assert answer.status in (400, 401, 403, 429), answer
    assert_quiet(caplog)
    assert bot.footprint() == before
    event(str(answer.status))


action_bodies = mostly(
    st.fixed_dictionaries(
        {},
        optional={
            "text": sometimes(texts),
            "to": sometimes(st.sampled_from(["ana", "bruno"]) | texts),
            "flow": sometimes(st.sampled_from(["order_status", "welcome"]) | texts),
        },
    ).map(dumps),
    bodies,
)


@fuzz(150)
@given(
    action=mostly(
        st.sampled_from(["claim", "reply", "note", "release", "transfer", "resolve"]), printable
    ),
    whom=mostly(st.just("the customer"), st.just("nobody") | printable),
    body=action_bodies,
    csrf=mostly(st.just("right"), st.just("none") | printable),
    origin=mostly(st.sampled_from([None, PUBLIC_URL]), st.just("https://evil.example")),
)
async def test_any_action_is_answered_cleanly_and_a_refused_one_changes_nothing(
    bot: Everything,
    agent: Agent,
    caplog: pytest.LogCaptureFixture,
    action: str,
    whom: str,
    body: bytes,
    csrf: str,
    origin: str | None,
) -> None:
    caplog.clear()
    before = bot.footprint()
    customer = agent.customer if whom == "the customer" else whom
    token = {"right": agent.csrf, "none": ""}.get(csrf, csrf)
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"{COOKIE}={agent.cookie}",
        **({CSRF_HEADER: token} if token else {}),
        **({"Origin": origin} if origin else {}),
    }
    path = f"{API}/conversations/{quote(customer, safe='')}/{quote(action, safe='')}"
    answer = await bot.request("POST", path, body, headers)
    await bot.settle()
    assert answer.status < 500, answer
    assert_quiet(caplog)
    if answer.status >= 400:
        assert bot.footprint() == before
    event(str(answer.status))


@fuzz(60)
@given(sent=st.lists(json_values.map(json.dumps) | texts, min_size=1, max_size=5))
async def test_any_frame_on_the_console_socket_is_taken_in_stride(
    bot: Everything, agent: Agent, caplog: pytest.LogCaptureFixture, sent: list[str]
) -> None:
    caplog.clear()
    headers = {"Cookie": f"{COOKIE}={agent.cookie}"}
    async with bot.http.ws_connect(bot.url("/agent/ws"), headers=headers) as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["type"] == "hello"
        for frame in [*sent, json.dumps({"type": "watch", "customer": agent.customer})]:
            await ws.send_str(frame)
        await ws.close()
    await closed(bot)
    assert_quiet(caplog)
