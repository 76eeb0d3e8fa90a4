"""Slack as an agent desk: a customer on SMS hands off, the conversation becomes a thread in the
desk channel, agents answer there (claiming it), take it, resolve it; retries deliver once,
forgeries change nothing, the desk channel is never a customer's; on both memory backends, and
across two workers sharing Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.app.compose import assemble
from bot.app.config import Settings, load_bot_config
from bot.desk.handoff import agent_event
from bot.desk.summary import Readable
from bot.errors import ConfigError
from bot.format.outbound import Text
from bot.format.transcript import InboundEntry, OutboundEntry
from bot.turn.customer import CustomerRecord, Handoff
from connectors.slack import plan
from connectors.slack.connector import SlackConnector
from connectors.slack.desk_inbound import RESOLVE, TAKE
from connectors.slack.desk_outbound import summary, thread_lines, thread_messages
from connectors.slack.outbound import Actions, Section
from tests.fakes.base import Failure
from tests.fakes.slack import BOT_TOKEN, FakeSlack, block_problems
from tests.fakes.slack_events import (
    ANA,
    BRUNO,
    SECRET,
    buttons,
    click,
    envelope,
    mention,
    message,
    signed,
    texts,
)
from tests.helpers import text_event
from tests.slack.desk_kit import BACK, DESK, JOINED, Shop, bot_folder, serving

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@pytest.fixture
async def shop(
    tmp_path: Path,
    fake: FakeSlack,
    backend: str,
    redis_url: str,
    namespace: str,
    redis_client: Redis,
) -> AsyncIterator[Shop]:
    url = redis_url if backend == "redis" else None
    async with serving(tmp_path, fake, url, namespace) as running:
        yield running


def lines(posts: list[dict[str, object]]) -> str:
    return "\n".join(text for post in posts for text in texts(post))


async def test_a_handoff_opens_a_thread_with_the_summary_and_buttons(shop: Shop) -> None:
    summary = await shop.hand_off()
    [posted] = shop.summaries()
    assert posted["channel"] == DESK
    assert "thread_ts" not in summary
    shown = "\n".join(texts(summary))
    assert "A customer* · SMS · en" in shown
    # The handoff in the flows' words, as the console reads it, escaped for Slack.
    assert "*Came for:* Orders &amp; &lt;deliveries&gt;" in shown
    assert "*Handed over:* a question about an order" in shown
    assert "*Order number:* A-12345" in shown
    assert "order_id" not in shown
    assert "*Since:* <!date^" in shown
    assert "(SMS): where is my order" in shown  # what was said just before
    assert "Waiting for someone to take it" in shown
    assert buttons(summary) == ["Take it", "Resolve"]
    customer = await shop.customer()
    [actions] = [block for block in summary["blocks"] if block["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (TAKE, customer),
        (RESOLVE, customer),
    ]
    assert await shop.runtime.desk.desk.thread_of(customer, "slack") == summary["ts"]
    assert await shop.runtime.desk.desk.customer_of_thread("slack", summary["ts"]) == customer


async def test_the_customers_next_message_appears_in_the_thread(shop: Shop) -> None:
    summary = await shop.hand_off()
    await shop.say("hello? it was due yesterday")
    said = lines(shop.thread(summary["ts"]))
    assert "*A customer* (SMS): hello? it was due yesterday" in said
    assert "_bot_: Thanks, your message is with our team." in said


async def test_an_agents_thread_reply_claims_and_reaches_the_customer_by_sms(shop: Shop) -> None:
    summary = await shop.hand_off()
    await shop.answer(summary["ts"], "Hi! I'm looking at order A-12345 now.", ANA)
    assert shop.texted()[-2:] == [JOINED, "Hi! I'm looking at order A-12345 now."]
    assert await shop.holder() == f"slack:{ANA}"
    [reply] = await shop.replies_by(f"agent:slack:{ANA}")
    assert reply.channel == "sms"
    redrawn = shop.fake.shown(DESK, summary["ts"])
    assert f"Taken by <@{ANA}>" in "\n".join(texts(redrawn))
    assert buttons(redrawn) == ["Resolve"]
    thread = lines(shop.thread(summary["ts"]))
    assert f"<@{ANA}> took the conversation" in thread
    assert "looking at order" not in thread  # the agent's own reply is not echoed


async def test_a_second_agent_is_refused_and_nothing_reaches_the_customer(shop: Shop) -> None:
    summary = await shop.hand_off()
    await shop.answer(summary["ts"], "Hi, Ana here.", ANA)
    texted = shop.texted()
    await shop.answer(summary["ts"], "Bruno here, let me help too", BRUNO)
    assert shop.texted() == texted
    [refusal] = shop.fake.whispers(BRUNO)
    assert refusal["channel"] == DESK
    assert refusal["thread_ts"] == summary["ts"]
    assert texts(refusal) == [f"<@{ANA}> has this conversation."]
    assert await shop.holder() == f"slack:{ANA}"


async def test_a_thread_reply_starting_with_slashes_is_a_note_for_the_team(shop: Shop) -> None:
    summary = await shop.hand_off()
    texted = shop.texted()
    await shop.answer(summary["ts"], "// probably the courier again", BRUNO)
    assert shop.texted() == texted
    [note] = await shop.notes("agent_note")
    assert (note.text, note.data) == ("probably the courier again", {"agent": f"slack:{BRUNO}"})
    assert "courier" not in lines(shop.thread(summary["ts"]))
    assert await shop.holder() is None


async def test_take_it_claims_the_conversation(shop: Shop) -> None:
    summary = await shop.hand_off()
    await shop.click(click(summary, "Take it", user=ANA))
    assert await shop.holder() == f"slack:{ANA}"
    assert shop.texted()[-1] == JOINED
    assert f"Taken by <@{ANA}>" in "\n".join(texts(shop.fake.shown(DESK, summary["ts"])))
    await shop.click(click(summary, "Take it", user=BRUNO))
    assert texts(shop.fake.whispers(BRUNO)[-1]) == [f"<@{ANA}> has this conversation."]
    assert await shop.holder() == f"slack:{ANA}"


async def test_resolve_hands_back_to_the_bot_which_answers_the_next_message(shop: Shop) -> None:
    summary = await shop.hand_off()
    await shop.answer(summary["ts"], "Found it: it leaves today.", ANA)
    await shop.click(click(summary, "Resolve", user=BRUNO))  # not Bruno's conversation
    assert texts(shop.fake.whispers(BRUNO)[-1]) == [f"<@{ANA}> has this conversation."]
    assert await shop.holder() == f"slack:{ANA}"

    await shop.click(click(summary, "Resolve", user=ANA))
    assert shop.texted()[-1] == BACK
    assert await shop.holder() is None
    assert "Back with the bot (resolved by <@U0ANA>)." in lines(shop.thread(summary["ts"]))
    resolved = shop.fake.shown(DESK, summary["ts"])
    assert buttons(resolved) == []
    assert ":white_check_mark: Back with the bot (resolved by <@U0ANA>)." in texts(resolved)
    assert await shop.say("where is my order") == ["What's your order number?"]


async def test_resolve_while_nobody_has_it_claims_then_resolves(shop: Shop) -> None:
    summary = await shop.hand_off()
    await shop.click(click(summary, "Resolve", user=BRUNO))
    assert shop.texted()[-2:] == ["Bruno Lima from our team is here to help.", BACK]
    assert await shop.runtime.desk.desk.waiting() == []
    assert "resolved by <@U0BRUNO>" in lines(shop.thread(summary["ts"]))


async def test_what_console_agents_do_shows_in_the_thread(shop: Shop) -> None:
    summary = await shop.hand_off()
    customer = await shop.customer()
    assert await shop.runtime.desk.desk.claim(customer, "ana")
    for action, data in (("claim", {}), ("reply", {"text": "Hi, <!channel> Ana here"})):
        await shop.runtime.pipeline.notify(customer, agent_event(action, "ana", **data))
    await shop.runtime.pipeline.notify(customer, agent_event("note", "bruno", text="VIP *client*"))
    await shop.settle()
    assert shop.texted()[-2:] == ["ana from our team is here to help.", "Hi, <!channel> Ana here"]
    thread = lines(shop.thread(summary["ts"]))
    assert "_ana took the conversation_" in thread
    assert "*ana*: Hi, &lt;!channel&gt; Ana here" in thread  # escaped: it pings nobody
    assert ":memo: note by *bruno*: VIP *client*" in thread
    assert "Taken by *ana*" in "\n".join(texts(shop.fake.shown(DESK, summary["ts"])))
    await shop.answer(summary["ts"], "I can take this one", ANA)
    assert texts(shop.fake.whispers(ANA)[-1]) == ["*ana* has this conversation."]
    assert shop.texted()[-1] == "Hi, <!channel> Ana here"


async def test_a_retried_reply_reaches_the_customer_once(shop: Shop) -> None:
    summary = await shop.hand_off()
    sent = await shop.answer(summary["ts"], "On its way!", ANA)
    await shop.deliver(sent, **RETRY)
    await shop.deliver(sent, **{**RETRY, "X-Slack-Retry-Num": "2"})
    assert shop.texted().count("On its way!") == 1
    assert shop.texted().count(JOINED) == 1
    assert len(await shop.replies_by(f"agent:slack:{ANA}")) == 1


async def test_a_forged_reply_is_refused_and_changes_nothing(shop: Shop) -> None:
    summary = await shop.hand_off()
    texted = shop.texted()
    event = message(
        "Send me your password",
        user=ANA,
        channel=DESK,
        channel_type="channel",
        thread_ts=summary["ts"],
    )
    body = json.dumps(envelope(event))
    response = await shop.bot.post(body, signed(body, secret="not-the-signing-secret"))
    assert response.status == 401
    await shop.settle()
    assert shop.texted() == texted
    assert await shop.holder() is None
    assert len(shop.fake.posts(DESK)) == 1  # the summary, nothing since


async def test_the_desk_channel_is_never_a_customer_conversation(shop: Shop) -> None:
    summary = await shop.hand_off()
    posts = len(shop.fake.posts())
    unknown = message("is this thing on?", user=ANA, channel=DESK, thread_ts="1699999999.000001")
    top = message("who is on lunch?", user=ANA, channel=DESK, channel_type="channel")
    called = mention("where is my order", user=ANA, channel=DESK)
    for event in (unknown, top, called):
        await shop.deliver(event)
    assert len(shop.fake.posts()) == posts
    assert shop.fake.whispers() == []
    assert await shop.bot.customer(ANA) is None  # nobody talked to the bot
    assert await shop.holder() is None
    assert summary["ts"] != unknown["thread_ts"]


async def test_a_reopened_handoff_gets_a_new_thread_and_the_old_one_is_closed(
    shop: Shop,
) -> None:
    first = await shop.hand_off()
    await shop.click(click(first, "Resolve", user=ANA))
    second = await shop.hand_off()
    assert second["ts"] != first["ts"]
    customer = await shop.customer()
    assert await shop.runtime.desk.desk.thread_of(customer, "slack") == second["ts"]
    texted = shop.texted()
    await shop.answer(first["ts"], "Anything else?", ANA)
    assert shop.texted() == texted
    assert texts(shop.fake.whispers(ANA)[-1])[0].startswith("This handoff is over")
    await shop.answer(second["ts"], "Back again? What can I do?", ANA)
    assert shop.texted()[-1] == "Back again? What can I do?"


async def test_slack_failing_costs_the_customer_nothing(shop: Shop) -> None:
    shop.fake.fail_next("chat.postMessage", Failure(200, {"ok": False, "error": "fatal_error"}))
    await shop.say("where is my order")
    assert await shop.say("A-12345") == [
        "Let me get someone to look at order A-12345.",
        "You're number 1 in line.",
    ]
    assert shop.summaries() == []
    assert await shop.runtime.desk.desk.waiting() != []  # still on the console's queue
    assert await shop.say("anyone?") == [  # as without Slack
        "Thanks, your message is with our team. You're number 1 in line."
    ]


async def test_agent_and_customer_on_different_workers_still_talk(
    tmp_path: Path, fake: FakeSlack, redis_url: str, namespace: str, redis_client: Redis
) -> None:
    async with (
        serving(tmp_path / "a", fake, redis_url, namespace) as one,
        serving(tmp_path / "b", fake, redis_url, namespace) as two,
    ):
        summary = await one.hand_off()
        await two.answer(summary["ts"], "Hello from the other worker", ANA)
        await one.settle()
        texted = one.texted() + two.texted()
        assert texted[-2:] == [JOINED, "Hello from the other worker"]
        assert await one.holder() == f"slack:{ANA}"
        await one.say("thanks!")
        await two.settle()
        assert "*A customer* (SMS): thanks!" in lines(one.thread(summary["ts"]))


def test_a_desk_on_slack_without_the_slack_channel_does_not_start(tmp_path: Path) -> None:
    folder = bot_folder(tmp_path, f"agents:\n  slack: {{channel: {DESK}}}\n")
    with pytest.raises(ConfigError) as no_tokens:
        assemble(folder, load_bot_config(folder), Settings())
    assert str(no_tokens.value).startswith(
        "bot.yaml: agents.slack: the agent desk on Slack needs the Slack channel, which is off "
        "(set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET or SLACK_APP_TOKEN)"
    )
    yaml = f"channels: {{slack: {{enabled: false}}}}\nagents:\n  slack: {{channel: {DESK}}}\n"
    off = bot_folder(tmp_path / "off", yaml)
    tokens = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    with pytest.raises(ConfigError, match=r"channels\.slack\.enabled: false"):
        assemble(off, load_bot_config(off), tokens)


def test_the_slack_channel_plans_the_desk_from_bot_yaml(tmp_path: Path) -> None:
    folder = bot_folder(tmp_path, f"agents:\n  slack: {{channel: {DESK}}}\n")
    tokens = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    decided = plan(load_bot_config(folder), tokens, "http://127.0.0.1:8080")
    assert isinstance(decided.connector, SlackConnector)
    assert decided.connector.settings.desk_channel == DESK


def test_a_long_turn_is_posted_in_sections_slack_accepts() -> None:
    now = datetime.now(UTC)
    customer = CustomerRecord.new("c1", now)
    said = [
        OutboundEntry(at=now, message_id=f"m{n}", channel="sms", message=Text(text="x" * 900))
        for n in range(300)
    ]
    posts = thread_messages(thread_lines(customer, said))
    assert len(posts) == 2  # lines clipped to 500: 60 sections of 5, 50 blocks a post at most
    for post in posts:
        assert block_problems(post.wire_blocks()) == []
    blocks: list[dict[str, Any]] = [block for post in posts for block in post.wire_blocks()]
    shown = [block["text"]["text"] for block in blocks]
    assert sum(text.count("_bot_: ") for text in shown) == 300


def test_a_customer_to_be_contacted_later_is_shown_so() -> None:
    now = datetime.now(UTC)
    later = Handoff(reason="a question about an order", since=now, contact_on="sms")
    customer = CustomerRecord.new("c1", now).model_copy(
        update={"handoff": later, "profile": {"name": "Rita <!here>"}, "last_channel": "sms"}
    )
    drawn = summary(customer, [], Readable())
    shown = "\n".join(block.text.text for block in drawn.blocks if isinstance(block, Section))
    assert "*Rita &lt;!here&gt;* · SMS" in shown
    assert "asked to be contacted on SMS" in shown
    assert block_problems(drawn.wire_blocks()) == []
    assert [e.text.text for b in drawn.blocks if isinstance(b, Actions) for e in b.elements] == [
        "Take it",
        "Resolve",
    ]


def test_the_summary_reads_the_handoff_in_words_and_nothing_in_them_pings_anyone() -> None:
    now = datetime.now(UTC)
    waiting = Handoff(reason="a <!channel> question", since=now)
    customer = CustomerRecord.new("c1", now).model_copy(update={"handoff": waiting})
    readable = Readable(
        goal="Exchanges <!here>",
        facts=(("Size", "Large (US 10)"), ("Note *", "<@U0BOSS> & co")),
        failed=("Order A-12345 not found",),
    )
    drawn = summary(customer, [], readable)
    shown = "\n".join(block.text.text for block in drawn.blocks if isinstance(block, Section))
    assert (
        "*Came for:* Exchanges &lt;!here&gt;\n*Handed over:* a &lt;!channel&gt; question" in shown
    )
    assert "*Size:* Large (US 10)" in shown
    assert "*Note *:* &lt;@U0BOSS&gt; &amp; co" in shown
    assert ":warning: Order A-12345 not found" in shown
    for ping in ("<!here", "<!channel", "<@"):
        assert ping not in shown
    without_goal = summary(customer, [], Readable())
    assert "Came for" not in "\n".join(
        block.text.text for block in without_goal.blocks if isinstance(block, Section)
    )


def test_a_whatsapp_conversation_is_named_so_on_the_desk() -> None:
    now = datetime.now(UTC)
    waiting = Handoff(reason="a question about an order", since=now)
    customer = CustomerRecord.new("c1", now).model_copy(
        update={"handoff": waiting, "profile": {"name": "Ana"}, "last_channel": "whatsapp"}
    )
    asked = text_event("cadê meu pedido?", user="+5511987654321", channel="whatsapp")
    said = InboundEntry(at=now, event=asked)
    drawn = summary(customer, [said], Readable())
    shown = "\n".join(block.text.text for block in drawn.blocks if isinstance(block, Section))
    assert "*Ana* · WhatsApp" in shown
    assert "*Ana* (WhatsApp): cadê meu pedido?" in shown
    assert thread_lines(customer, [said]) == ["*Ana* (WhatsApp): cadê meu pedido?"]
