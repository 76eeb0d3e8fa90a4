"""A link code joins two conversations only when the person who presented it says yes.

The attacker asks for a code in their own anonymous web chat and gets someone else (the victim,
who has a conversation of their own, slots and a verified phone) to present it: typed, texted,
in a deep link. The victim is asked, on their channel, whether to join "a web chat conversation
started today at 14:02"; until they say yes nothing is joined and nothing of either side reaches
the other; no, anything else, a yes from elsewhere, a forged or late yes joins nothing. After a
yes the conversation is one, and each channel is shown its own past and everything from the join
on (see ``bot.identity.visibility``).

The real pipeline, dialog engine and memory (both backends, Redis for real), with loopback
channels; the same attacks through ``omnibot run`` and the real connectors are in
``test_consent_run.py``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.format.messages import ChannelIdentity, InboundEvent, VerifiedAttribute
from bot.format.transcript import InboundEntry, Logged, OutboundEntry
from bot.identity.link_codes import CodeRules, LinkPolicy
from bot.turn.store import Memory
from tests.helpers import text_of
from tests.linking.kit import (
    DECLINED,
    LINKED,
    PHONE,
    Linked,
    code_in,
    linked_bot,
    question,
    refused,
    sms_vouched,
    texts,
    token_in,
)

ATTACKER = "attacker"
SIZES = "Which size?\n1. Small\n2. Medium\n3. Large"
TELEGRAM_PHONE = VerifiedAttribute(kind="phone", value=PHONE, issuer="telegram")


async def victim_on_sms(bot: Linked) -> str:
    """A customer on SMS in the middle of an order, with their phone vouched for."""
    await bot.say("sms", PHONE, "where is my order", verified=sms_vouched())
    await bot.say("sms", PHONE, "V-11111", verified=sms_vouched())
    customer = await bot.who("sms", PHONE)
    assert customer is not None
    return customer


async def attackers_code(bot: Linked) -> tuple[str, str, str]:
    """The attacker's customer id, code and deep-link token, from their anonymous web chat."""
    offered = await bot.say("webchat", ATTACKER, "continue on my phone")
    attacker = await bot.who("webchat", ATTACKER)
    assert attacker is not None
    return attacker, code_in(offered), token_in(offered)


async def victim_asked_to_join(bot: Linked) -> tuple[str, str]:
    """The victim on SMS, asked whether to join the attacker's conversation (they typed the
    attacker's code): the victim's customer id and the attacker's."""
    victim_id = await victim_on_sms(bot)
    attacker_id, code, _ = await attackers_code(bot)
    await bot.say("sms", PHONE, f"link {code}", verified=sms_vouched())
    return victim_id, attacker_id


async def nothing_of_the_victim(bot: Linked, attacker_id: str, victim_id: str) -> None:
    """The two are apart: the attacker's customer holds nothing of the victim's."""
    assert attacker_id != victim_id
    assert await bot.who("webchat", ATTACKER) == attacker_id
    attacker = await bot.memory.load(attacker_id)
    assert attacker is not None
    assert "order_id" not in attacker.slots
    assert all(a.value != PHONE for a in attacker.verified)
    assert await bot.memory.owner(sms_vouched()[0]) == victim_id
    texts = [str(e) for e in await bot.memory.transcript(attacker_id, 500)]
    assert not any("V-11111" in text for text in texts)
    victim = await bot.memory.load(victim_id)
    assert victim is not None
    assert victim.slots["order_id"] == "V-11111"


def said(logged: list[Logged]) -> list[str]:
    """The texts of customer messages and bot messages among ``logged``."""
    found = []
    for entry in (item.entry for item in logged):
        if isinstance(entry, InboundEntry) and isinstance(entry.event, InboundEvent):
            found.append(entry.event.text or entry.event.payload or "")
        elif isinstance(entry, OutboundEntry):
            found.append(getattr(entry.message, "text", ""))
    return found


async def test_a_code_typed_by_someone_else_asks_them_and_joins_nothing_until_yes(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim_on_sms(bot)
        attacker_id, code, _ = await attackers_code(bot)
        started = (await bot.customer("webchat", ATTACKER)).created_at

        asked = await bot.say("sms", PHONE, f"link {code}", verified=sms_vouched())

        assert asked == [f"{question('web chat', started)}\n1. Yes\n2. No"]
        await nothing_of_the_victim(bot, attacker_id, victim_id)
        assert len(bot["webchat"].sent[ATTACKER]) == 1  # the attacker heard nothing either
        assert await bot.say("sms", PHONE, "1", verified=sms_vouched()) == [
            LINKED,
            "Welcome back! We were checking order V-11111.",
            "What's your email?",
        ]
        assert await bot.who("sms", PHONE) == attacker_id  # the one who asked keeps their id


async def test_no_to_a_deep_link_joins_nothing_spends_the_code_and_tells_the_asker(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("telegram", "v", "where is my order")
        await bot.say("telegram", "v", "V-11111")
        victim_id = await bot.who("telegram", "v")
        attacker_id, _, token = await attackers_code(bot)

        await bot.start("telegram", "v", token)
        assert await bot.press("telegram", "v", bot.buttons("telegram", "v")["No"]) == [
            DECLINED,
            "What's your email?",
        ]

        assert await bot.who("telegram", "v") == victim_id != attacker_id
        assert text_of(bot["webchat"].sent[ATTACKER][-1]) == refused("Telegram")
        assert (await bot.customer("telegram", "v")).joining is None
        assert await bot.start("telegram", "v", token) == [
            "That code isn't valid or has expired. Ask for a new one where you started.",
            "What's your email?",
        ]


async def test_anything_but_yes_declines(tmp_path: Path, memory: Memory) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id, attacker_id = await victim_asked_to_join(bot)

        assert await bot.say("sms", PHONE, "yes please", verified=sms_vouched()) == [
            DECLINED,
            "What's your email?",
        ]

        await nothing_of_the_victim(bot, attacker_id, victim_id)
        assert await bot.say("sms", PHONE, "1", verified=sms_vouched()) != [LINKED]
        assert await bot.who("sms", PHONE) == victim_id


async def test_a_yes_payload_with_no_question_pending_joins_nothing(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim_on_sms(bot)
        attacker_id, code, _ = await attackers_code(bot)
        await bot.say("telegram", "x", f"link {code}")
        stale = bot.buttons("telegram", "x")["Yes"]  # a real yes, of another question
        await bot.press("telegram", "x", bot.buttons("telegram", "x")["No"])

        await bot.press("sms", PHONE, stale)
        await bot.press("sms", PHONE, "link:yes:" + "A" * 22)

        await nothing_of_the_victim(bot, attacker_id, victim_id)
        assert await bot.who("telegram", "x") not in (attacker_id, victim_id)
        assert (await bot.customer("sms", PHONE)).joining is None


async def test_any_payload_at_all_while_a_question_waits_declines_without_a_fault(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id, attacker_id = await victim_asked_to_join(bot)

        assert await bot.press("sms", PHONE, "link:yes:ñandú ☃") == [DECLINED, "What's your email?"]

        await nothing_of_the_victim(bot, attacker_id, victim_id)


async def test_the_yes_of_an_older_question_does_not_answer_a_newer_one(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim_on_sms(bot)
        _, first, _ = await attackers_code(bot)
        await bot.say("sms", PHONE, f"link {first}", verified=sms_vouched())
        old = (await bot.customer("sms", PHONE)).joining
        assert old is not None
        await bot.say("sms", PHONE, "2", verified=sms_vouched())
        attacker_id, second, _ = await attackers_code(bot)
        await bot.say("sms", PHONE, f"link {second}", verified=sms_vouched())

        assert await bot.press("sms", PHONE, old.yes) == [DECLINED, "What's your email?"]

        await nothing_of_the_victim(bot, attacker_id, victim_id)


async def test_only_the_channel_that_was_asked_can_say_yes(tmp_path: Path, memory: Memory) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim_on_sms(bot)
        await bot.say("telegram", "v", "hello", verified=(TELEGRAM_PHONE,))
        assert await bot.who("telegram", "v") == victim_id
        attacker_id, _, token = await attackers_code(bot)
        await bot.start("telegram", "v", token)

        await bot.say("sms", PHONE, "Yes", verified=sms_vouched())  # the victim's other channel

        await nothing_of_the_victim(bot, attacker_id, victim_id)
        pending = (await bot.customer("sms", PHONE)).joining
        assert pending is not None  # still waiting for Telegram's answer
        assert pending.identity == "telegram:v"
        await bot.press("telegram", "v", pending.yes)
        assert await bot.who("sms", PHONE) == attacker_id


async def test_a_question_left_unanswered_expires_with_the_code(
    tmp_path: Path, memory: Memory
) -> None:
    policy = LinkPolicy(rules=CodeRules(lifetime=timedelta(milliseconds=300)))
    async with linked_bot(tmp_path, memory, policy) as bot:
        victim_id, attacker_id = await victim_asked_to_join(bot)
        await asyncio.sleep(0.5)

        assert await bot.say("sms", PHONE, "1", verified=sms_vouched()) == [
            "That code isn't valid or has expired. Ask for a new one where you started.",
            "What's your email?",
        ]
        await nothing_of_the_victim(bot, attacker_id, victim_id)


async def test_the_question_waits_in_the_shared_memory_for_any_worker(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path / "one", memory) as first:
        await first.say("webchat", "w1", "where is my order")
        await first.say("webchat", "w1", "A-12345")
        code = code_in(await first.say("webchat", "w1", "continue on my phone"))
        await first.say("sms", PHONE, code, verified=sms_vouched())
    async with linked_bot(tmp_path / "two", memory) as second:
        # another worker: its channels number events afresh, so this one gets an id of its own
        await second["sms"].say(PHONE, "1", event_id="two-1", verified=sms_vouched())
        await second.pipeline.join()
        assert texts(second["sms"].sent[PHONE])[0] == LINKED
        assert await second.who("sms", PHONE) == await second.who("webchat", "w1")


async def test_before_the_yes_neither_side_learns_anything_of_the_other(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id, attacker_id = await victim_asked_to_join(bot)

        await nothing_of_the_victim(bot, attacker_id, victim_id)
        victim = await bot.memory.transcript(victim_id, 500)
        assert not any("continue on my phone" in str(e) for e in victim)
        assert "V-11111" not in str(bot["webchat"].sent[ATTACKER])
        assert "continue on my phone" not in str(bot["sms"].sent[PHONE])


async def test_after_the_yes_each_channel_is_shown_its_own_past_and_everything_since(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id, attacker_id = await victim_asked_to_join(bot)
        await bot.say("sms", PHONE, "1", verified=sms_vouched())
        await bot.say("sms", PHONE, "me@example.com", verified=sms_vouched())

        web = ChannelIdentity(channel="webchat", user_id=ATTACKER)
        sms = ChannelIdentity(channel="sms", user_id=PHONE)
        attacker_sees = said((await bot.pipeline.shown(attacker_id, web, None, 500)).entries)
        victim_sees = said((await bot.pipeline.shown(attacker_id, sms, None, 500)).entries)
        everything = said(await memory.entries(attacker_id, None, 500))

        assert "V-11111" in everything  # agents see the whole of it
        assert "V-11111" not in attacker_sees
        assert "where is my order" not in attacker_sees
        assert "continue on my phone" in attacker_sees
        assert attacker_sees[-2:] == ["me@example.com", SIZES]
        assert "continue on my phone" not in victim_sees
        assert victim_sees[:2] == ["where is my order", "What's your order number?"]
        assert victim_sees[-2:] == ["me@example.com", SIZES]
        assert await bot.memory.load(victim_id) is None  # folded into the attacker's customer
