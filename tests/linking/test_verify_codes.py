"""One-time codes through Twilio Verify, end to end through ``omnibot run``: when
``TWILIO_VERIFY_SERVICE_SID`` is set, Verify sends and checks the code, and omnibot still
applies its budget and the STOP rule, and proves the phone only for the customer who asked.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fakes.verify import CHECK, START
from tests.linking.served_codes import ASK_CODE, VERIFIED, not_sent, served, text, us_numbers

pytestmark = pytest.mark.slow
PHONE = "+12025550143"


async def test_a_code_sent_and_checked_by_verify_proves_the_phone_and_joins_as_today(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    async with served(tmp_path, redis_url, namespace, verify=True) as bot:
        assert "  codes     by Twilio Verify to US; 100 an hour, 10 per client" in bot.server.banner
        await text(bot, PHONE, "where is my order", opted_out=False)
        await bot.twilio.wait_sent(PHONE, 1)
        texting = await bot.customer("sms", PHONE)
        chat = await bot.visitor()
        assert await chat.ask_code(PHONE) == [ASK_CODE]

        [started] = bot.verify.of(START)
        assert started.params == {"To": PHONE, "Channel": "sms"}
        assert bot.texted(PHONE) == ["What's your order number?"]  # no code by SMS
        [code] = bot.verify.codes_to(PHONE)
        wrong = "000000" if code != "000000" else "111111"
        assert await chat.say(wrong) == ["Wrong code, 4 tries left.", ASK_CODE]
        assert await chat.say(code) == [VERIFIED]

        assert [c.params for c in bot.verify.of(CHECK)] == [
            {"To": PHONE, "Code": wrong},
            {"To": PHONE, "Code": code},
        ]
        async with asyncio.timeout(20):
            while True:  # the join runs after the turn that proved the phone
                if await bot.customer("webchat", chat.user_id) == texting:
                    break
                await asyncio.sleep(0.05)
        verified = {"provider": "verify", "result": "verified"}
        assert await bot.metric("omnibot_code_checks_total", **verified) == 1


async def test_a_verify_code_that_expired_is_refused_and_a_new_one_can_be_asked_for(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    async with served(tmp_path, redis_url, namespace, verify=True) as bot:
        chat = await bot.visitor()
        assert await chat.ask_code(PHONE) == [ASK_CODE]
        [code] = bot.verify.codes_to(PHONE)
        bot.verify.expire(PHONE)
        assert await chat.say(code) == ["That code can't be used any more (expired)."]

        assert await chat.ask_code(PHONE) == [ASK_CODE]
        fresh = bot.verify.codes_to(PHONE)[-1]
        assert await chat.say(fresh) == [VERIFIED]


async def test_a_verify_code_proves_the_phone_only_for_the_session_that_asked(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    async with served(tmp_path, redis_url, namespace, verify=True) as bot:
        victim = await bot.visitor()
        assert await victim.ask_code(PHONE) == [ASK_CODE]
        [code] = bot.verify.codes_to(PHONE)
        attacker = await bot.visitor("127.0.0.2")
        assert await attacker.ask_code("+12025550144") == [ASK_CODE]
        assert await attacker.say(code) == ["Wrong code, 4 tries left.", ASK_CODE]
        assert [c.params["To"] for c in bot.verify.of(CHECK)] == ["+12025550144"]
        assert await victim.say(code) == [VERIFIED]


async def test_verify_gets_no_request_for_a_number_that_texted_stop_or_past_the_budget(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    linking = "{codes_per_source: 2}"
    async with served(tmp_path, redis_url, namespace, linking=linking, verify=True) as bot:
        await text(bot, PHONE, "STOP", opted_out=True)
        chat = await bot.visitor()
        assert await chat.ask_code(PHONE) == [not_sent("opted_out")]
        assert await chat.ask_code("+2348031234567") == [not_sent("country")]
        assert bot.verify.calls == []

        sessions = [await bot.visitor() for _ in range(3)]
        answers = [await s.ask_code(n) for s, n in zip(sessions, us_numbers(3), strict=True)]
        assert answers == [[ASK_CODE], [ASK_CODE], [not_sent("limited")]]
        assert [c.params["To"] for c in bot.verify.of(START)] == us_numbers(2)
