"""Sending through the fake Slack Web API: what chat.postMessage receives, and every refusal
translated into an error that says what to do."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.connector import Outgoing
from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)
from bot.format.messages import Address
from bot.format.outbound import Button, Card, Media, Text, Typing
from connectors.slack.client import SlackClient
from connectors.slack.connector import SlackConnector
from tests.fakes.base import Failure
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack_events import DM, buttons, envelope, message, texts
from tests.redis_server import free_port
from tests.slack.kit import Bot, StubCore, options

THREAD = Address(
    channel="slack", user_id="U0ANA", conversation_id="C0STORE", thread_id="1700000000.000100"
)
DIRECT = Address(channel="slack", user_id="U0ANA", conversation_id=DM)


@pytest.fixture
async def slack(fake: FakeSlack) -> AsyncIterator[SlackConnector]:
    connector = SlackConnector(options(fake))
    await connector.start(StubCore())
    yield connector
    await connector.stop()


def out(*messages: Text | Media | Card | Typing) -> list[Outgoing]:
    return [Outgoing(f"m{i}", message) for i, message in enumerate(messages, 1)]


async def test_a_text_with_markup_and_buttons_in_a_thread(
    slack: SlackConnector, fake: FakeSlack
) -> None:
    text = Text(
        text="**Order A-10001** is <late> & _sorry_ — [track it](https://t.example/?a=1&b=2)",
        format="markdown",
        buttons=(
            Button(title="Yes", payload="yes"),
            Button(title="Track", kind="url", url="https://t.example/x"),
        ),
    )
    [receipt] = await slack.send(THREAD, out(text))
    [post] = fake.posts()
    assert post["channel"] == "C0STORE"
    assert post["thread_ts"] == "1700000000.000100"
    assert texts(post) == [
        "*Order A-10001* is &lt;late&gt; &amp; _sorry_ — <https://t.example/?a=1&amp;b=2|track it>"
    ]
    assert post["text"] == "*Order A-10001* is &lt;late&gt; &amp; _sorry_ — track it"
    [actions] = [b for b in post["blocks"] if b["type"] == "actions"]
    assert actions["elements"] == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Yes", "emoji": True},
            "action_id": "choice-1",
            "value": "yes",
        },
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Track", "emoji": True},
            "action_id": "choice-2",
            "url": "https://t.example/x",
        },
    ]
    assert (receipt.message_id, receipt.provider_id) == ("m1", post["ts"])


async def test_a_plain_text_cannot_ping_or_link(slack: SlackConnector, fake: FakeSlack) -> None:
    await slack.send(DIRECT, out(Text(text="<!channel> <@U0BOSS> **not bold** 1 < 2")))
    [post] = fake.posts()
    assert "thread_ts" not in post
    assert texts(post) == ["&lt;!channel&gt; &lt;@U0BOSS&gt; **not bold** 1 &lt; 2"]


async def test_an_image_and_a_card(slack: SlackConnector, fake: FakeSlack) -> None:
    image = Media(kind="image", url="https://img.example/shirt.jpg", caption="The linen shirt")
    card = Card(
        title="Linen shirt",
        subtitle="Size M, R$ 189",
        image_url="https://img.example/shirt.jpg",
        buttons=(Button(title="Buy", payload="buy:shirt"),),
    )
    await slack.send(DIRECT, out(image, card))
    first, second = fake.posts()
    assert first["blocks"] == [
        {
            "type": "image",
            "image_url": "https://img.example/shirt.jpg",
            "alt_text": "The linen shirt",
            "title": {"type": "plain_text", "text": "The linen shirt", "emoji": True},
        }
    ]
    assert first["text"] == "The linen shirt"
    section, actions = second["blocks"]
    assert actions["type"] == "actions"
    assert section["text"]["text"] == "*Linen shirt*\nSize M, R$ 189"
    assert section["accessory"] == {
        "type": "image",
        "image_url": "https://img.example/shirt.jpg",
        "alt_text": "Linen shirt",
    }
    assert buttons(second) == ["Buy"]


async def test_a_long_text_is_split_into_sections_and_messages(
    slack: SlackConnector, fake: FakeSlack
) -> None:
    paragraph = "Terms: & < > " * 300
    long = "\n\n".join([paragraph] * 16)  # 62,000 characters that escaping makes 154,000
    await slack.send(DIRECT, out(Text(text=long)))
    posts = fake.posts()
    assert len(posts) == 2  # more than 50 sections
    sections = [text for post in posts for text in texts(post)]
    assert all(len(text) <= 3000 for text in sections)
    assert all(len(post["blocks"]) <= 50 for post in posts)
    assert all(len(post["text"]) <= 3000 * 5 for post in posts)
    shown = " ".join(sections).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert shown.split() == long.split()


async def test_typing_is_not_sent(slack: SlackConnector, fake: FakeSlack) -> None:
    [receipt] = await slack.send(DIRECT, out(Typing()))
    assert receipt.message_id == "m1"
    assert fake.calls == []


ERRORS = [
    ("channel_not_found", Unreachable, "no conversation C0STORE"),
    ("not_in_channel", Unreachable, "/invite"),
    ("is_archived", Unreachable, "archived"),
    ("invalid_auth", ChannelMisconfigured, "SLACK_BOT_TOKEN"),
    ("token_revoked", ChannelMisconfigured, "still installed"),
    ("missing_scope", ChannelMisconfigured, "chat:write"),
    ("internal_error", TemporaryDeliveryError, "internal_error"),
    ("invalid_blocks", DeliveryError, "invalid_blocks"),
]


@pytest.mark.parametrize(("code", "kind", "says"), ERRORS, ids=[e[0] for e in ERRORS])
async def test_slacks_refusals_are_typed_and_say_what_to_do(
    slack: SlackConnector, fake: FakeSlack, code: str, kind: type[DeliveryError], says: str
) -> None:
    body = {"ok": False, "error": code, "needed": "chat:write", "provided": "users:read"}
    fake.fail_next("chat.postMessage", Failure(200, body))
    with pytest.raises(kind) as raised:
        await slack.send(THREAD, out(Text(text="hello")))
    assert type(raised.value) is kind
    assert says in str(raised.value)
    assert BOT_TOKEN not in str(raised.value)


async def test_a_rate_limit_carries_slacks_retry_after(
    slack: SlackConnector, fake: FakeSlack
) -> None:
    limited = Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})
    fake.fail_next("chat.postMessage", limited)
    with pytest.raises(RateLimited) as raised:
        await slack.send(THREAD, out(Text(text="hello")))
    assert raised.value.retry_after == 7.0


async def test_a_server_error_is_temporary(slack: SlackConnector, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", Failure(503, "<html>upstream down</html>"))
    with pytest.raises(TemporaryDeliveryError):
        await slack.send(THREAD, out(Text(text="hello")))


async def test_a_failure_midway_reports_what_was_sent(
    slack: SlackConnector, fake: FakeSlack
) -> None:
    await slack.send(DIRECT, out(Text(text="warm up")))
    fatal = Failure(500, {"ok": False, "error": "fatal_error"})
    fake.fail_later("chat.postMessage", fatal, after=1)
    with pytest.raises(TemporaryDeliveryError) as raised:
        await slack.send(DIRECT, out(Text(text="one"), Text(text="two")))
    assert [receipt.message_id for receipt in raised.value.sent] == ["m1"]


async def test_an_unreachable_slack_is_temporary() -> None:
    client = SlackClient(BOT_TOKEN, f"http://127.0.0.1:{free_port()}/api/", timeout=2)
    try:
        with pytest.raises(TemporaryDeliveryError) as raised:
            await client.identity()
    finally:
        await client.close()
    assert "could not be reached" in str(raised.value)


async def test_a_wrong_token_is_reported_as_misconfiguration(fake: FakeSlack) -> None:
    client = SlackClient("xoxb-wrong", fake.api_base)
    try:
        with pytest.raises(ChannelMisconfigured) as raised:
            await client.identity()
    finally:
        await client.close()
    assert "invalid_auth" in str(raised.value)
    assert "xoxb-wrong" not in str(raised.value)


async def test_a_rate_limit_is_waited_out_and_the_reply_arrives(bot: Bot, fake: FakeSlack) -> None:
    limited = Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    fake.fail_next("chat.postMessage", limited)
    await bot.event(envelope(message("hi")))
    [greeting] = await fake.wait_posts(1, DM, within=10)
    assert texts(greeting)[0].startswith("Hi! I'm the Store's assistant.")
    first, second = [call for call in fake.calls if call.method == "chat.postMessage"]
    assert first.params["text"] == second.params["text"]


async def test_a_channel_the_bot_was_removed_from_is_noted_and_not_retried(
    bot: Bot, fake: FakeSlack
) -> None:
    gone = Failure(200, {"ok": False, "error": "channel_not_found"})
    fake.fail_next("chat.postMessage", gone)
    await bot.event(envelope(message("hi")))
    await fake.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    await bot.runtime.pipeline.join()
    assert len(fake.of("chat.postMessage")) == 1
    record = await bot.customer("U0ANA")
    assert record is not None
    assert "slack" in record.unreachable
