"""Two server processes, one Redis: a web chat message reaches the customer on either worker."""

from __future__ import annotations

import asyncio
import json
import secrets
import textwrap
from pathlib import Path
from typing import Any

import aiohttp

from tests.server_process import clean_env, running, wipe

FLOWS = """
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say: Hello from whichever worker ran the turn.
  echo:
    triggers: {en: [ping]}
    steps:
      - say: pong
"""


def bot(root: Path, namespace: str) -> Path:
    (root / "flows").mkdir()
    (root / "bot.yaml").write_text(
        f"name: Workers\nlanguages: [en]\nmemory: {{namespace: {namespace}}}\n"
    )
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(FLOWS))
    return root


async def bot_texts(ws: aiohttp.ClientWebSocketResponse) -> list[str]:
    """The bot texts of the next entries frame that has any."""
    async with asyncio.timeout(10):
        while True:
            message = await ws.receive()
            assert message.type == aiohttp.WSMsgType.TEXT, message
            frame: dict[str, Any] = json.loads(message.data)
            if frame["type"] != "entries":
                continue
            texts = [e["message"]["text"] for e in frame["entries"] if e["from"] == "bot"]
            if texts:
                return texts


async def texts_until(ws: aiohttp.ClientWebSocketResponse, last: str) -> list[str]:
    """Bot texts, however the frames batch them, up to and including ``last``."""
    texts: list[str] = []
    while last not in texts:
        texts += await bot_texts(ws)
    return texts


async def test_a_reply_reaches_the_customers_socket_on_the_other_worker(
    tmp_path: Path, redis_url: str
) -> None:
    namespace = f"t{secrets.token_hex(6)}"
    folder = bot(tmp_path, namespace)
    env = clean_env(OMNIBOT_REDIS_URL=redis_url)
    try:
        with running(folder, env=env) as first, running(folder, env=env) as second:
            async with aiohttp.ClientSession() as session:
                here = await session.ws_connect(f"{first.url}/chat/ws")
                await here.send_json({"type": "hello", "protocol": 1})
                welcome = json.loads((await here.receive(timeout=5)).data)
                there = await session.ws_connect(f"{second.url}/chat/ws")
                await there.send_json(
                    {"type": "hello", "protocol": 1, "session": welcome["session"]}
                )
                assert json.loads((await there.receive(timeout=5)).data)["type"] == "welcome"
                await here.send_json({"type": "message", "id": "m1", "text": "hi"})
                assert await bot_texts(there) == ["Hello from whichever worker ran the turn."]
                await there.send_json({"type": "message", "id": "m2", "text": "ping"})
                assert await texts_until(here, "pong") == [
                    "Hello from whichever worker ran the turn.",
                    "pong",
                ]
                await here.close()
                await there.close()
    finally:
        await wipe(redis_url, namespace)
