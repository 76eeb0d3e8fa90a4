"""WhatsApp's 131047 reported late: the Cloud API accepted the message (200) and later posts a
``failed`` status with the code. It takes the path of the refusal at sending: the window closes
in the customer's record and the refused message goes again, as the template or by SMS."""

from __future__ import annotations

from typing import Any

from tests.fakes.whatsapp_notifications import status, text
from tests.whatsapp.kit import CUSTOMER, WA_ID, BotFactory, WhatsappBot, news, notes, shipped
from tests.whatsapp.twilio_kit import TwilioBotFactory

REOPEN = {
    "reopen": {
        "en": {
            "name": "reopen_conversation",
            "language": "en_US",
            "parameters": ['{{ profile.name or "there" }}', "{{ message }}"],
        }
    }
}
REFUSED = [{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message"}]


async def answered(bot: WhatsappBot, words: str) -> dict[str, Any]:
    """The customer writes; the bot's reply as the fake Graph API accepted it."""
    assert (await bot.notify(text(WA_ID, words))).status == 200
    await bot.settle()
    return bot.graph.to(WA_ID)[-1]


async def refused_late(bot: WhatsappBot, ours: str) -> None:
    """Meta posts, signed, that our message ``ours`` failed with 131047; the turns settle."""
    assert (await bot.notify(status(WA_ID, "wamid.late", "failed", ours, REFUSED))).status == 200
    await bot.settle()
    await bot.settle()


def parameters(body: dict[str, Any]) -> list[str]:
    return [p["text"] for p in body["template"]["components"][0]["parameters"]]


async def test_a_late_131047_sends_the_message_again_as_the_template(
    make_bot: BotFactory,
) -> None:
    bot = await make_bot(handler=news, templates=REOPEN)
    bot.graph.approve("reopen_conversation", "en_US", 2)
    reply = await answered(bot, "where is my order")
    await refused_late(bot, reply["biz_opaque_callback_data"])
    [_, again] = bot.graph.to(WA_ID)
    assert again["type"] == "template"
    assert parameters(again)[1] == "You said: where is my order"
    assert [s.status for s in await bot.statuses()] == ["failed"]
    assert any("131047" in n for n in notes(await bot.transcript(), "window"))


async def test_after_a_late_131047_the_window_stays_closed_until_the_customer_writes(
    make_bot: BotFactory,
) -> None:
    bot = await make_bot(handler=news, templates=REOPEN)
    bot.graph.approve("reopen_conversation", "en_US", 2)
    reply = await answered(bot, "hi")
    await refused_late(bot, reply["biz_opaque_callback_data"])
    await shipped(bot)
    assert [body["type"] for body in bot.graph.to(WA_ID)] == ["text", "template", "template"]
    await answered(bot, "back again")
    assert bot.graph.to(WA_ID)[-1]["type"] == "text"


async def test_a_redelivered_late_131047_sends_it_again_once(make_bot: BotFactory) -> None:
    bot = await make_bot(handler=news, templates=REOPEN)
    bot.graph.approve("reopen_conversation", "en_US", 2)
    reply = await answered(bot, "hi")
    await refused_late(bot, reply["biz_opaque_callback_data"])
    await refused_late(bot, reply["biz_opaque_callback_data"])
    assert [body["type"] for body in bot.graph.to(WA_ID)] == ["text", "template"]
    assert [s.status for s in await bot.statuses()] == ["failed"]


async def test_a_late_131047_without_a_template_goes_by_sms(make_bot: BotFactory) -> None:
    bot = await make_bot(handler=news, sms=True)
    assert bot.twilio is not None
    assert (await bot.twilio.text(CUSTOMER, "hello")).status == 200
    await bot.settle()
    reply = await answered(bot, "where is my order")
    await refused_late(bot, reply["biz_opaque_callback_data"])
    sent = await bot.twilio.wait_sent(CUSTOMER, 2)
    assert sent[-1].body == "You said: where is my order"
    assert len(bot.graph.to(WA_ID)) == 1


async def test_a_late_131047_for_a_message_not_kept_closes_the_window_and_says_so(
    make_bot: BotFactory,
) -> None:
    bot = await make_bot(handler=news, templates=REOPEN)
    bot.graph.approve("reopen_conversation", "en_US", 2)
    await answered(bot, "hi")
    await refused_late(bot, "a-message-long-gone")
    assert len(bot.graph.to(WA_ID)) == 1
    [note] = [n for n in notes(await bot.transcript(), "window") if "131047" in n]
    assert "not sent again" in note
    await shipped(bot)
    assert bot.graph.to(WA_ID)[-1]["type"] == "template"


async def test_a_late_failure_of_another_kind_only_is_recorded(make_bot: BotFactory) -> None:
    bot = await make_bot(handler=news, templates=REOPEN)
    bot.graph.approve("reopen_conversation", "en_US", 2)
    reply = await answered(bot, "hi")
    other = [{"code": 131049, "title": "held back"}]
    ours = reply["biz_opaque_callback_data"]
    assert (await bot.notify(status(WA_ID, "wamid.x", "failed", ours, other))).status == 200
    await bot.settle()
    await shipped(bot)
    assert [body["type"] for body in bot.graph.to(WA_ID)] == ["text", "text"]
    assert [s.status for s in await bot.statuses()] == ["failed"]


async def test_twilios_late_63016_sends_the_message_again_by_sms(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    bot = await make_twilio_bot(sms=True)
    assert (await bot.twilio.text(CUSTOMER, "hello")).status == 200
    await bot.settle()
    before = len(bot.twilio.to(CUSTOMER))
    assert await bot.write("hi") == 200
    [reply] = await bot.replies(1)
    assert (await bot.twilio.report(reply, "failed", 63016)).status == 204
    await bot.settle()
    await bot.settle()
    by_sms = await bot.twilio.wait_sent(CUSTOMER, before + 1)
    assert by_sms[-1].body == reply.body
    assert [s.status for s in await bot.statuses()] == ["failed"]
