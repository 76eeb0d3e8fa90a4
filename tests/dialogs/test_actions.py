"""Actions: Python in actions.py and HTTP endpoints, their results, failures and time limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.dialogs.kit import bot_folder, talk

ACTIONS = """
import asyncio
from dialogs.actions.registry import action

@action
async def lookup(order_id: str) -> dict | None:
    orders = {"A-12345": {"status": "shipped", "items": 2}}
    return orders.get(order_id)

@action
async def explode(order_id: str) -> None:
    raise RuntimeError("database down")

@action(timeout=0.2)
async def slow(order_id: str) -> str:
    await asyncio.sleep(5)
    return "late"

@action(context=True, name="whoami")
async def who(context) -> dict:
    return {
        "customer": context.customer_id,
        "language": context.language,
        "channel": context.channel,
    }

@action
async def odd(order_id: str) -> object:
    return object()
"""

FLOWS = """
slots:
  order_id: {type: text, prompt: "Order?"}
flows:
  status:
    triggers: {en: [status]}
    steps:
      - ask: order_id
      - call: lookup
        args: {order_id: "{{ slots.order_id }}"}
        into: order
      - branch:
          - when: slots.order is none
            goto: missing
      - say: "{{ slots.order.status }}, {{ slots.order['items'] }} items."
      - end: true
      - id: missing
        say: "No such order."
  failing:
    triggers: {en: [explode]}
    steps:
      - ask: order_id
      - call: explode
        args: {order_id: "{{ slots.order_id }}"}
        on_error:
          say: "Our order system is resting; try later."
          skip: true
      - say: "Carrying on."
  slowly:
    triggers: {en: [slowly]}
    steps:
      - call: slow
        args: {order_id: x}
      - say: "never said"
  odd:
    triggers: {en: [oddly]}
    steps:
      - call: odd
        args: {order_id: x}
  me:
    triggers: {en: [whoami]}
    steps:
      - call: whoami
        into: me
      - say: "{{ slots.me.customer }} {{ slots.me.language }} {{ slots.me.channel }}"
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, FLOWS, actions=ACTIONS)


async def test_an_actions_result_lands_in_its_slot(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("status")
    assert await chat.say("A-12345") == ["shipped, 2 items."]


async def test_a_none_result_can_be_branched_on(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("status")
    assert await chat.say("Z-1") == ["No such order."]


async def test_a_failing_action_says_the_designers_message_and_carries_on(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("explode")
    assert await chat.say("A-1") == ["Our order system is resting; try later.", "Carrying on."]
    assert chat.notes[-1].kind == "action_failed"
    assert "RuntimeError: database down" in chat.notes[-1].text


async def test_a_slow_action_is_cut_off_and_handled(shop: Path) -> None:
    chat = talk(shop)
    assert await chat.say("slowly") == [
        "Sorry, something went wrong on our side. Please try again in a moment."
    ]
    assert "took longer than 0.2s" in chat.notes[-1].text


async def test_a_result_that_is_not_json_is_a_failure(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("oddly")
    assert "not JSON" in chat.notes[-1].text


async def test_an_action_may_ask_for_its_context(shop: Path) -> None:
    chat = talk(shop, "sms")
    assert await chat.say("whoami") == ["c1 en sms"]


class OrdersApi:
    """A tiny real HTTP service on 127.0.0.1 for HTTP actions to call."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        app = web.Application()
        app.router.add_get("/orders/{order_id}", self.order)
        app.router.add_get("/broken", self.broken)
        app.router.add_get("/sleepy", self.sleepy)
        self.runner = web.AppRunner(app)
        self.port = 0

    async def order(self, request: web.Request) -> web.Response:
        self.seen.append((request.match_info["order_id"], request.headers.get("Authorization")))
        return web.json_response({"status": "delivered"})

    async def broken(self, request: web.Request) -> web.Response:
        return web.json_response({"error": "boom"}, status=500)

    async def sleepy(self, request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})


@pytest.fixture
async def orders_api() -> AsyncIterator[OrdersApi]:
    api = OrdersApi()
    await api.runner.setup()
    site = web.TCPSite(api.runner, "127.0.0.1", 0)
    await site.start()
    api.port = api.runner.addresses[0][1]
    yield api
    await api.runner.cleanup()


def http_bot(root: Path, port: int) -> Path:
    return bot_folder(
        root,
        f"""
        slots:
          order_id: {{type: text, prompt: "Order?"}}
        actions:
          remote:
            http:
              url: "http://127.0.0.1:{port}/orders/{{{{ args.order_id }}}}"
              headers: {{Authorization: "Bearer ${{ORDERS_API_TOKEN}}"}}
          broken:
            http: {{url: "http://127.0.0.1:{port}/broken"}}
          sleepy:
            http: {{url: "http://127.0.0.1:{port}/sleepy", timeout: 0.3}}
        flows:
          remote:
            triggers: {{en: [remote]}}
            steps:
              - ask: order_id
              - call: remote
                args: {{order_id: "{{{{ slots.order_id }}}}"}}
                into: order
              - say: "Remote says {{{{ slots.order.status }}}}."
          broken:
            triggers: {{en: [broken]}}
            steps:
              - call: broken
          sleepy:
            triggers: {{en: [sleepy]}}
            steps:
              - call: sleepy
        """,
    )


async def test_an_http_action_calls_the_endpoint_with_the_secret_from_the_environment(
    tmp_path: Path, orders_api: OrdersApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERS_API_TOKEN", "t0ken-from-env")
    chat = talk(http_bot(tmp_path, orders_api.port))
    await chat.say("remote")
    assert await chat.say("B-7") == ["Remote says delivered."]
    assert orders_api.seen == [("B-7", "Bearer t0ken-from-env")]
    await chat.engine.aclose()


async def test_an_http_error_is_an_action_failure(tmp_path: Path, orders_api: OrdersApi) -> None:
    chat = talk(http_bot(tmp_path, orders_api.port))
    assert await chat.say("broken") == [
        "Sorry, something went wrong on our side. Please try again in a moment."
    ]
    assert "HTTP 500" in chat.notes[-1].text
    await chat.engine.aclose()


async def test_an_http_action_has_a_time_limit(tmp_path: Path, orders_api: OrdersApi) -> None:
    chat = talk(http_bot(tmp_path, orders_api.port))
    await chat.say("sleepy")
    assert chat.notes[-1].kind == "action_failed"
    assert "TimeoutError" in chat.notes[-1].text
    await chat.engine.aclose()
