"""What anyone may do with conversations that cost nothing to start, against ``omnibot run``
(issue 17, findings 11 and 13): a conversation's rate limit holds across reconnects, workers
and Direct Line posts; one client address starts only so many anonymous customers; and an
agent's console survives any frame."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.desk.console.sessions import COOKIE
from tests.hostile.kit import AGENT_TOKEN, DIRECTLINE_SECRET, serving
from tests.server_process import Log, Server, example_copy

DL = "/v3/directline"
BURST, NEW_BURST = 10, 20
"""The defaults: a conversation's burst of messages, a client address's of new customers."""


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Log]]:
    with serving(
        tmp_path_factory.mktemp("anonymous"), OMNIBOT_TRUSTED_PROXIES="127.0.0.1"
    ) as running:
        yield running


async def chat(
    http: aiohttp.ClientSession,
    url: str,
    texts: int,
    session: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Open a web chat socket (again, with ``session``), send ``texts`` messages at once: the
    session, and the answer to each (its ``ack`` or its ``error``)."""
    hello: dict[str, Any] = {"type": "hello", **({"session": session} if session else {})}
    async with http.ws_connect(f"{url}/chat/ws", headers=headers or {}) as ws:
        await ws.send_str(json.dumps(hello))
        welcome = await ws.receive_json(timeout=10)
        ids = [secrets.token_hex(8) for _ in range(texts)]
        for frame_id in ids:
            await ws.send_str(json.dumps({"type": "message", "id": frame_id, "text": "hi"}))
        answers: dict[str, dict[str, Any]] = {}
        async with asyncio.timeout(20):
            while len(answers) < texts:
                frame = await ws.receive_json()
                if frame.get("id") in ids and frame["type"] in ("ack", "error"):
                    answers[frame["id"]] = frame
        return welcome["session"], [answers[frame_id] for frame_id in ids]


def accepted(answers: list[dict[str, Any]]) -> int:
    return sum(1 for answer in answers if answer["type"] == "ack")


async def test_reconnecting_does_not_refill_a_sessions_budget(bot: tuple[Server, Log]) -> None:
    server, _ = bot
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        session, first = await chat(http, server.url, BURST)
        later = [await chat(http, server.url, 5, session) for _ in range(3)]
    took = time.monotonic() - started
    assert accepted(first) == BURST
    refused = [a for _, answers in later for a in answers if a["type"] == "error"]
    assert accepted([a for _, answers in later for a in answers]) <= int(took) + 1
    assert {(a["code"], a["message"]) for a in refused} == {
        ("rate_limited", "too many messages; wait a moment")
    }


async def start_conversation(http: aiohttp.ClientSession, url: str, **headers: str) -> str:
    credential = {"Authorization": f"Bearer {DIRECTLINE_SECRET}", **headers}
    async with http.post(f"{url}{DL}/conversations", headers=credential) as started:
        assert started.status == 201, await started.text()
        conversation: str = (await started.json())["conversationId"]
        return conversation


async def post(http: aiohttp.ClientSession, url: str, conversation: str, **headers: str) -> int:
    activity = {"type": "message", "text": "hi", "from": {"id": "someone"}}
    async with http.post(
        f"{url}{DL}/conversations/{conversation}/activities",
        json=activity,
        headers={"Authorization": f"Bearer {DIRECTLINE_SECRET}", **headers},
    ) as answer:
        return answer.status


async def test_direct_line_posts_are_limited_like_the_web_chat(bot: tuple[Server, Log]) -> None:
    server, _ = bot
    async with aiohttp.ClientSession() as http:
        conversation = await start_conversation(http, server.url, **{"X-Forwarded-For": "10.9.9.9"})
        statuses = await asyncio.gather(
            *(
                post(http, server.url, conversation, **{"X-Forwarded-For": "10.9.9.9"})
                for _ in range(60)
            )
        )
    assert statuses.count(200) <= BURST + 1
    assert statuses.count(429) >= 60 - BURST - 1
    assert set(statuses) == {200, 429}


async def test_one_client_starts_only_so_many_anonymous_customers(
    bot: tuple[Server, Log],
) -> None:
    server, _ = bot
    here = {"X-Forwarded-For": "198.51.100.7"}
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        sessions = [await chat(http, server.url, 1, headers=here) for _ in range(NEW_BURST + 10)]
        conversations = [
            await start_conversation(http, server.url, **here) for _ in range(NEW_BURST)
        ]
        posted = [await post(http, server.url, c, **here) for c in conversations]
        # a customer this client already started goes on; another client starts afresh
        _, again = await chat(http, server.url, 1, sessions[0][0], headers=here)
        _, elsewhere = await chat(http, server.url, 1, headers={"X-Forwarded-For": "203.0.113.9"})
    took = time.monotonic() - started
    chats = [answers[0] for _, answers in sessions]
    assert accepted(chats) + posted.count(200) <= NEW_BURST + int(took / 30) + 1
    assert {a["message"] for a in chats if a["type"] == "error"} == {
        "too many new conversations from your network; try again in a minute"
    }
    assert posted.count(429) >= NEW_BURST - int(took / 30) - 1
    assert accepted(again) == 1
    assert accepted(elsewhere) == 1


async def test_a_deeply_nested_console_frame_leaves_the_agents_socket_open(
    bot: tuple[Server, Log],
) -> None:
    server, log = bot
    log.new()
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{server.url}/agent/api/session", json={"token": AGENT_TOKEN}
        ) as signed:
            assert signed.status == 200
            cookie = signed.cookies[COOKIE].value
        async with http.ws_connect(
            f"{server.url}/agent/ws", headers={"Cookie": f"{COOKIE}={cookie}"}
        ) as ws:
            assert (await ws.receive_json(timeout=5))["type"] == "hello"
            await ws.send_str("[" * 2000 + "]" * 2000)
            await ws.send_str(json.dumps({"type": "watch", "customer": "c1"}))
            await asyncio.sleep(0.5)
            assert not ws.closed
    logged = log.new()
    assert "Traceback" not in logged
    assert "ERROR" not in logged


async def test_a_sessions_budget_is_shared_by_every_worker(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    folder = example_copy(tmp_path, namespace)
    with serving(tmp_path, "--workers", "2", bot_dir=folder, OMNIBOT_REDIS_URL=redis_url) as (
        server,
        _,
    ):
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            session, first = await chat(http, server.url, BURST)
            # new connections: the kernel spreads them over the two workers
            later = [await chat(http, server.url, 2, session) for _ in range(6)]
        took = time.monotonic() - started
    assert accepted(first) == BURST
    assert accepted([a for _, answers in later for a in answers]) <= int(took) + 1
