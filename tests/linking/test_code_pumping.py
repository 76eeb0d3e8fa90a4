"""SMS pumping and STOP, through ``omnibot run``: one-time codes cost money and consent.

A script opens anonymous web chat sessions, each a new customer, and asks each for a code to a
number of its choosing. Limits per number and per customer never stop it; what does is a budget
kept in the shared memory (bot-wide and per client) and an allow-list of countries. And a number
that texted STOP gets no code until it texts START, whoever asks.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.linking.kit import code_in
from tests.linking.served_codes import (
    ASK_CODE,
    VERIFIED,
    Served,
    Visitor,
    not_sent,
    served,
    text,
    us_numbers,
)

pytestmark = pytest.mark.slow

ELSEWHERE = [
    "+12684641234",  # Antigua and Barbuda: +1, but not the US
    "+2348031234567",  # Nigeria
    "+79161234567",  # Russia
    "+447911123456",  # Guernsey
    "+37060012345",  # Lithuania
    "+8801712345678",  # Bangladesh
]


async def pump(bot: Served, numbers: list[str], addresses: list[str]) -> list[list[str]]:
    """One new session per number, from the matching address, all at once; what each got."""

    async def one(number: str, address: str) -> list[str]:
        visitor = await bot.visitor(address)
        return await visitor.ask_code(number)

    return await asyncio.gather(*(one(n, a) for n, a in zip(numbers, addresses, strict=True)))


def spread(count: int) -> list[str]:
    """``count`` different client addresses (all on this machine's loopback)."""
    return [f"127.0.{1 + n // 200}.{10 + n % 200}" for n in range(count)]


async def test_one_client_opening_many_sessions_gets_codes_for_a_few(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    async with served(tmp_path, redis_url, namespace) as bot:
        line = "  codes     texted by the SMS channel to US; 100 an hour, 10 per client"
        assert line in bot.server.banner
        numbers = us_numbers(30)
        answers = await pump(bot, numbers, ["127.0.0.1"] * 30)

        texted = [n for n in numbers if bot.texted(n)]
        assert len(texted) == 10  # linking.codes_per_source, by default
        assert sorted(map(tuple, answers)) == sorted(
            [(ASK_CODE,)] * 10 + [(not_sent("limited"),)] * 20
        )
        other = await bot.visitor("127.0.0.2")
        assert await other.ask_code("+12025550199") == [ASK_CODE]
        assert await bot.metric("omnibot_code_sends_total", provider="sms", result="sent") == 11
        limited = {"provider": "sms", "result": "limited"}
        assert await bot.metric("omnibot_code_sends_total", **limited) == 20


async def test_pumping_codes_to_countries_the_bot_does_not_serve_texts_nothing(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    async with served(tmp_path, redis_url, namespace) as bot:
        numbers = [ELSEWHERE[n % len(ELSEWHERE)][:-2] + f"{n:02d}" for n in range(30)]
        answers = await pump(bot, numbers, spread(30))

        assert bot.twilio.sent == []
        assert all(answer == [not_sent("country")] for answer in answers), answers
        honest = await bot.visitor("127.0.9.9")
        assert await honest.ask_code("+12025550143") == [ASK_CODE]
        assert len(bot.twilio.sent) == 1


async def test_pumping_from_many_clients_stops_at_the_hourly_budget_across_workers(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    linking = "{code_countries: [US, BR], codes_per_hour: 10}"
    async with served(tmp_path, redis_url, namespace, linking=linking, workers=2) as bot:
        numbers = us_numbers(30)
        answers = await pump(bot, numbers, spread(30))

        assert len(bot.twilio.sent) == 10
        assert sorted(map(tuple, answers)) == sorted(
            [(ASK_CODE,)] * 10 + [(not_sent("budget"),)] * 20
        )
        late = await bot.visitor("127.0.9.9")
        assert await late.ask_code("+5511987654321") == [not_sent("budget")]
        assert len(bot.twilio.sent) == 10


async def test_a_country_can_have_a_budget_of_its_own(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    linking = "{code_countries: {US: 3, BR: null}}"
    async with served(tmp_path, redis_url, namespace, linking=linking) as bot:
        line = "texted by the SMS channel to BR, US (3 an hour); 100 an hour, 10 per client"
        assert f"  codes     {line}" in bot.server.banner
        answers = await pump(bot, us_numbers(5), spread(5))
        assert sorted(map(tuple, answers)) == sorted(
            [(ASK_CODE,)] * 3 + [(not_sent("budget"),)] * 2
        )
        brazilian = await bot.visitor("127.0.9.9")
        assert await brazilian.ask_code("+5511987654321") == [ASK_CODE]
        assert len(bot.twilio.sent) == 4


async def test_a_number_that_texted_stop_gets_no_code_until_it_texts_start(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    phone = "+12025550143"
    async with served(tmp_path, redis_url, namespace) as bot:
        await text(bot, phone, "STOP", opted_out=True)
        visitor = await bot.visitor()
        assert await visitor.ask_code(phone) == [not_sent("opted_out")]
        other = await bot.visitor("127.0.0.2")
        assert await other.ask_code(phone) == [not_sent("opted_out")]
        assert bot.texted(phone) == []

        await text(bot, phone, "START", opted_out=False)
        await verify_phone(visitor, bot, phone)
        opted_out = {"provider": "sms", "result": "opted_out"}
        assert await bot.metric("omnibot_code_sends_total", **opted_out) == 2


async def verify_phone(visitor: Visitor, bot: Served, phone: str) -> None:
    """The honest flow: a code comes, and typing it proves the phone."""
    assert await visitor.ask_code(phone) == [ASK_CODE]
    code = code_in(bot.texted(phone))
    assert await visitor.say(code) == [VERIFIED]
