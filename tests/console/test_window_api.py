"""The console tells an agent when the customer's WhatsApp window is closed and what a reply
becomes then (the approved template, another channel, or nothing); the reply goes that way. It
shows what became of the agent's reply (delivered, read, failed) as WhatsApp reports it."""

from __future__ import annotations

from pathlib import Path

from bot.format.messages import VerifiedAttribute, utcnow
from bot.format.outbound import Template, Text
from bot.format.transcript import StatusEntry
from tests.console.kit import Desk, serving
from tests.helpers import Clock as Clock  # test_replies_browser.py imports it from here
from tests.whatsapp.kit import REOPEN_YAML

WHATSAPP_USER = "+5511987654321"
TEMPLATES = REOPEN_YAML  # test_replies_browser.py imports it from here


async def with_phone(desk: Desk, channel: str, text: str) -> None:
    """The customer writes on ``channel``, which vouches for their number (as WhatsApp and SMS
    do)."""
    phone = (VerifiedAttribute(kind="phone", value=WHATSAPP_USER, issuer=channel),)
    await desk.channels[channel].say(WHATSAPP_USER, text, verified=phone)
    await desk.settle()


async def held_by_ana(desk: Desk) -> str:
    await desk.online()
    await with_phone(desk, "whatsapp", "where is my order")
    await desk.say("whatsapp", WHATSAPP_USER, "A-12345")
    customer = await desk.customer("whatsapp", WHATSAPP_USER)
    ana = await desk.signed_in("ana")
    assert (await ana.act(customer, "claim")).status == 200
    await desk.settle()
    return customer


async def test_the_agent_sees_the_window_and_a_late_reply_goes_as_the_template(
    tmp_path: Path,
) -> None:
    clock = Clock(utcnow())
    async with serving(tmp_path, bot_yaml=REOPEN_YAML, names=("whatsapp",), clock=clock) as desk:
        customer = await held_by_ana(desk)
        ana = desk.agents[0]
        view = await ana.get(f"/agent/api/conversations/{customer}")
        assert view["window"]["channel"] == "whatsapp"
        assert view["window"]["open"] is True
        clock.advance(hours=25)
        view = await ana.get(f"/agent/api/conversations/{customer}")
        assert view["window"]["open"] is False
        assert view["window"]["then"] == "template reopen_conversation (en_US)"
        assert (await ana.act(customer, "reply", text="It ships today.")).status == 202
        await desk.settle()
        last = desk.channels["whatsapp"].sent[WHATSAPP_USER][-1]
        assert isinstance(last, Template)
        assert last.parameters == ("It ships today.",)


async def test_without_a_template_the_agent_is_told_the_reply_goes_by_sms(
    tmp_path: Path,
) -> None:
    clock = Clock(utcnow())
    async with serving(tmp_path, names=("whatsapp", "sms"), clock=clock) as desk:
        await with_phone(desk, "sms", "hello")
        customer = await held_by_ana(desk)
        assert await desk.customer("sms", WHATSAPP_USER) == customer
        ana = desk.agents[0]
        clock.advance(hours=25)
        view = await ana.get(f"/agent/api/conversations/{customer}")
        assert view["window"] == {
            "channel": "whatsapp",
            "open": False,
            "closes_at": view["window"]["closes_at"],
            "then": "sms",
        }
        before = len(desk.channels["whatsapp"].sent[WHATSAPP_USER])
        assert (await ana.act(customer, "reply", text="It ships today.")).status == 202
        await desk.settle()
        said = desk.channels["sms"].sent[WHATSAPP_USER][-1]
        assert isinstance(said, Text)
        assert said.text == "It ships today."
        assert len(desk.channels["whatsapp"].sent[WHATSAPP_USER]) == before


async def test_a_channel_without_a_window_shows_none(tmp_path: Path) -> None:
    async with serving(tmp_path) as desk:
        await desk.online()
        await desk.say("sms", "+12025550143", "where is my order")
        await desk.say("sms", "+12025550143", "A-12345")
        customer = await desk.customer("sms", "+12025550143")
        ana = await desk.signed_in("ana")
        view = await ana.get(f"/agent/api/conversations/{customer}")
        assert view["window"] is None


async def test_the_agent_sees_what_became_of_their_whatsapp_reply(tmp_path: Path) -> None:
    async with serving(tmp_path, names=("whatsapp",)) as desk:
        customer = await held_by_ana(desk)
        ana = desk.agents[0]
        assert (await ana.act(customer, "reply", text="It ships today.")).status == 202
        await desk.settle()
        view = await ana.get(f"/agent/api/conversations/{customer}")
        [reply] = [e for e in view["entries"] if e.get("agent") == "ana"]
        assert reply["channel"] == "whatsapp"
        reported = [
            StatusEntry(at=utcnow(), message_id=reply["message_id"], status="delivered"),
            StatusEntry(at=utcnow(), message_id=reply["message_id"], status="read"),
            StatusEntry(
                at=utcnow(), message_id=reply["message_id"], status="failed", detail="131026"
            ),
        ]
        await desk.runtime.pipeline.record(customer, reported)
        view = await ana.get(f"/agent/api/conversations/{customer}")
        statuses = [
            (e["message_id"], e["status"], e["detail"])
            for e in view["entries"]
            if e["from"] == "status"
        ]
        assert statuses == [
            (reply["message_id"], "delivered", None),
            (reply["message_id"], "read", None),
            (reply["message_id"], "failed", "131026"),
        ]
