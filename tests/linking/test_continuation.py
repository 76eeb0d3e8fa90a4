"""One customer across channels: linking on proof, then going on where the conversation was.

These run the real pipeline, dialog engine and memory (both backends, Redis for real) with
loopback channels; the same journeys through the real connectors are in ``test_journey.py``.
"""

from __future__ import annotations

from pathlib import Path

from bot.format.messages import VerifiedAttribute
from bot.identity.link_codes import LinkPolicy
from bot.identity.texted_codes import ISSUER
from bot.turn.store import Memory
from tests.helpers import text_of
from tests.linking.kit import (
    LINKED,
    PHONE,
    code_in,
    linked_bot,
    question,
    sms_vouched,
    token_in,
)


async def test_a_deep_link_continues_on_telegram_at_the_pending_question(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("webchat", "w1", "where is my order")
        assert await bot.say("webchat", "w1", "A-12345") == ["What's your email?"]
        offered = await bot.say("webchat", "w1", "continue on my phone")
        assert offered[-1] == "What's your email?"
        token = token_in(offered)
        started = (await bot.customer("webchat", "w1")).created_at

        asked = await bot.start("telegram", "t1", token)

        assert asked == [question("web chat", started)]
        assert await bot.who("telegram", "t1") != await bot.who("webchat", "w1")
        assert set(bot.buttons("telegram", "t1")) == {"Yes", "No"}
        replies = await bot.press("telegram", "t1", bot.buttons("telegram", "t1")["Yes"])
        assert replies == [
            "Done: this chat is now part of your conversation.",
            "Welcome back! We were checking order A-12345.",
            "What's your email?",
        ]
        assert await bot.who("telegram", "t1") == await bot.who("webchat", "w1")
        notice = bot["webchat"].sent["w1"][-1]
        assert "continues on Telegram too" in text_of(notice)
        assert await bot.say("telegram", "t1", "me@example.com") == ["Which size?"]
        record = await bot.customer("telegram", "t1")
        assert record.slots["order_id"] == "A-12345"
        assert record.slots["email"] == "me@example.com"


async def test_a_code_texted_from_a_new_phone_continues_by_sms(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("webchat", "w1", "track my order")
        await bot.say("webchat", "w1", "B-20003")
        code = code_in(await bot.say("webchat", "w1", "continue on my phone"))
        started = (await bot.customer("webchat", "w1")).created_at

        asked = await bot.say("sms", PHONE, code, verified=sms_vouched())
        assert asked == [f"{question('web chat', started)}\n1. Yes\n2. No"]
        assert await bot.who("sms", PHONE) != await bot.who("webchat", "w1")
        replies = await bot.say("sms", PHONE, "1", verified=sms_vouched())

        assert replies == [
            LINKED,
            "Welcome back! We were checking order B-20003.",
            "What's your email?",
        ]
        record = await bot.customer("sms", PHONE)
        assert record.id == await bot.who("webchat", "w1")
        assert set(record.addresses) == {"webchat", "sms"}
        assert (await bot.say("sms", PHONE, "me@example.com"))[0].startswith("Which size?")


async def test_a_phone_the_channel_vouches_for_links_a_new_channel_on_its_own(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("sms", PHONE, "where is my order", verified=sms_vouched())
        await bot.say("sms", PHONE, "C-77777", verified=sms_vouched())
        contact = VerifiedAttribute(kind="phone", value=PHONE, issuer="telegram")

        replies = await bot.say("telegram", "t9", "hello", verified=(contact,))

        assert replies == ["Welcome back! We were checking order C-77777.", "What's your email?"]
        assert await bot.who("telegram", "t9") == await bot.who("sms", PHONE)


async def test_an_answer_given_on_the_new_channel_is_taken_at_once(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("sms", PHONE, "where is my order", verified=sms_vouched())
        await bot.say("sms", PHONE, "C-77777", verified=sms_vouched())
        contact = VerifiedAttribute(kind="phone", value=PHONE, issuer="telegram")

        replies = await bot.say("telegram", "t9", "me@example.com", verified=(contact,))

        assert replies == ["Which size?"]


async def test_automatic_linking_can_be_turned_off(tmp_path: Path, memory: Memory) -> None:
    async with linked_bot(tmp_path, memory, LinkPolicy(automatic=frozenset())) as bot:
        await bot.say("sms", PHONE, "where is my order", verified=sms_vouched())
        contact = VerifiedAttribute(kind="phone", value=PHONE, issuer="telegram")
        await bot.say("telegram", "t9", "hello", verified=(contact,))
        assert await bot.who("telegram", "t9") != await bot.who("sms", PHONE)


async def test_a_phone_proven_by_a_one_time_code_is_verified_and_reachable(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("webchat", "w1", "verify my phone")
        assert await bot.say("webchat", "w1", "+1 202 555 0143") == [
            "What's the code we texted you?"
        ]
        sent = bot.sms_to(PHONE)
        assert len(sent) == 1
        assert "expires in 10 minutes" in sent[0]
        code = code_in(sent)
        wrong = "00000000" if code != "00000000" else "11111111"
        assert await bot.say("webchat", "w1", wrong) == [
            "Wrong code, 4 tries left.",
            "What's the code we texted you?",
        ]
        assert await bot.say("webchat", "w1", code) == ["Your phone is verified."]

        record = await bot.customer("webchat", "w1")
        assert VerifiedAttribute(kind="phone", value=PHONE, issuer=ISSUER) in record.verified
        assert await bot.say("webchat", "w1", "text my phone") == [
            "I've sent the tracking link to your phone."
        ]
        assert bot.sms_to(PHONE)[-1] == "Here is your tracking link."
        said = [str(e) for e in await memory.transcript(record.id, 100) if e.type != "in"]
        assert not any(code.replace(" ", "") in text.replace(" ", "") for text in said)


async def test_texting_from_a_proven_phone_continues_the_web_chat_conversation(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("webchat", "w1", "verify my phone")
        await bot.say("webchat", "w1", PHONE)
        await bot.say("webchat", "w1", code_in(bot.sms_to(PHONE)))
        await bot.say("webchat", "w1", "where is my order")
        await bot.say("webchat", "w1", "D-10101")

        replies = await bot.say("sms", PHONE, "hi", verified=sms_vouched())

        assert replies == ["Welcome back! We were checking order D-10101.", "What's your email?"]
        assert await bot.who("sms", PHONE) == await bot.who("webchat", "w1")


async def test_proving_the_phone_of_an_earlier_sms_conversation_joins_the_two(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("sms", PHONE, "where is my order", verified=sms_vouched())
        await bot.say("sms", PHONE, "E-55555", verified=sms_vouched())
        sms_customer = await bot.who("sms", PHONE)
        await bot.say("webchat", "w1", "verify my phone")
        await bot.say("webchat", "w1", PHONE)

        assert await bot.say("webchat", "w1", code_in(bot.sms_to(PHONE))) == [
            "Your phone is verified.",
            "Welcome back! We were checking order E-55555.",
            "What's your email?",
        ]

        assert await bot.who("webchat", "w1") == sms_customer
        record = await bot.customer("webchat", "w1")
        assert record.slots["order_id"] == "E-55555"  # the flow under way goes on
        assert set(record.addresses) == {"webchat", "sms"}
        assert await bot.say("webchat", "w1", "me@example.com") == ["Which size?"]
        notes = [e for e in await memory.transcript(record.id, 100) if e.type == "note"]
        assert any(n.kind == "merge" for n in notes)


async def test_a_flow_can_text_the_customer_on_another_of_their_channels(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("sms", PHONE, "hi", verified=sms_vouched())
        contact = VerifiedAttribute(kind="phone", value=PHONE, issuer="telegram")
        await bot.say("telegram", "t9", "hello", verified=(contact,))

        assert await bot.say("telegram", "t9", "text my phone") == [
            "I've sent the tracking link to your phone."
        ]
        assert bot.sms_to(PHONE)[-1] == "Here is your tracking link."
