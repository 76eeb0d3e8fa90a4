"""The fake Bot API refuses what the real one refuses, so that passing tests mean something."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.telegram import TOKEN, FakeTelegram

GROUP = -1001234567890


@pytest.fixture
async def strict() -> AsyncIterator[FakeTelegram]:
    """A fake whose refusals are the point of the test (unlike the ``fake`` fixture's)."""
    api = FakeTelegram()
    await api.start()
    yield api
    await api.stop()


async def call(
    fake: FakeTelegram, method: str, body: Any, *, token: str = TOKEN, kind: str = "json"
) -> tuple[int, dict[str, Any]]:
    url = f"{fake.url}/bot{token}/{method}"
    async with aiohttp.ClientSession() as session:
        if kind == "json":
            request = session.post(url, json=body)
        elif kind == "form":
            request = session.post(url, data=body)
        else:
            request = session.post(url, data=json.dumps(body), headers={"Content-Type": kind})
        async with request as response:
            return response.status, await response.json()


def keyboard(**markup: Any) -> dict[str, Any]:
    return {"chat_id": 1001, "text": "Choose", "reply_markup": markup}


@pytest.mark.parametrize(
    ("method", "body", "description"),
    [
        ("sendMessage", {"chat_id": 1001}, "Bad Request: text is empty"),
        ("sendMessage", {"chat_id": 1001, "text": "x" * 4097}, "Bad Request: message is too long"),
        ("sendMessage", {"text": "hi"}, "Bad Request: parameter 'chat_id' is required"),
        (
            "sendMessage",
            {"chat_id": 1001, "text": "1 < 2", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: unescaped '<' at byte offset 2",
        ),
        (
            "sendMessage",
            {"chat_id": 1001, "text": "<b>bold</i>", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Unexpected end tag at byte offset 7",
        ),
        (
            "sendMessage",
            {"chat_id": 1001, "text": "<div>x</div>", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0',
        ),
        (
            "sendMessage",
            {"chat_id": 1001, "text": "hi", "parse_mode": "html5"},
            "Bad Request: unsupported parse_mode 'html5'",
        ),
        (
            "sendMessage",
            keyboard(inline_keyboard=[[{"text": "Go", "callback_data": "x" * 65}]]),
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            "sendMessage",
            keyboard(
                inline_keyboard=[[{"text": "Go", "callback_data": "a", "url": "https://x.example"}]]
            ),
            "Bad Request: can't parse inline keyboard button: exactly one action is needed",
        ),
        (
            "sendMessage",
            {**keyboard(keyboard=[[{"text": "Share", "request_contact": True}]]), "chat_id": GROUP},
            "Bad Request: KeyboardButton request_contact is allowed only in private chats",
        ),
        (
            "sendMessage",
            keyboard(keyboard=[[{"text": "Yes"}]], one_time=True),
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        (
            "sendChatAction",
            {"chat_id": 1001, "action": "thinking"},
            "Bad Request: wrong parameter action in request",
        ),
        (
            "sendPhoto",
            {"chat_id": 1001, "photo": "https://x.example/p.jpg", "caption": "c" * 1025},
            "Bad Request: message caption is too long",
        ),
        (
            "answerCallbackQuery",
            {"callback_query_id": "1", "text": "t" * 201},
            "Bad Request: text is too long (0-200 characters)",
        ),
        (
            "setWebhook",
            {"url": "http://bot.example/telegram/webhook"},
            "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        ),
        (
            "setWebhook",
            {"url": "https://bot.example/hook", "secret_token": "no spaces allowed"},
            "Bad Request: secret token contains unallowed characters",
        ),
        (
            "setWebhook",
            {"url": "https://bot.example/hook", "allowed_updates": ["messages"]},
            "Bad Request: unknown update type 'messages'",
        ),
    ],
)
async def test_a_call_breaking_the_rules_is_refused_as_telegram_would(
    strict: FakeTelegram, method: str, body: dict[str, Any], description: str
) -> None:
    status, answer = await call(strict, method, body)
    assert (status, answer) == (400, {"ok": False, "error_code": 400, "description": description})
    assert strict.refused == [(method, description)]


async def test_the_token_the_method_and_the_content_type_are_checked(strict: FakeTelegram) -> None:
    assert await call(strict, "getMe", {}, token="1:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert (await call(strict, "sendTelepathy", {}))[0] == 404
    status, answer = await call(strict, "getMe", {}, kind="text/plain")
    assert (status, answer["description"]) == (
        400,
        "Bad Request: unsupported content type text/plain",
    )


async def test_form_encoded_calls_are_read_like_json_ones(strict: FakeTelegram) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]})
    status, answer = await call(
        strict,
        "sendMessage",
        {"chat_id": "1001", "text": "hi", "reply_markup": markup},
        kind="form",
    )
    assert status == 200
    assert answer["result"]["text"] == "hi"
    assert strict.refused == []


async def test_a_blocked_user_and_a_missing_chat_answer_as_telegram_does(
    strict: FakeTelegram,
) -> None:
    strict.blocked.add(1001)
    strict.gone.add(1002)
    assert await call(strict, "sendMessage", {"chat_id": 1001, "text": "hi"}) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    assert await call(strict, "sendMessage", {"chat_id": 1002, "text": "hi"}) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )


async def test_get_updates_conflicts_with_a_webhook(strict: FakeTelegram) -> None:
    await call(strict, "setWebhook", {"url": "https://bot.example/hook"})
    status, answer = await call(strict, "getUpdates", {"timeout": 0})
    assert status == 409
    assert answer["description"].startswith("Conflict: can't use getUpdates method")
