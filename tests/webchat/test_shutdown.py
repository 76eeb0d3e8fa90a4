"""Stopping a server with customers connected: sockets are closed, turns finish, it exits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import aiohttp

from tests.server_process import clean_env, example_copy, running, wipe


async def test_sigterm_closes_open_chats_and_the_server_exits_promptly(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    bot = example_copy(tmp_path, namespace)
    try:
        with running(bot, env=clean_env(OMNIBOT_REDIS_URL=redis_url)) as server:
            async with aiohttp.ClientSession() as session:
                ws = await session.ws_connect(f"{server.url}/chat/ws")
                await ws.send_json({"type": "hello", "protocol": 1})
                assert json.loads((await ws.receive(timeout=5)).data)["type"] == "welcome"
                await ws.send_json({"type": "message", "id": "m1", "text": "hi"})
                assert json.loads((await ws.receive(timeout=5)).data)["type"] == "ack"
                started = time.monotonic()
                server.process.terminate()
                while True:
                    message = await ws.receive(timeout=10)
                    if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                        break
                assert ws.close_code == 1001
                assert server.process.wait(15) == 0
                assert time.monotonic() - started < 15
    finally:
        await wipe(redis_url, namespace)
