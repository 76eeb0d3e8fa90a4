"""The example store bot over Slack: in a direct message, and in a channel thread."""

from __future__ import annotations

from tests.fakes.slack import FakeSlack
from tests.fakes.slack_events import (
    ANA,
    CHANNEL,
    DM,
    buttons,
    click,
    envelope,
    mention,
    message,
    texts,
)
from tests.slack.kit import Bot

GREETING = (
    "Hi! I'm the Store's assistant. I can check your order, help with an exchange or a "
    "return, or change a delivery address. What can I do for you?"
)
ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."


async def test_a_direct_message_conversation_with_a_button_click(bot: Bot, fake: FakeSlack) -> None:
    response = await bot.event(envelope(message("hi")))
    assert response.status == 200
    [greeting] = await fake.wait_posts(1, DM)
    assert texts(greeting) == [GREETING]
    assert buttons(greeting) == [
        "Order status",
        "Exchanges and returns",
        "Change delivery address",
        "Talk to a person",
    ]
    assert greeting["text"] == GREETING
    assert "thread_ts" not in greeting

    assert (await bot.interact(click(greeting, "Order status"))).status == 200
    asked = (await fake.wait_posts(2, DM))[-1]
    assert texts(asked) == [ASK_ORDER]

    await bot.event(envelope(message("A-10001")))
    answer = (await fake.wait_posts(3, DM))[-1]
    assert texts(answer)[0].startswith("Order A-10001: linen shirt (M).")


async def test_a_mention_is_answered_in_a_thread_that_carries_the_conversation(
    bot: Bot, fake: FakeSlack
) -> None:
    asking = mention("where is my order?")
    await bot.event(envelope(asking))
    [asked] = await fake.wait_posts(1, CHANNEL)
    assert texts(asked) == [ASK_ORDER]
    assert asked["thread_ts"] == asking["ts"]

    # a reply in the thread, without mentioning the bot (message.channels)
    reply = message("A-10001", channel=CHANNEL, channel_type="channel", thread_ts=asking["ts"])
    await bot.event(envelope(reply))
    answer = (await fake.wait_posts(2, CHANNEL))[-1]
    assert texts(answer)[0].startswith("Order A-10001: linen shirt (M).")
    assert answer["thread_ts"] == asking["ts"]


async def test_a_mention_inside_a_thread_is_answered_in_that_thread(
    bot: Bot, fake: FakeSlack
) -> None:
    parent = message("does anyone know the store hours?", channel=CHANNEL, channel_type="channel")
    inside = mention("hi", thread_ts=parent["ts"])
    await bot.event(envelope(inside))
    [greeting] = await fake.wait_posts(1, CHANNEL)
    assert greeting["thread_ts"] == parent["ts"]
    assert (await bot.interact(click(greeting, "Order status"))).status == 200
    asked = (await fake.wait_posts(2, CHANNEL))[-1]
    assert (texts(asked), asked["thread_ts"]) == ([ASK_ORDER], parent["ts"])


async def test_channel_talk_that_is_not_for_the_bot_is_left_alone(
    bot: Bot, fake: FakeSlack
) -> None:
    first = mention("where is my order?")
    await bot.event(envelope(first))
    await fake.wait_posts(1, CHANNEL)
    second = mention("hi")  # a new thread: the conversation moves there
    await bot.event(envelope(second))
    await bot.runtime.pipeline.join()
    answered = len(fake.posts(CHANNEL))

    unaddressed = [
        message("lunch anyone?", channel=CHANNEL, channel_type="channel"),
        message("A-10001", channel=CHANNEL, channel_type="channel", thread_ts=first["ts"]),
        message(
            "A-10001",
            user="U0CAROL",
            channel=CHANNEL,
            channel_type="channel",
            thread_ts=second["ts"],
        ),
    ]
    for event in unaddressed:
        assert (await bot.event(envelope(event))).status == 200
    await bot.runtime.pipeline.join()
    assert len(fake.posts(CHANNEL)) == answered
    assert await bot.said(ANA) == [
        "where is my order?",
        "hi",
    ]


async def test_a_thread_reply_that_mentions_the_bot_is_one_turn_though_slack_sends_it_twice(
    bot: Bot, fake: FakeSlack
) -> None:
    first = mention("where is my order?")
    await bot.event(envelope(first))
    await fake.wait_posts(1, CHANNEL)
    both = mention("A-10001", thread_ts=first["ts"])
    as_message = message(
        both["text"], channel=CHANNEL, channel_type="channel", thread_ts=first["ts"], at=both["ts"]
    )
    await bot.event(envelope(both))
    await bot.event(envelope(as_message))
    await fake.wait_posts(2, CHANNEL)
    await bot.runtime.pipeline.join()
    assert len(fake.posts(CHANNEL)) == 2
    assert await bot.said(ANA) == [
        "where is my order?",
        "A-10001",
    ]
