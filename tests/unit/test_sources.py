"""Where a request comes from: its peer, or what a trusted proxy says it forwarded for."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app.config import Settings
from bot.errors import ConfigError
from bot.http.sources import SOURCES, Sources, parse_networks, request_source

Ask = Callable[..., Coroutine[Any, Any, str]]


async def echo(request: web.Request) -> web.Response:
    return web.Response(text=request_source(request))


@pytest.fixture
async def served() -> AsyncIterator[Callable[[str], Ask]]:
    clients: list[TestClient[web.Request, web.Application]] = []

    def behind(trusted: str) -> Ask:
        async def ask(*forwarded: str) -> str:
            app = web.Application()
            app[SOURCES] = Sources(parse_networks(trusted.split(",") if trusted else []))
            app.router.add_get("/", echo)
            client = TestClient(TestServer(app, host="127.0.0.1"))
            await client.start_server()
            clients.append(client)
            headers = [("X-Forwarded-For", value) for value in forwarded]
            async with client.get("/", headers=headers) as answer:
                return await answer.text()

        return ask

    yield behind
    for client in clients:
        await client.close()


async def test_without_trusted_proxies_the_peer_is_the_source_whatever_it_says(
    served: Callable[[str], Ask],
) -> None:
    assert await served("")("203.0.113.7") == "127.0.0.1"


@pytest.mark.parametrize(
    ("forwarded", "source"),
    [
        (("203.0.113.7",), "203.0.113.7"),
        (("198.51.100.1, 203.0.113.7",), "203.0.113.7"),  # the client wrote the left one
        (("198.51.100.1", "203.0.113.7, 10.1.2.3"), "203.0.113.7"),  # past our own proxies
        (("203.0.113.7, not an address",), "127.0.0.1"),
        (("2001:db8:1:2:3:4:5:6",), "2001:db8:1:2::/64"),
        (("::ffff:203.0.113.7",), "203.0.113.7"),
        ((), "127.0.0.1"),
    ],
)
async def test_a_trusted_proxy_says_who_it_forwarded_for(
    served: Callable[[str], Ask], forwarded: tuple[str, ...], source: str
) -> None:
    assert await served("127.0.0.1,10.0.0.0/8")(*forwarded) == source


def test_a_proxy_that_is_no_address_stops_the_bot_at_start() -> None:
    with pytest.raises(ConfigError, match="OMNIBOT_TRUSTED_PROXIES"):
        Settings.from_env({"OMNIBOT_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example"})
    settings = Settings.from_env({"OMNIBOT_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1")
