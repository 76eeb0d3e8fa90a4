"""Every way we could think of to get into someone else's conversation, and that none works.

The victim is a customer on SMS in the middle of an order (their phone is vouched for by the
SMS channel); the attacker chats on the web chat or Telegram.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.format.messages import VerifiedAttribute, VerifiedKind
from bot.identity.link_codes import CodeRules, LinkPolicy
from bot.turn.store import Memory, MemoryPolicy
from dialogs.design.defaults import MESSAGES
from tests.helpers import make_memory
from tests.linking.kit import (
    PHONE,
    Linked,
    code_in,
    linked_bot,
    sms_vouched,
    texts,
    token_in,
)


async def victim(bot: Linked) -> str:
    await bot.say("sms", PHONE, "where is my order", verified=sms_vouched())
    await bot.say("sms", PHONE, "V-11111", verified=sms_vouched())
    customer = await bot.who("sms", PHONE)
    assert customer is not None
    return customer


async def assert_apart(bot: Linked, channel: str, user: str, victim_id: str) -> None:
    assert await bot.who(channel, user) != victim_id
    attacker = await bot.customer(channel, user)
    assert "order_id" not in attacker.slots
    assert attacker.verified == () or all(a.value != PHONE for a in attacker.verified)
    texts = [str(e) for e in await bot.memory.transcript(attacker.id, 200)]
    assert not any("V-11111" in text for text in texts)


async def verify_phone(bot: Linked, user: str, phone: str) -> list[str]:
    """The web chat user ``user`` asks to verify ``phone``; what the bot answers (it texts the
    code to ``phone``)."""
    await bot.say("webchat", user, "verify my phone")
    return await bot.say("webchat", user, phone)


async def test_typing_someone_elses_phone_number_gets_nothing_of_theirs(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim(bot)
        replies = await verify_phone(bot, "x", PHONE)
        assert replies == ["What's the code we texted you?"]
        await bot.say("webchat", "x", "hello")
        await assert_apart(bot, "webchat", "x", victim_id)


async def test_guessing_a_one_time_code_locks_it_even_for_the_right_code(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim(bot)
        await verify_phone(bot, "x", PHONE)
        real = code_in(bot.sms_to(PHONE)).replace(" ", "")
        guesses = [f"{n:08d}" for n in range(10) if f"{n:08d}" != real][:5]
        for guess in guesses:
            replies = await bot.say("webchat", "x", guess)
        assert replies == ["That code can't be used any more (locked)."]
        await verify_phone(bot, "x", PHONE)  # a new code goes to the victim's phone, not here
        assert await bot.say("webchat", "x", real) == [
            "Wrong code, 4 tries left.",
            "What's the code we texted you?",
        ]
        await assert_apart(bot, "webchat", "x", victim_id)


async def test_a_one_time_code_only_proves_the_phone_for_whoever_asked_for_it(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim(bot)
        await verify_phone(bot, "asker", PHONE)
        code = code_in(bot.sms_to(PHONE))
        await verify_phone(bot, "x", "+1 415 555 2671")
        await bot.say("webchat", "x", code)
        await bot.say("webchat", "x", "link " + code)
        await assert_apart(bot, "webchat", "x", victim_id)


async def test_sending_codes_to_a_phone_is_limited(tmp_path: Path, memory: Memory) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        for attempt in range(4):
            replies = await verify_phone(bot, f"x{attempt}", PHONE)
        assert replies == ["I couldn't send a code (limited)."]
        assert len(bot.sms_to(PHONE)) == 3


async def test_a_link_code_works_once(tmp_path: Path, memory: Memory) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim(bot)
        code = code_in(await bot.say("sms", PHONE, "continue on my phone", verified=sms_vouched()))
        await bot.say("telegram", "friend", code)
        await bot.say("telegram", "friend", "Yes")
        assert await bot.who("telegram", "friend") == victim_id
        assert await bot.say("telegram", "x", code) == [
            "That code isn't valid or has expired. Ask for a new one where you started."
        ]
        await assert_apart(bot, "telegram", "x", victim_id)


async def test_a_link_code_expires(tmp_path: Path, memory: Memory) -> None:
    policy = LinkPolicy(rules=CodeRules(lifetime=timedelta(milliseconds=400)))
    async with linked_bot(tmp_path, memory, policy) as bot:
        victim_id = await victim(bot)
        offered = await bot.say("sms", PHONE, "continue on my phone", verified=sms_vouched())
        await asyncio.sleep(0.6)
        await bot.start("telegram", "x", token_in(offered))
        await assert_apart(bot, "telegram", "x", victim_id)


async def test_guessing_link_codes_from_one_identity_is_cut_off(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim(bot)
        code = code_in(await bot.say("sms", PHONE, "continue on my phone", verified=sms_vouched()))
        for n in range(5):
            await bot.say("webchat", "x", f"link {n:08d}")
        assert await bot.say("webchat", "x", f"link {code}") == [
            "Too many tries. Please wait a few minutes and try again."
        ]
        await assert_apart(bot, "webchat", "x", victim_id)


async def test_guessing_link_codes_from_many_identities_is_cut_off(
    tmp_path: Path, memory: Memory
) -> None:
    policy = LinkPolicy(rules=CodeRules(redeem_per_minute=3))
    async with linked_bot(tmp_path, memory, policy) as bot:
        victim_id = await victim(bot)
        code = code_in(await bot.say("sms", PHONE, "continue on my phone", verified=sms_vouched()))
        for n in range(3):
            await bot.say("webchat", f"x{n}", f"link {n:08d}")
        assert await bot.say("webchat", "x9", f"link {code}") == [
            "Too many tries. Please wait a few minutes and try again."
        ]
        await assert_apart(bot, "webchat", "x9", victim_id)


async def test_a_bare_number_later_in_a_conversation_is_an_answer_not_a_code(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim(bot)
        code = code_in(await bot.say("sms", PHONE, "continue on my phone", verified=sms_vouched()))
        await bot.say("webchat", "x", "hello")
        await bot.say("webchat", "x", code.replace(" ", ""))
        await assert_apart(bot, "webchat", "x", victim_id)
        assert await bot.say("telegram", "friend", code)  # still unused: the owner can use it
        await bot.say("telegram", "friend", "Yes")
        assert await bot.who("telegram", "friend") == victim_id


async def test_an_attribute_of_a_kind_the_bot_does_not_link_on_links_nothing(
    tmp_path: Path, memory: Memory
) -> None:
    policy = LinkPolicy(automatic=frozenset({"email"}))
    async with linked_bot(tmp_path, memory, policy) as bot:
        victim_id = await victim(bot)
        claimed = VerifiedAttribute(kind="phone", value=PHONE, issuer="telegram")
        await bot.say("telegram", "x", "hello", verified=(claimed,))
        assert await bot.who("telegram", "x") != victim_id
        assert "order_id" not in (await bot.customer("telegram", "x")).slots
        assert await memory.owner(claimed) is None  # not a kind that links: not indexed


async def test_codes_are_stored_only_as_digests(
    tmp_path: Path, memory: Memory, backend: str, redis_client: Redis, namespace: str
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        offered = await bot.say("webchat", "w", "continue on my phone")
        await verify_phone(bot, "w", PHONE)
        secrets_ = {code_in(offered).replace(" ", ""), token_in(offered)}
        secrets_.add(code_in(bot.sms_to(PHONE)).replace(" ", ""))
        if backend == "redis":
            stored = b""
            async for key in redis_client.scan_iter(match=f"{namespace}:secret:*"):
                stored += key + (await redis_client.get(key) or b"")
            assert stored
            assert not any(secret.encode() in stored for secret in secrets_)


def site_user(sub: str) -> tuple[VerifiedAttribute, ...]:
    """What the web chat vouches for a customer the host site signed in as ``sub``."""
    return (VerifiedAttribute(kind="external_id", value=sub, issuer="webchat"),)


async def test_site_users_whose_ids_differ_only_in_case_are_two_customers(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("webchat", "u:User42", "where is my order", verified=site_user("User42"))
        await bot.say("webchat", "u:User42", "V-11111", verified=site_user("User42"))
        victim_id = await bot.who("webchat", "u:User42")
        assert victim_id is not None
        await bot.say("webchat", "u:user42", "hello", verified=site_user("user42"))
        await assert_apart(bot, "webchat", "u:user42", victim_id)
        assert [a.value for a in (await bot.customer("webchat", "u:user42")).verified] == ["user42"]


async def test_an_index_entry_an_earlier_version_wrote_lowercased_joins_nobody(
    tmp_path: Path, redis_url: str, redis_client: Redis, namespace: str
) -> None:
    memory = make_memory("redis", redis_url, namespace, MemoryPolicy())
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("webchat", "u:User42", "where is my order", verified=site_user("User42"))
        await bot.say("webchat", "u:User42", "V-11111", verified=site_user("User42"))
        victim_id = await bot.who("webchat", "u:User42")
        assert victim_id is not None
        # Before site user ids were kept exactly, "User42" was indexed as this key.
        await redis_client.set(f"{namespace}:attr:external_id:webchat:user42", victim_id)
        await bot.say("webchat", "u:user42", "hello", verified=site_user("user42"))
        await assert_apart(bot, "webchat", "u:user42", victim_id)
    await memory.close()


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        ("external_id", "User42", "User42"),
        ("email", " Ana@Shop.Example", "ana@shop.example"),
        ("phone", "+1 (202) 555-0143", "+12025550143"),
    ],
)
def test_an_attribute_is_held_in_the_one_form_it_is_compared_in(
    kind: VerifiedKind, given: str, stored: str
) -> None:
    attribute = VerifiedAttribute(kind=kind, value=given, issuer="webchat")
    assert attribute.value == stored
    assert attribute.same(VerifiedAttribute(kind=kind, value=stored, issuer="webchat"))


LIMITED = MESSAGES["link_limited"]["en"]
INVALID = MESSAGES["link_invalid"]["en"]


async def say_anonymously(bot: Linked, user: str, text: str) -> list[str]:
    """``user`` types ``text`` in an anonymous web chat session (one anyone can open)."""
    connector = bot["webchat"]
    before = len(connector.sent[user])
    await connector.submit(user, None, kind="text", text=text, anonymous=True)
    await bot.pipeline.join()
    return texts(connector.sent[user][before:])


def honoured(replies: list[str]) -> bool:
    """The code was found and not refused (what the bot then asks or does is joining's)."""
    return bool(replies) and not any(r in (LIMITED, INVALID) for r in replies)


async def test_a_bare_code_is_no_code_as_the_first_message_of_an_anonymous_session(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        victim_id = await victim(bot)
        code = code_in(await bot.say("sms", PHONE, "continue on my phone", verified=sms_vouched()))
        replies = await say_anonymously(bot, "x", code.replace(" ", ""))
        assert not any(r in (LIMITED, INVALID) for r in replies)  # not taken as a code at all
        await assert_apart(bot, "webchat", "x", victim_id)
        assert honoured(await bot.say("telegram", "friend", f"link {code}"))  # still unused


async def test_guessing_in_anonymous_sessions_leaves_other_channels_their_budget(
    tmp_path: Path, memory: Memory
) -> None:
    rules = CodeRules(redeem_per_minute=3, anonymous_redeem_per_minute=3)
    async with linked_bot(tmp_path, memory, LinkPolicy(rules=rules)) as bot:
        victim_id = await victim(bot)
        code = code_in(await bot.say("sms", PHONE, "continue on my phone", verified=sms_vouched()))
        for n in range(3):
            await say_anonymously(bot, f"x{n}", f"link {n:08d}")
        assert await say_anonymously(bot, "x9", f"link {code}") == [LIMITED]
        await assert_apart(bot, "webchat", "x9", victim_id)
        assert honoured(await bot.say("telegram", "friend", f"link {code}"))


async def test_a_link_token_is_taken_whatever_guessers_used_up(
    tmp_path: Path, memory: Memory
) -> None:
    rules = CodeRules(redeem_per_minute=1, anonymous_redeem_per_minute=1)
    async with linked_bot(tmp_path, memory, LinkPolicy(rules=rules)) as bot:
        await victim(bot)
        offered = await bot.say("sms", PHONE, "continue on my phone", verified=sms_vouched())
        for n in range(2):
            await say_anonymously(bot, f"x{n}", f"link {n:08d}")
            await bot.say("telegram", f"y{n}", f"link {n:08d}")
        assert await bot.say("telegram", "y9", "link 00000009") == [LIMITED]
        assert honoured(await bot.start("telegram", "friend", token_in(offered)))
