"""The fake Slack refuses what the real Web API refuses, so that passing tests mean something."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}


def button(action_id: str = "a") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": action_id}


async def call(
    fake: FakeSlack,
    method: str,
    *,
    json_body: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    token: str | None = BOT_TOKEN,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.api_base}{method}", json=json_body, data=form, headers=headers) as r,
    ):
        answer: dict[str, Any] = await r.json()
        return answer


@pytest.mark.parametrize(
    ("token", "error"),
    [(None, "not_authed"), ("xoxb-wrong", "invalid_auth"), (APP_TOKEN, "not_allowed_token_type")],
)
async def test_the_token_is_checked(fake: FakeSlack, token: str | None, error: str) -> None:
    answer = await call(fake, "auth.test", token=token)
    assert answer == {"ok": False, "error": error}


async def test_a_token_in_a_form_is_accepted_but_not_in_a_json_body(fake: FakeSlack) -> None:
    assert (await call(fake, "auth.test", form={"token": BOT_TOKEN}, token=None))["ok"]
    body = {"token": BOT_TOKEN, "channel": "D1", "text": "hi"}
    answer = await call(fake, "chat.postMessage", json_body=body, token=None)
    assert answer["error"] == "invalid_arguments"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"text": "hi"}, "channel_not_found"),
        ({"channel": "D1"}, "no_text"),
        ({"channel": "D1", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "D1", "blocks": [SECTION] * 51}, "invalid_blocks"),
        ({"channel": "D1", "blocks": [{**SECTION, "colour": "red"}]}, "invalid_blocks"),
        (
            {
                "channel": "D1",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            },
            "invalid_blocks",
        ),
        (
            {"channel": "D1", "blocks": [{"type": "actions", "elements": [button(), button()]}]},
            "invalid_blocks",
        ),
        (
            {
                "channel": "D1",
                "blocks": [{"type": "actions", "elements": [{**button(), "value": "v" * 2001}]}],
            },
            "invalid_blocks",
        ),
        (
            {
                "channel": "D1",
                "blocks": [{"type": "actions", "elements": [button(str(n)) for n in range(26)]}],
            },
            "invalid_blocks",
        ),
        (
            {"channel": "D1", "blocks": [{"type": "image", "image_url": "https://i"}]},
            "invalid_blocks",
        ),
    ],
    ids=[
        "no channel",
        "no text nor blocks",
        "text too long",
        "51 blocks",
        "unknown field",
        "section over 3000",
        "duplicate action ids",
        "value over 2000",
        "26 buttons",
        "image without alt text",
    ],
)
async def test_chat_post_message_is_checked(
    fake: FakeSlack, body: dict[str, Any], error: str
) -> None:
    answer = await call(fake, "chat.postMessage", json_body=body)
    assert (answer["ok"], answer["error"]) == (False, error)
    assert fake.posts() == []


async def test_a_form_post_with_blocks_as_json_is_accepted(fake: FakeSlack) -> None:
    form = {"channel": "D1", "text": "hi", "blocks": json.dumps([SECTION])}
    answer = await call(fake, "chat.postMessage", form=form)
    assert answer["ok"]
    assert answer["message"]["blocks"] == [SECTION]


async def test_unknown_methods_and_users(fake: FakeSlack) -> None:
    assert (await call(fake, "chat.postEphemeralish"))["error"] == "unknown_method"
    assert (await call(fake, "users.info", form={"user": "U404"}))["error"] == "user_not_found"
