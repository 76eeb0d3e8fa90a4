"""The per-turn Bot API client against the fake: results, and every failure in omnibot's terms."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)
from connectors.telegram.client import BotApi, TelegramBadRequest, message_id
from tests.fakes.base import Failure
from tests.fakes.telegram import TOKEN, FakeTelegram, forbidden, rate_limited
from tests.redis_server import free_port

SECRET_PART = TOKEN.partition(":")[2]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def refusal(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


async def test_a_sent_message_comes_back_with_its_id(
    fake: FakeTelegram, session: aiohttp.ClientSession
) -> None:
    api = BotApi(TOKEN, fake.url, session)
    result = await api.call("sendMessage", {"chat_id": 1001, "text": "hi"})
    assert message_id(result) is not None
    assert message_id(True) is None
    [call] = fake.of("sendMessage")
    assert call.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (429, rate_limited(3), RateLimited),
        (403, forbidden(), Unreachable),
        (403, forbidden("bot was kicked from the supergroup chat"), Unreachable),
        (403, forbidden("user is deactivated"), Unreachable),
        (400, refusal(400, "Bad Request: chat not found"), Unreachable),
        (
            400,
            refusal(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=-1009876,
            ),
            Unreachable,
        ),
        (400, refusal(400, "Bad Request: message is too long"), TelegramBadRequest),
        (401, refusal(401, "Unauthorized"), ChannelMisconfigured),
        (404, refusal(404, "Not Found"), ChannelMisconfigured),
        (500, refusal(500, "Internal Server Error"), TemporaryDeliveryError),
        (502, "<html><body>Bad Gateway</body></html>", TemporaryDeliveryError),
    ],
)
async def test_each_failure_becomes_the_delivery_error_that_says_what_to_do(
    fake: FakeTelegram,
    session: aiohttp.ClientSession,
    status: int,
    body: Any,
    expected: type[DeliveryError],
) -> None:
    fake.fail_next("sendMessage", Failure(status, body))
    api = BotApi(TOKEN, fake.url, session)
    with pytest.raises(expected) as raised:
        await api.call("sendMessage", {"chat_id": 1001, "text": "hi"})
    assert type(raised.value) is expected
    assert raised.value.retryable is (expected in (RateLimited, TemporaryDeliveryError))
    assert SECRET_PART not in str(raised.value)


async def test_a_rate_limit_carries_how_long_to_wait(
    fake: FakeTelegram, session: aiohttp.ClientSession
) -> None:
    fake.fail_next("sendMessage", Failure(429, rate_limited(7)))
    with pytest.raises(RateLimited) as raised:
        await BotApi(TOKEN, fake.url, session).call("sendMessage", {"chat_id": 1, "text": "x"})
    assert raised.value.retry_after == 7.0
    assert str(raised.value) == "telegram sendMessage: Too Many Requests: retry after 7"


async def test_a_wrong_token_is_a_misconfigured_channel(
    fake: FakeTelegram, session: aiohttp.ClientSession
) -> None:
    wrong = "987654321:AAnotTheTokenTelegramKnows_000000000"
    with pytest.raises(ChannelMisconfigured, match="Unauthorized"):
        await BotApi(wrong, fake.url, session).call("sendMessage", {"chat_id": 1, "text": "x"})


async def test_an_unknown_chat_is_unreachable(
    fake: FakeTelegram, session: aiohttp.ClientSession
) -> None:
    fake.gone.add(4242)
    with pytest.raises(Unreachable, match="chat not found"):
        await BotApi(TOKEN, fake.url, session).call("sendMessage", {"chat_id": 4242, "text": "x"})


async def test_a_network_error_is_temporary_and_names_no_url(
    session: aiohttp.ClientSession,
) -> None:
    api = BotApi(TOKEN, f"http://127.0.0.1:{free_port()}", session)
    with pytest.raises(TemporaryDeliveryError) as raised:
        await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert str(raised.value) == "telegram sendMessage: network error (ClientConnectorError)"
    assert raised.value.__cause__ is not None


async def test_a_silent_server_is_a_timeout(session: aiohttp.ClientSession) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # takes the request, never answers, until the client gives up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        api = BotApi(TOKEN, f"http://127.0.0.1:{port}", session, seconds=0.2)
        with pytest.raises(TemporaryDeliveryError, match=r"no answer in 0\.2s"):
            await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    finally:
        server.close()
        await server.wait_closed()
