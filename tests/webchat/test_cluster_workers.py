"""``omnibot run --workers 2`` on a three-node Redis Cluster: one web chat conversation with a
socket on each worker, messages sent from both at once, stays whole and in order.

Which worker holds a socket is read from /proc (the kernel spreads connections over the two
workers that share the port), so the test knows that messages really land on both.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from bot.app.compose import open_memory
from bot.format.transcript import InboundEntry, OutboundEntry, TranscriptEntry
from bot.turn.store import MemoryPolicy
from memory.redis.connection import close, connect
from tests.server_process import (
    Server,
    clean_env,
    running,
    wait_for_workers,
    wipe,
    worker_serving,
)

PER_SOCKET = 8
FLOWS = """
slots:
  said: {type: text}
flows:
  echo:
    triggers: {start: true}
    steps:
      - id: listen
        ask: said
        always: true
        prompt: Say something.
      - say: "echo {{ slots.said }}"
      - goto: listen
"""


def echo_bot(root: Path, namespace: str) -> Path:
    (root / "flows").mkdir()
    (root / "bot.yaml").write_text(
        textwrap.dedent(f"""\
            name: Echo
            languages: [en]
            memory: {{namespace: {namespace}}}
            channels:
              webchat: {{rate_burst: 100}}
            """)
    )
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(FLOWS))
    return root


async def socket_on_each_worker(
    session: aiohttp.ClientSession, server: Server, workers: list[int]
) -> list[aiohttp.ClientWebSocketResponse]:
    """One open socket per worker: connect until each worker holds one, close the extras."""
    held: dict[int, aiohttp.ClientWebSocketResponse] = {}
    async with asyncio.timeout(20):
        while len(held) < len(workers):
            ws = await session.ws_connect(f"{server.url}/chat/ws")
            client_port = ws.get_extra_info("sockname")[1]
            worker = None
            while worker is None:  # the accepted socket shows in /proc a moment later
                worker = worker_serving(server.port, client_port, workers)
                await asyncio.sleep(0.01)
            if worker in held:
                await ws.close()
            else:
                held[worker] = ws
    return list(held.values())


async def frame(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await ws.receive(timeout=10)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    parsed: dict[str, Any] = json.loads(message.data)
    return parsed


async def entries_until(
    ws: aiohttp.ClientWebSocketResponse, done: Callable[[list[str]], bool]
) -> list[dict[str, Any]]:
    """Every entry this socket is shown, until the texts shown so far are ``done``."""
    shown: list[dict[str, Any]] = []
    async with asyncio.timeout(30):
        while not done([text_of(e) for e in shown]):
            got = await frame(ws)
            if got["type"] == "entries":
                shown += got["entries"]
    return shown


def echoes(texts: list[str]) -> list[str]:
    return [text for text in texts if text.startswith("echo ")]


def text_of(entry: dict[str, Any]) -> str:
    text = entry["text"] if entry["from"] == "customer" else entry["message"].get("text", "")
    return str(text)


async def test_two_workers_on_a_cluster_keep_one_conversation_whole_and_in_order(
    tmp_path: Path, redis_cluster_url: str
) -> None:
    namespace = f"t{secrets.token_hex(6)}"
    env = clean_env(OMNIBOT_REDIS_URL=redis_cluster_url)
    burst = [f"{name}{n}" for n in range(PER_SOCKET) for name in ("a", "b")]
    try:
        with running(echo_bot(tmp_path, namespace), "--workers", "2", env=env) as server:
            assert any("redis cluster" in line for line in server.banner), server.banner
            workers = await wait_for_workers(server.process.pid, 2)
            async with aiohttp.ClientSession() as session:
                first, second = await socket_on_each_worker(session, server, workers)
                await first.send_json({"type": "hello", "protocol": 1})
                welcome = await frame(first)
                await second.send_json(
                    {"type": "hello", "protocol": 1, "session": welcome["session"]}
                )
                assert (await frame(second))["type"] == "welcome"
                await first.send_json({"type": "message", "id": "start", "text": "hi"})
                opened = await entries_until(first, lambda texts: "Say something." in texts)
                for text in burst:  # a0 through the first worker, b0 through the other...
                    ws = first if text.startswith("a") else second
                    await ws.send_json({"type": "message", "id": text, "text": text})
                everything = len(burst)
                shown = [
                    opened + await entries_until(first, lambda t: len(echoes(t)) == everything),
                    await entries_until(second, lambda t: len(echoes(t)) == everything),
                ]
                await first.close()
                await second.close()
        transcript = await the_only_transcript(redis_cluster_url, namespace)
    finally:
        await wipe(redis_cluster_url, namespace)

    order = echoes([text_of(e) for e in shown[0]])
    assert echoes([text_of(e) for e in shown[1]]) == order, "the sockets saw different orders"
    for name in ("a", "b"):
        assert [e for e in order if e.startswith(f"echo {name}")] == [
            f"echo {name}{n}" for n in range(PER_SOCKET)
        ], "a message was lost, repeated or overtaken"
    for seen in shown:
        ids = [e["id"] for e in seen]
        assert ids == sorted(set(ids), key=ids.index), "an entry was shown twice"
    said = [
        getattr(e.event, "text", None)
        for e in transcript
        if isinstance(e, InboundEntry) and e.event.source == "customer"
    ]
    answered = [
        text
        for e in transcript
        if isinstance(e, OutboundEntry)
        and (text := getattr(e.message, "text", "")).startswith("echo ")
    ]
    assert said == ["hi", *(echo.removeprefix("echo ") for echo in order)]
    assert answered == order


async def the_only_transcript(url: str, namespace: str) -> list[TranscriptEntry]:
    """The transcript of the one customer in ``namespace``, read back from the cluster."""
    client = connect(url)
    try:
        records = [key async for key in client.scan_iter(match=f"{namespace}:*:rec")]
    finally:
        await close(client)
    assert len(records) == 1, records
    customer = records[0].decode().split("{c:", 1)[1].split("}", 1)[0]
    memory = open_memory(url, MemoryPolicy(), namespace)
    try:
        return await memory.transcript(customer, 500)
    finally:
        await memory.close()
