"""Round trip of a web chat message: sent on the websocket, until the bot's reply arrives.

    python -m bench.webchat_bench [--messages 400]

One customer sends a message, waits for the reply, sends the next. The floor, measured in the
same run, is a bare aiohttp websocket server that answers each frame at once (no bot, no
memory). omnibot runs as ``omnibot run`` in its own process, with embedded memory and with
Redis. Reported: median and 99th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import aiohttp

from tests.redis_server import find_or_start, free_port
from tests.server_process import clean_env, running, wipe

FLOWS = """
faqs:
  ping:
    triggers: {en: [ping]}
    say: pong
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say: ready
"""

ECHO_SERVER = """
import sys
from aiohttp import web

async def socket(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        await ws.send_str(message.data)
    return ws

app = web.Application()
app.router.add_get("/ws", socket)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def floor(messages: int) -> list[float]:
    port = free_port()
    server = await asyncio.create_subprocess_exec(sys.executable, "-c", ECHO_SERVER, str(port))
    try:
        async with aiohttp.ClientSession() as session:
            ws = await _connect(session, f"http://127.0.0.1:{port}/ws")
            times = []
            for n in range(messages):
                started = time.perf_counter()
                await ws.send_str(json.dumps({"type": "message", "id": f"m{n}", "text": "ping"}))
                await ws.receive()
                times.append(time.perf_counter() - started)
            await ws.close()
            return times
    finally:
        server.terminate()
        await server.wait()


async def _connect(session: aiohttp.ClientSession, url: str) -> aiohttp.ClientWebSocketResponse:
    for _ in range(100):
        try:
            return await session.ws_connect(url)
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing answers at {url}")


async def omnibot(messages: int, env: dict[str, str], bot: Path) -> list[float]:
    with running(bot, env=env) as server:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{server.url}/chat/ws")
            await ws.send_json({"type": "hello", "protocol": 1})
            await ws.receive()
            await _exchange(ws, "hello", "ready")
            times = []
            for n in range(messages):
                started = time.perf_counter()
                await _exchange(ws, "ping", "pong", n)
                times.append(time.perf_counter() - started)
            await ws.close()
            return times


async def _exchange(
    ws: aiohttp.ClientWebSocketResponse, text: str, reply: str, n: int = -1
) -> None:
    await ws.send_json({"type": "message", "id": f"m{n + 1}", "text": text})
    while True:
        frame = json.loads((await ws.receive(timeout=10)).data)
        if frame["type"] == "error":
            raise RuntimeError(f"the bot refused a message: {frame}")
        if frame["type"] == "entries" and any(
            e["from"] == "bot" and e["message"].get("text") == reply for e in frame["entries"]
        ):
            return


async def main(messages: int) -> None:
    url, started = find_or_start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            bot = Path(scratch)
            (bot / "flows").mkdir()
            (bot / "bot.yaml").write_text(
                "name: Bench\nlanguages: [en]\nmemory: {namespace: benchws}\n"
                "channels: {webchat: {rate_burst: 1000, rate_per_second: 1000}}\n"
            )
            (bot / "flows" / "main.yaml").write_text(textwrap.dedent(FLOWS))
            rows = [
                ("floor: bare aiohttp websocket echo", await floor(messages)),
                ("omnibot, embedded memory", await omnibot(messages, clean_env(), bot)),
                (
                    "omnibot, redis memory",
                    await omnibot(messages, clean_env(OMNIBOT_REDIS_URL=url), bot),
                ),
            ]
    finally:
        await wipe(url, "benchws")
        if started:
            started.stop()
    print(f"{messages} messages, one customer, one at a time")
    print(f"{'run':<40}{'median ms':>12}{'p99 ms':>10}")
    for name, times in rows:
        median, p99 = statistics.median(times) * 1000, percentile(times, 0.99) * 1000
        print(f"{name:<40}{median:>12.2f}{p99:>10.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    asyncio.run(main(parser.parse_args().messages))
