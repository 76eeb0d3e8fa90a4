"""A WhatsApp customer on the Slack desk: the thread says WhatsApp, what became of an agent's
reply (delivered, read, failed) shows in the thread as the channel reports it, and an agent
replying after the 24-hour window closed is told what the reply becomes (the approved
template), which is what goes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.format.messages import utcnow
from bot.format.outbound import Template, Text
from bot.format.transcript import DeliveryStatus, StatusEntry
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_events import ANA, texts
from tests.helpers import Clock
from tests.slack.desk_kit import Shop, serving
from tests.whatsapp.kit import REOPEN_YAML

WA = "+5511987654321"


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow())


@pytest.fixture
async def shop(
    tmp_path: Path, fake: FakeSlack, namespace: str, clock: Clock
) -> AsyncIterator[Shop]:
    async with serving(
        tmp_path, fake, None, namespace, REOPEN_YAML, channel="whatsapp", clock=clock
    ) as running:
        yield running


def shown(posts: list[dict[str, object]]) -> str:
    return "\n".join(text for post in posts for text in texts(post))


async def status(
    shop: Shop, message_id: str, state: DeliveryStatus, detail: str | None = None
) -> None:
    """The channel reports what became of ``message_id`` (what its status webhook does)."""
    entry = StatusEntry(at=utcnow(), message_id=message_id, status=state, detail=detail)
    await shop.runtime.pipeline.record(await shop.customer(WA), [entry])


async def test_the_thread_says_whatsapp_and_shows_what_became_of_the_agents_reply(
    shop: Shop,
) -> None:
    summary = await shop.hand_off(WA)
    assert "A customer* · WhatsApp · en" in shown([summary])
    await shop.answer(summary["ts"], "It ships today.", ANA)
    assert shop.texted(WA)[-1] == "It ships today."
    [reply] = await shop.replies_by(f"agent:slack:{ANA}", WA)
    [bot_said] = (await shop.replies_by("bot", WA))[-1:]
    before = len(shop.thread(summary["ts"]))
    await status(shop, bot_said.message_id, "delivered")  # the bot's: not the agents' news
    await status(shop, reply.message_id, "sent")
    await status(shop, reply.message_id, "delivered")
    await status(shop, reply.message_id, "read")
    posted = shown(shop.thread(summary["ts"])[before:])
    assert posted.splitlines() == [
        f":white_check_mark: _delivered on WhatsApp_: <@{ANA}>'s reply “It ships today.”",
        f":eyes: _read on WhatsApp_: <@{ANA}>'s reply “It ships today.”",
    ]


async def test_a_failed_reply_says_why_in_the_thread(shop: Shop) -> None:
    summary = await shop.hand_off(WA)
    await shop.answer(summary["ts"], "It ships today.", ANA)
    [reply] = await shop.replies_by(f"agent:slack:{ANA}", WA)
    await status(shop, reply.message_id, "failed", "131026: message undeliverable")
    assert shown(shop.thread(summary["ts"])[-1:]) == (
        f":x: _failed on WhatsApp_ (131026: message undeliverable): <@{ANA}>'s reply"
        " “It ships today.”"
    )


async def test_a_reply_after_the_window_closed_is_told_it_goes_as_the_template(
    shop: Shop, fake: FakeSlack, clock: Clock
) -> None:
    summary = await shop.hand_off(WA)
    await shop.answer(summary["ts"], "Looking into it.", ANA)
    assert fake.whispers(ANA) == []  # the window is open: nothing to say
    clock.advance(hours=25)
    await shop.answer(summary["ts"], "It ships today.", ANA)
    [told] = fake.whispers(ANA)
    assert told["thread_ts"] == summary["ts"]
    assert shown([told]) == (
        ":lock: WhatsApp's 24-hour window is closed: your reply goes as the approved "
        "template reopen_conversation (en_US), with your words in it."
    )
    last = shop.sms.sent[WA][-1]
    assert isinstance(last, Template)
    assert last.parameters == ("It ships today.",)
    assert not isinstance(last, Text)
    assert "window is closed: sent as the approved template" in shown(shop.thread(summary["ts"]))
