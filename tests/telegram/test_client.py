"""The per-turn Bot API client against the fake: results, and every failure in omnibot's terms."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
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
from connectors.keepalive import KeepAlive
from connectors.telegram.client import BotApi, TelegramBadRequest, TelegramConflict, message_id
from tests.fakes.base import Failure
from tests.fakes.telegram import BOT_ID, TOKEN, USERNAME, FakeTelegram, forbidden, rate_limited
from tests.fakes.telegram_updates import JOHN, Updates
from tests.redis_server import free_port

SECRET_PART = TOKEN.partition(":")[2]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def poster() -> AsyncIterator[KeepAlive]:
    async with KeepAlive() as connections:
        yield connections


def refusal(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


async def test_a_sent_message_comes_back_with_its_id(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    api = BotApi(TOKEN, fake.url, session, poster)
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
        (409, refusal(409, "Conflict: terminated by other getUpdates request"), TelegramConflict),
        (404, refusal(404, "Not Found"), ChannelMisconfigured),
        (500, refusal(500, "Internal Server Error"), TemporaryDeliveryError),
        (502, "<html><body>Bad Gateway</body></html>", TemporaryDeliveryError),
    ],
)
async def test_each_failure_becomes_the_delivery_error_that_says_what_to_do(
    fake: FakeTelegram,
    session: aiohttp.ClientSession,
    poster: KeepAlive,
    status: int,
    body: Any,
    expected: type[DeliveryError],
) -> None:
    fake.fail_next("sendMessage", Failure(status, body))
    api = BotApi(TOKEN, fake.url, session, poster)
    with pytest.raises(expected) as raised:
        await api.call("sendMessage", {"chat_id": 1001, "text": "hi"})
    assert type(raised.value) is expected
    assert raised.value.retryable is (
        expected in (RateLimited, TemporaryDeliveryError, TelegramConflict)
    )
    assert SECRET_PART not in str(raised.value)


async def test_a_rate_limit_carries_how_long_to_wait(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    fake.fail_next("sendMessage", Failure(429, rate_limited(7)))
    with pytest.raises(RateLimited) as raised:
        await BotApi(TOKEN, fake.url, session, poster).call(
            "sendMessage", {"chat_id": 1, "text": "x"}
        )
    assert raised.value.retry_after == 7.0
    assert str(raised.value) == "telegram sendMessage: Too Many Requests: retry after 7"


async def test_a_wrong_token_is_a_misconfigured_channel(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    wrong = "987654321:AAnotTheTokenTelegramKnows_000000000"
    with pytest.raises(ChannelMisconfigured, match="Unauthorized"):
        await BotApi(wrong, fake.url, session, poster).call(
            "sendMessage", {"chat_id": 1, "text": "x"}
        )


async def test_an_unknown_chat_is_unreachable(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    fake.gone.add(4242)
    with pytest.raises(Unreachable, match="chat not found"):
        await BotApi(TOKEN, fake.url, session, poster).call(
            "sendMessage", {"chat_id": 4242, "text": "x"}
        )


async def test_a_network_error_is_temporary_and_names_no_url(
    session: aiohttp.ClientSession,
    poster: KeepAlive,
) -> None:
    api = BotApi(TOKEN, f"http://127.0.0.1:{free_port()}", session, poster)
    with pytest.raises(TemporaryDeliveryError) as raised:
        await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert str(raised.value) == "telegram sendMessage: network error (ConnectionRefusedError)"
    assert raised.value.__cause__ is not None


async def test_a_silent_server_is_a_timeout(
    session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # takes the request, never answers, until the client gives up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        api = BotApi(TOKEN, f"http://127.0.0.1:{port}", session, poster, seconds=0.2)
        with pytest.raises(TemporaryDeliveryError, match=r"no answer in 0\.2s"):
            await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    finally:
        server.close()
        await server.wait_closed()


async def test_the_bot_is_read_from_get_me(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    me = await BotApi(TOKEN, fake.url, session, poster).get_me()
    assert (me.id, me.is_bot, me.username) == (BOT_ID, True, USERNAME)


async def test_the_webhook_is_set_and_deleted_with_json_parameters(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    api = BotApi(TOKEN, fake.url, session, poster)
    await api.set_webhook("https://bot.example/telegram/webhook", "s3cret", ("message",))
    [registered] = fake.of("setWebhook")
    assert registered.params == {
        "url": "https://bot.example/telegram/webhook",
        "secret_token": "s3cret",
        "allowed_updates": ["message"],
        "drop_pending_updates": False,
    }
    assert fake.webhook is not None
    await api.delete_webhook()
    [deleted] = fake.of("deleteWebhook")
    assert deleted.params == {"drop_pending_updates": False}
    assert fake.webhook is None


async def test_updates_come_as_they_are_from_the_offset_on(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    updates = Updates()
    first = updates.text(JOHN, "one")
    second: dict[str, Any] = {"update_id": 7_000_000, "message": "no message"}
    await fake.feed(first, second)
    api = BotApi(TOKEN, fake.url, session, poster)
    assert await api.get_updates(None, 0, ("message",)) == [first, second]
    assert await api.get_updates(second["update_id"], 0, ("message",)) == [second]
    asked = fake.of("getUpdates")[-1].params
    assert asked == {"offset": second["update_id"], "timeout": 0, "allowed_updates": ["message"]}


async def test_a_long_poll_is_given_its_own_time_to_answer(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    api = BotApi(TOKEN, fake.url, session, poster, seconds=0.1)
    started = time.monotonic()
    assert await api.get_updates(None, 1, ("message",)) == []
    assert time.monotonic() - started >= 1.0


async def test_a_conflict_over_updates_is_temporary(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    api = BotApi(TOKEN, fake.url, session, poster)
    await api.set_webhook("https://bot.example/telegram/webhook", None, ("message",))
    with pytest.raises(TelegramConflict, match="can't use getUpdates method while webhook"):
        await api.get_updates(None, 0, ("message",))
    assert TelegramConflict("x").retryable


@pytest.mark.parametrize(
    ("method", "result"),
    [("getMe", {"id": "me", "is_bot": True}), ("getFile", None), ("getUpdates", {"a": 1})],
)
async def test_a_result_not_of_the_documented_shape_is_temporary(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive, method: str, result: Any
) -> None:
    fake.fail_next(method, Failure(200, {"ok": True, "result": result}))
    api = BotApi(TOKEN, fake.url, session, poster)
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "getMe": api.get_me,
        "getFile": lambda: api.get_file("AgACphoto"),
        "getUpdates": lambda: api.get_updates(None, 0, ()),
    }
    with pytest.raises(TemporaryDeliveryError) as raised:
        await calls[method]()
    assert str(raised.value) == f"telegram {method}: a result not of the documented shape"


async def test_a_file_is_found_and_downloaded_by_its_path(
    fake: FakeTelegram, session: aiohttp.ClientSession, poster: KeepAlive
) -> None:
    picture = b"\xff\xd8 a picture"
    fake.store_file("AgACphoto", "photos/file_7.jpg", picture)
    api = BotApi(TOKEN, fake.url, session, poster)
    found = await api.get_file("AgACphoto")
    assert (found.file_id, found.file_path, found.file_size) == (
        "AgACphoto",
        "photos/file_7.jpg",
        len(picture),
    )
    async with api.download("photos/file_7.jpg") as response:
        assert response.status == 200
        assert await response.read() == picture
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await api.get_file("AgACnothing")


async def test_a_download_that_fails_is_temporary_and_names_no_url(
    session: aiohttp.ClientSession,
    poster: KeepAlive,
) -> None:
    api = BotApi(TOKEN, f"http://127.0.0.1:{free_port()}", session, poster)
    with pytest.raises(TemporaryDeliveryError) as raised:
        async with api.download("photos/file_7.jpg"):
            pass
    assert str(raised.value) == "telegram file: network error (ClientConnectorError)"
