"""Only Slack gets in: forged, stale, replayed and malformed requests change nothing, and a
request Slack sends again is processed once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from tests.fakes.slack import BOT_ID, BOT_USER, FakeSlack
from tests.fakes.slack_events import ANA, CHANNEL, DM, envelope, form, mention, message, signed
from tests.slack.kit import Bot


async def test_the_url_verification_challenge_is_answered(bot: Bot, fake: FakeSlack) -> None:
    challenge = {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV", "type": "url_verification"}
    body = json.dumps(challenge)
    response = await bot.post(body, signed(body))
    assert response.status == 200
    assert json.loads(await response.text()) == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}
    unsigned = await bot.post(body, {})
    assert unsigned.status == 401


def forged(body: str) -> dict[str, str]:
    return signed(body, secret="not-the-signing-secret")


def stale(body: str) -> dict[str, str]:
    return signed(body, at=time.time() - 5 * 60 - 5)


def early(body: str) -> dict[str, str]:
    return signed(body, at=time.time() + 5 * 60 + 5)


def unsigned(body: str) -> dict[str, str]:
    return {}


def replayed(body: str) -> dict[str, str]:
    """A signature captured earlier, sent again with a fresh timestamp."""
    old = signed(body, at=time.time() - 600)
    return {**old, "X-Slack-Request-Timestamp": str(int(time.time()))}


@pytest.mark.parametrize("headers", [forged, stale, early, unsigned, replayed])
async def test_a_request_not_signed_by_slack_just_now_is_refused_and_changes_nothing(
    bot: Bot, fake: FakeSlack, headers: Callable[[str], dict[str, str]]
) -> None:
    body = json.dumps(envelope(message("hi")))
    response = await bot.post(body, headers(body))
    assert response.status == 401
    assert bot.stored_nothing()
    assert fake.calls == []  # not even auth.test: nothing of the request was believed


async def test_a_body_changed_after_signing_is_refused(bot: Bot, fake: FakeSlack) -> None:
    body = json.dumps(envelope(message("hi")))
    response = await bot.post(body.replace("hi", "ho"), signed(body))
    assert response.status == 401
    assert bot.stored_nothing()


async def test_a_forged_click_is_refused(bot: Bot) -> None:
    payload = {"type": "block_actions", "user": {"id": ANA}, "actions": []}
    body = form(payload)
    response = await bot.post(body, forged(body), "application/x-www-form-urlencoded")
    assert response.status == 401
    assert bot.stored_nothing()


async def test_slacks_retries_and_an_exact_replay_are_processed_once(
    bot: Bot, fake: FakeSlack
) -> None:
    payload = envelope(message("hi"))
    body = json.dumps(payload)
    assert (await bot.post(body, signed(body))).status == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await bot.post(body, {**signed(body), **retry})).status == 200
    again = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}
    assert (await bot.event(payload, **again)).status == 200
    assert (await bot.post(body, signed(body))).status == 200
    assert len(await bot.inputs(ANA)) == 1
    assert len(fake.posts(DM)) == 1


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[1, 2, 3]",
        json.dumps({"event": {"type": "message"}}),
        json.dumps({**envelope(message("hi")), "event_id": None}),
        json.dumps({k: v for k, v in envelope(message("hi")).items() if k != "event"}),
        json.dumps(envelope({k: v for k, v in message("hi").items() if k != "ts"})),
        json.dumps(envelope({**message("hi"), "text": {"nested": True}})),
        json.dumps(envelope({**message("hi"), "files": "not a list"})),
        json.dumps(envelope({k: v for k, v in mention("hi").items() if k != "channel"})),
        json.dumps(envelope({"channel": CHANNEL, "user": ANA})),
    ],
    ids=[
        "not json",
        "not an object",
        "no type",
        "no event id",
        "no event",
        "message without ts",
        "text not a string",
        "files not a list",
        "mention without channel",
        "event without type",
    ],
)
async def test_a_malformed_event_is_refused_with_a_400_and_nothing_stored(
    bot: Bot, fake: FakeSlack, body: str
) -> None:
    response = await bot.post(body, signed(body))
    assert response.status == 400
    assert "nested" not in await response.text()  # the reason, never the content
    assert bot.stored_nothing()
    assert fake.posts() == []


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "actions": [{"action_id": "a", "type": "button"}]},
        {"type": "block_actions", "user": {"id": ANA}, "actions": []},
        {"type": "block_actions", "user": {"id": ANA}, "actions": [{"value": "x"}]},
        {
            "type": "block_actions",
            "user": {"id": ANA},
            "container": {"type": "message", "channel_id": DM},
            "actions": [
                {"action_id": "a", "type": "button", "value": "v" * 1025, "action_ts": "1.2"}
            ],
        },
    ],
    ids=["no user", "no action", "action without id", "value longer than a payload"],
)
async def test_a_malformed_click_is_refused_with_a_400_and_nothing_stored(
    bot: Bot, payload: dict[str, object]
) -> None:
    body = form(payload)
    response = await bot.post(body, signed(body), "application/x-www-form-urlencoded")
    assert response.status == 400
    assert bot.stored_nothing()


@pytest.mark.parametrize(
    "event",
    [
        message("I am a bot", user=BOT_USER, bot_id=BOT_ID),
        message("beep", bot_id="B0OTHER", subtype="bot_message"),
        {**message("legacy bot"), "subtype": "bot_message", "user": None, "bot_id": "B0OLD"},
        message("another app's bot user", bot_id="B0OTHER"),
        {**mention("ping from a bot"), "bot_id": "B0OTHER"},
    ],
    ids=["our own", "bot_message", "legacy bot_message", "other app", "bot mention"],
)
async def test_bots_are_not_answered(bot: Bot, fake: FakeSlack, event: dict[str, object]) -> None:
    assert (await bot.event(envelope(event))).status == 200
    await bot.runtime.pipeline.join()
    assert bot.stored_nothing()
    assert fake.posts() == []


EDITED = {"user": ANA, "ts": "1700000000.000100"}


@pytest.mark.parametrize(
    "event",
    [
        {
            **message(""),
            "subtype": "message_changed",
            "user": None,
            "message": {
                "type": "message",
                "user": ANA,
                "text": "where is my order?",
                "ts": "1700000000.000001",
                "edited": EDITED,
            },
            "previous_message": {
                "type": "message",
                "user": ANA,
                "text": "hi",
                "ts": "1700000000.000001",
            },
        },
        {
            **message(""),
            "subtype": "message_deleted",
            "user": None,
            "deleted_ts": "1700000000.000001",
            "previous_message": {"type": "message", "user": ANA, "text": "hi"},
        },
        {**mention("where is my order?"), "edited": EDITED},
    ],
    ids=["edited", "deleted", "mention edited in"],
)
async def test_edits_and_deletions_are_acknowledged_and_left_alone(
    bot: Bot, fake: FakeSlack, event: dict[str, object]
) -> None:
    assert (await bot.event(envelope(event))).status == 200
    await bot.runtime.pipeline.join()
    assert bot.stored_nothing()
    assert fake.posts() == []


@pytest.mark.parametrize(
    "payload",
    [
        envelope({"type": "app_home_opened", "user": ANA, "channel": DM, "tab": "home"}),
        envelope({"type": "member_joined_channel", "user": ANA, "channel": CHANNEL}),
        envelope(message("", subtype="channel_join", channel=CHANNEL, channel_type="channel")),
        envelope(message("", channel=DM)),
        {"token": "t", "type": "app_rate_limited", "team_id": "T0TEST", "minute_rate_limited": 1},
    ],
    ids=["app home", "member joined", "channel_join", "empty message", "app_rate_limited"],
)
async def test_other_events_are_acknowledged_and_left_alone(
    bot: Bot, fake: FakeSlack, payload: dict[str, object]
) -> None:
    assert (await bot.event(payload)).status == 200
    assert bot.stored_nothing()


async def test_a_click_on_a_link_button_is_acknowledged_and_left_alone(bot: Bot) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": ANA, "team_id": "T0TEST"},
        "container": {"type": "message", "channel_id": DM, "message_ts": "1.1"},
        "actions": [
            {
                "action_id": "choice-1",
                "type": "button",
                "action_ts": "2.2",
                "text": {"type": "plain_text", "text": "Track the package"},
            }
        ],
    }
    body = form(payload)
    response = await bot.post(body, signed(body), "application/x-www-form-urlencoded")
    assert response.status == 200
    assert bot.stored_nothing()


async def test_an_unreadable_body_that_is_not_signed_either_is_a_401(bot: Bot) -> None:
    body = "{not json"
    assert (await bot.post(body, forged(body))).status == 401
    assert (await bot.post(body, {})).status == 401


@pytest.mark.parametrize("timestamp", ["soon", "-1", "1e9", ""])
async def test_a_timestamp_that_is_not_a_number_is_a_401(bot: Bot, timestamp: str) -> None:
    body = json.dumps(envelope(message("hi")))
    headers = {**signed(body), "X-Slack-Request-Timestamp": timestamp}
    assert (await bot.post(body, headers)).status == 401
    assert bot.stored_nothing()


async def test_a_body_that_is_not_utf8_is_refused(bot: Bot) -> None:
    url = bot.server.make_url("/slack/events")
    headers = {"Content-Type": "application/json", **signed("x")}
    async with bot.session.post(url, data=b'{"type": "\\xff\xff"}', headers=headers) as response:
        assert response.status == 401
    assert bot.stored_nothing()
