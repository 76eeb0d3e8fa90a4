"""The floor for the Telegram benchmark: the least a stateful webhook bot can do per update.

    python -m bench.telegram_floor PORT REDIS_URL API_BASE TOKEN

A bare aiohttp app: parse the update's JSON, GET and SET the chat's key in Redis, POST one
``sendMessage`` to the Bot API at ``API_BASE``, then answer 200. No verification, no dialog, no
lock, no transcript: whatever omnibot does beyond this is what the ratio to the floor prices.
It runs on uvloop, as ``omnibot run`` does, so that the event loop is not what the ratio prices.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator

import aiohttp
import uvloop
from aiohttp import web
from redis.asyncio import Redis

REPLY = "Hi! This is the floor."


def build(redis_url: str, api_base: str, token: str) -> web.Application:
    """The floor app; its Redis client and HTTP session live as long as the app."""
    app = web.Application()
    send_url = f"{api_base.rstrip('/')}/bot{token}/sendMessage"

    async def webhook(request: web.Request) -> web.Response:
        update = json.loads(await request.read())
        chat = update["message"]["chat"]["id"]
        key = f"floor:{chat}"
        count = int(await app["redis"].get(key) or 0) + 1
        await app["redis"].set(key, count)
        async with app["http"].post(send_url, json={"chat_id": chat, "text": REPLY}) as sent:
            await sent.read()
        return web.Response()

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def clients(app: web.Application) -> AsyncIterator[None]:
        app["redis"] = Redis.from_url(redis_url)
        app["http"] = aiohttp.ClientSession()
        yield
        await app["http"].close()
        await app["redis"].aclose()

    app.cleanup_ctx.append(clients)
    app.router.add_post("/telegram/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    port, redis_url, api_base, token = sys.argv[1:5]
    app = build(redis_url, api_base, token)
    web.run_app(app, host="127.0.0.1", port=int(port), print=None, loop=uvloop.new_event_loop())
