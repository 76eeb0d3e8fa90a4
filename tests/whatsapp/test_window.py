"""The 24-hour customer-service window: free-form messages inside it, an approved template or
the customer's next channel outside, and WhatsApp's own word (131047) when the clocks disagree.
The fake Graph API keeps its own account of when each number wrote, from the notifications the
tests sign."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app.config import load_bot_config
from bot.errors import ConfigError
from bot.format.messages import utcnow
from tests.fakes.twilio import FakeTwilio
from tests.fakes.whatsapp_notifications import text
from tests.helpers import Clock, make_memory
from tests.server_process import EXAMPLE
from tests.whatsapp.kit import (
    CUSTOMER,
    NEWS,
    WA_ID,
    BotFactory,
    WhatsappBot,
    news,
    notes,
    shipped,
)

REOPEN = {
    "reopen": {
        "en": {
            "name": "reopen_conversation",
            "language": "en_US",
            "parameters": ['{{ profile.name or "there" }}', "{{ message }}"],
        }
    }
}


async def wrote(bot: WhatsappBot, clock: Clock, words: str = "hi") -> None:
    """The customer writes on WhatsApp and is answered."""
    before = len(bot.graph.to(WA_ID))
    await bot.notify(text(WA_ID, words, at=clock.seconds()))
    await bot.settle()
    await bot.settle()
    assert len(bot.graph.to(WA_ID)) > before or bot.graph.outside


async def with_reopen(make_bot: BotFactory, clock: Clock) -> WhatsappBot:
    """The bot whose reopen template WhatsApp approved, on ``clock``."""
    bot = await make_bot(clock=clock, handler=news, templates=REOPEN)
    bot.graph.approve("reopen_conversation", "en_US", 2)
    return bot


async def known_by_sms(make_bot: BotFactory, clock: Clock) -> tuple[WhatsappBot, FakeTwilio]:
    """The bot with SMS on too (no template), on ``clock``, a customer who texted it, and the
    fake Twilio."""
    bot = await make_bot(clock=clock, handler=news, sms=True)
    assert bot.twilio is not None
    assert (await bot.twilio.text(CUSTOMER, "hello")).status == 200
    await bot.settle()
    return bot, bot.twilio


async def test_inside_the_window_a_free_form_message_goes(make_bot: BotFactory) -> None:
    clock = Clock(utcnow())
    bot = await with_reopen(make_bot, clock)
    await wrote(bot, clock)
    clock.advance(hours=23)
    await shipped(bot)
    last = bot.graph.to(WA_ID)[-1]
    assert last["type"] == "text"
    assert last["text"]["body"] == NEWS


async def test_outside_the_window_the_approved_template_goes(make_bot: BotFactory) -> None:
    clock = Clock(utcnow())
    bot = await with_reopen(make_bot, clock)
    await wrote(bot, clock)
    clock.advance(hours=25)
    await shipped(bot)
    last = bot.graph.to(WA_ID)[-1]
    assert last["type"] == "template"
    assert last["template"]["name"] == "reopen_conversation"
    assert last["template"]["language"] == {"code": "en_US"}
    [body] = last["template"]["components"]
    values = [parameter["text"] for parameter in body["parameters"]]
    assert values == ["Ana", "Your order shipped. It arrives on Friday."]
    assert bot.graph.outside == []
    assert notes(await bot.transcript(), "window")


async def test_the_window_opens_again_when_the_customer_writes(make_bot: BotFactory) -> None:
    clock = Clock(utcnow())
    bot = await with_reopen(make_bot, clock)
    await wrote(bot, clock)
    clock.advance(hours=30)
    await wrote(bot, clock, "back again")
    await shipped(bot)
    assert [body["type"] for body in bot.graph.to(WA_ID)] == ["text", "text", "text"]


async def test_without_a_template_the_message_goes_by_sms(make_bot: BotFactory) -> None:
    clock = Clock(utcnow())
    bot, twilio = await known_by_sms(make_bot, clock)
    await wrote(bot, clock)
    clock.advance(hours=25)
    await shipped(bot)
    sent = await twilio.wait_sent(CUSTOMER, 2)
    assert sent[-1].body == NEWS
    assert [body["type"] for body in bot.graph.to(WA_ID)] == ["text"]
    assert any("sent on SMS" in n for n in notes(await bot.transcript(), "window"))


async def test_with_nowhere_to_go_the_failure_is_recorded(make_bot: BotFactory) -> None:
    clock = Clock(utcnow())
    bot = await make_bot(clock=clock, handler=news)
    await wrote(bot, clock)
    clock.advance(hours=25)
    await shipped(bot)
    assert len(bot.graph.to(WA_ID)) == 1
    assert bot.graph.outside == []
    [failure] = notes(await bot.transcript(), "undeliverable")
    assert "window is closed" in failure


async def test_whatsapps_131047_sends_the_template_instead(make_bot: BotFactory) -> None:
    """Our record says the customer just wrote; WhatsApp dated their message 30 hours ago."""
    clock = Clock(utcnow())
    bot = await with_reopen(make_bot, clock)
    bot.graph.dated_back[WA_ID] = 30 * 3600
    await wrote(bot, clock, "where is my order")
    [refused] = bot.graph.outside
    assert refused["text"]["body"] == "You said: where is my order"
    [template] = bot.graph.to(WA_ID)
    assert template["type"] == "template"
    values = [p["text"] for p in template["template"]["components"][0]["parameters"]]
    assert values[1] == "You said: where is my order"
    entries = await bot.transcript()
    assert [s.status for s in await bot.statuses()] == ["failed"]
    assert any("131047" in n for n in notes(entries, "window"))


async def test_whatsapps_131047_without_a_template_goes_by_sms(make_bot: BotFactory) -> None:
    clock = Clock(utcnow())
    bot, twilio = await known_by_sms(make_bot, clock)
    bot.graph.dated_back[WA_ID] = 30 * 3600
    await wrote(bot, clock, "where is my order")
    sent = await twilio.wait_sent(CUSTOMER, 2)
    assert sent[-1].body == "You said: where is my order"
    assert bot.graph.to(WA_ID) == []


async def test_the_window_is_shared_by_every_worker(
    make_bot: BotFactory, backend: str, backend_url: str, namespace: str
) -> None:
    """One worker hears the customer; another, later, knows the window is open, then closed."""
    clock = Clock(utcnow())
    policy = load_bot_config(EXAMPLE).memory.policy()
    first = make_memory(backend, backend_url, namespace, policy)
    shared = backend == "embedded"  # one process: the same memory
    second = first if shared else make_memory(backend, backend_url, namespace, policy)
    try:
        options: dict[str, Any] = {"clock": clock, "handler": news, "templates": REOPEN}
        hearing = await make_bot(memory=first, **options)
        hearing.graph.approve("reopen_conversation", "en_US", 2)
        await wrote(hearing, clock)
        later = await make_bot(memory=second, **options)
        clock.advance(hours=2)
        await shipped(later)
        clock.advance(hours=24)
        await shipped(later)
        kinds = [body["type"] for body in hearing.graph.to(WA_ID)]
        assert kinds == ["text", "text", "template"]
    finally:
        await first.close()
        if second is not first:
            await second.close()


@pytest.mark.parametrize(
    ("templates", "problem"),
    [
        ({"reopen": {"en": {"name": "Reopen Me", "language": "en_US"}}}, "name"),
        ({"reopen": {"en": {"name": "reopen", "language": "english"}}}, "language"),
        ({"reopen": {"en": {"name": "r", "language": "en", "parameters": ["{{ x.y }}"]}}}, "x.y"),
        ({"reopen": {"en": {"name": "r", "language": "en", "parameters": ["{{ a"]}}}, "unclosed"),
        ({"greet": {"en": {"name": "r", "language": "en"}}}, "unknown purpose 'greet'"),
        ({"reopen": {"fr": {"name": "r", "language": "fr"}}}, "not one of the bot's languages"),
    ],
)
def test_a_wrong_template_is_reported_where_it_is(
    tmp_path: Path, templates: dict[str, Any], problem: str
) -> None:
    bot = {"name": "shop", "languages": ["en"], "channels": {"whatsapp": {"templates": templates}}}
    (tmp_path / "bot.yaml").write_text(yaml.safe_dump(bot))
    with pytest.raises(ConfigError) as raised:
        load_bot_config(tmp_path)
    assert problem in str(raised.value)
    assert "bot.yaml:" in str(raised.value)
