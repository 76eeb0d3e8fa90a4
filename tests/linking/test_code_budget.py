"""The budget of one-time codes and the STOP rule, on every memory backend: counters in the
shared memory, a source that is the client and not the session, countries by region."""

from __future__ import annotations

from pathlib import Path

from bot.identity.code_budget import CodeBudget
from bot.identity.link_codes import LinkPolicy
from bot.turn.store import Memory
from tests.linking.kit import PHONE, Linked, code_in, linked_bot

ASKED = ["What's the code we texted you?"]


def budget(**limits: int) -> LinkPolicy:
    return LinkPolicy(budget=CodeBudget(countries={"US": None}, **limits))


async def ask(bot: Linked, user: str, phone: str, client: str | None = None) -> list[str]:
    await bot.say("webchat", user, "verify my phone", client=client)
    return await bot.say("webchat", user, phone, client=client)


def refused(reason: str) -> list[str]:
    return [f"I couldn't send a code ({reason})."]


def numbers(count: int) -> list[str]:
    return [f"+1202555{n:04d}" for n in range(100, 100 + count)]


async def test_the_sessions_of_one_client_share_its_codes_whoever_they_are(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory, budget(per_source=2)) as bot:
        answers = [await ask(bot, f"w{n}", phone, "ip:a") for n, phone in enumerate(numbers(4))]
        assert answers == [ASKED, ASKED, refused("limited"), refused("limited")]
        assert await ask(bot, "w9", "+12025550199", "ip:b") == ASKED
        assert [len(bot.sms_to(phone)) for phone in numbers(4)] == [1, 1, 0, 0]


async def test_a_channel_identity_is_its_own_source(tmp_path: Path, memory: Memory) -> None:
    async with linked_bot(tmp_path, memory, budget(per_source=1)) as bot:
        assert await ask(bot, "t1", PHONE) == ASKED
        code = code_in(bot.sms_to(PHONE))
        assert await bot.say("webchat", "t1", code) == ["Your phone is verified."]
        assert await ask(bot, "t1", "+12025550144") == refused("limited")
        assert await ask(bot, "t2", "+12025550144") == ASKED


async def test_requests_refused_for_their_source_never_spend_the_bots_budget(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory, budget(per_hour=3, per_source=1)) as bot:
        phones = iter(numbers(8))
        greedy = [await ask(bot, f"a{n}", next(phones), "ip:a") for n in range(3)]
        assert greedy == [ASKED, refused("limited"), refused("limited")]
        others = [await ask(bot, f"{c}1", next(phones), f"ip:{c}") for c in "bcd"]
        assert others == [ASKED, ASKED, refused("budget")]


async def test_codes_go_only_to_valid_numbers_of_the_allowed_countries(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        assert await ask(bot, "w2", "+12684641234") == refused("country")  # Antigua, on +1
        assert await ask(bot, "w3", "+447911123456") == refused("country")
        assert await ask(bot, "w4", PHONE) == ASKED
        assert bot.channels["sms"].sent.keys() == {PHONE}


async def test_by_default_no_country_is_allowed(tmp_path: Path, memory: Memory) -> None:
    async with linked_bot(tmp_path, memory, LinkPolicy()) as bot:
        assert await ask(bot, "w1", PHONE) == refused("country")
        assert bot.sms_to(PHONE) == []


async def test_a_number_that_said_stop_gets_no_code_until_it_says_start(
    tmp_path: Path, memory: Memory
) -> None:
    async with linked_bot(tmp_path, memory) as bot:
        await bot.say("sms", PHONE, "hello")
        await bot.command("sms", PHONE, "stop")
        before = len(bot.sms_to(PHONE))
        assert await ask(bot, "w1", PHONE) == refused("opted_out")
        assert await ask(bot, "w2", PHONE, "ip:b") == refused("opted_out")
        assert len(bot.sms_to(PHONE)) == before

        await bot.command("sms", PHONE, "start")
        assert await ask(bot, "w1", PHONE) == ASKED
