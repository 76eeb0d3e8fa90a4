"""The webhook with the example store bot, end to end: Telegram's side is played by the test
(posting updates with the secret header) and by the fake Bot API (checking every call)."""

from __future__ import annotations

import json
import time

import pytest

from bot.format.messages import VerifiedAttribute
from bot.format.transcript import StatusEntry
from connectors.telegram.connector import ALLOWED_UPDATES
from tests.fakes.base import Call, Failure
from tests.fakes.telegram import USERNAME, FakeTelegram, forbidden, rate_limited
from tests.fakes.telegram_updates import ANA, GROUP, JOHN, MARIA
from tests.telegram.kit import ASK_ORDER, GREETING, PUBLIC_URL, SECRET, StartBot

ASK_ORDER_PT = "Qual é o número do pedido? Ele está no e-mail de confirmação, por exemplo A-12345."
ASK_PHONE = "What phone number can the courier call on the day?"


def texts(calls: list[Call]) -> list[str]:
    return [str(c.params.get("text") or c.params.get("caption")) for c in calls]


async def test_the_webhook_is_registered_at_start_with_the_secret_and_update_types(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    await start_bot()
    await fake.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
    assert len(fake.of("getMe")) == 1
    [registered] = fake.of("setWebhook")
    assert registered.params["url"] == f"{PUBLIC_URL}/telegram/webhook"
    assert registered.params["secret_token"] == SECRET
    assert registered.params["allowed_updates"] == list(ALLOWED_UPDATES)
    assert fake.webhook is not None


async def test_without_a_public_url_nothing_is_registered(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(public_url=None)
    await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert fake.texts(JOHN.id) == [GREETING]
    assert fake.of("setWebhook") == []


async def test_a_conversation_with_a_button_press_answered(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    [greeting] = await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert greeting.params["text"] == GREETING
    keyboard = greeting.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == [
        "Order status",
        "Exchanges and returns",
        "Change delivery address",
        "Talk to a person",
    ]
    press = bot.updates.press(JOHN, keyboard[0][0]["callback_data"], keyboard=keyboard)
    answer = await bot.deliver(press)
    assert answer == {
        "method": "answerCallbackQuery",
        "callback_query_id": press["callback_query"]["id"],
    }
    await bot.idle()
    assert fake.texts(JOHN.id)[-1] == ASK_ORDER
    [shipped] = await bot.turn(bot.updates.text(JOHN, "a-10002"), JOHN.id)
    assert shipped.params["text"].startswith(
        "Order A-10002: running sneakers (size 42) and sports socks (3 pairs). It left our "
        "warehouse on Nov 16, 2026 with Correios"
    )
    assert shipped.params["reply_markup"] == {
        "inline_keyboard": [
            [
                {
                    "text": "Track the package",
                    "url": "https://tracking.example.com/correios/QB123456789BR",
                }
            ]
        ]
    }
    record = await bot.record(JOHN)
    assert record is not None
    assert (record.language, record.profile.get("name")) == ("en", "John Miller")


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1]])
async def test_a_forged_or_unsigned_update_is_refused_and_changes_nothing(
    start_bot: StartBot, fake: FakeTelegram, secret: str | None
) -> None:
    bot = await start_bot()
    status, answer = await bot.post(bot.updates.text(ANA, "hi"), secret=secret)
    assert (status, answer) == (401, {"error": "missing or wrong secret token"})
    await bot.idle()
    assert await bot.customer(ANA) is None
    assert fake.sent() == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"[]",
        b'{"message": {"text": "no update_id"}}',
        b'{"update_id": "seven", "message": {}}',
        json.dumps(
            {"update_id": 9, "message": {"message_id": 1, "date": 1, "text": "no chat"}}
        ).encode(),
    ],
)
async def test_a_malformed_update_is_refused_and_changes_nothing(
    start_bot: StartBot, fake: FakeTelegram, body: bytes
) -> None:
    bot = await start_bot()
    status, answer = await bot.post(body)
    assert (status, answer) == (400, {"error": "the body is not a Telegram update"})
    await bot.idle()
    assert await bot.customer(ANA) is None
    assert fake.sent() == []


async def test_a_body_over_a_megabyte_is_refused(start_bot: StartBot) -> None:
    bot = await start_bot()
    update = bot.updates.text(ANA, "x" * 2_000_000)
    status, _ = await bot.post(json.dumps(update).encode())
    assert status == 413
    assert await bot.customer(ANA) is None


@pytest.mark.parametrize("backend", ["embedded", "redis"])
async def test_a_redelivered_update_is_processed_once(
    start_bot: StartBot, fake: FakeTelegram, backend: str
) -> None:
    bot = await start_bot(backend=backend)
    update = bot.updates.text(JOHN, "hi")
    for _ in range(3):
        assert (await bot.post(update))[0] == 200
    await bot.idle()
    assert fake.texts(JOHN.id) == [GREETING]
    customer = await bot.customer(JOHN)
    assert customer is not None
    inbound = [e for e in await bot.memory.transcript(customer) if e.type == "in"]
    assert len(inbound) == 1


async def test_when_the_memory_is_down_telegram_is_asked_to_retry(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot(dead_memory=True)
    status, answer = await bot.post(bot.updates.text(JOHN, "hi"))
    assert status == 503
    assert answer["error"] == "unavailable"
    assert fake.sent() == []


async def test_an_edited_message_is_acknowledged_and_ignored(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    status, _ = await bot.post(bot.updates.edited(JOHN, "A-10001"))
    assert status == 200
    await bot.idle()
    assert await bot.customer(JOHN) is None
    assert fake.sent() == []


async def test_in_a_group_the_bot_answers_only_when_addressed_and_answers_in_the_group(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    assert await bot.turn(bot.updates.text(ANA, "onde está meu pedido", chat=GROUP), GROUP) == []
    assert await bot.customer(ANA) is None
    mention = bot.updates.text(ANA, f"@{USERNAME} onde está meu pedido?", chat=GROUP)
    assert texts(await bot.turn(mention, GROUP)) == [ASK_ORDER_PT]
    reply = bot.updates.text(ANA, "C-30005", chat=GROUP, reply_to=bot.updates.reply_to_bot())
    [cancelled] = await bot.turn(reply, GROUP)
    assert cancelled.params["text"].startswith("O pedido C-30005 foi cancelado em 09/11/2026.")
    assert "reply_markup" not in cancelled.params  # no reply keyboard to close in a group
    record = await bot.record(ANA)
    assert record is not None
    assert record.addresses["telegram"].conversation_id == str(GROUP)
    assert record.identities[0].user_id == str(ANA.id)
    assert fake.sent(ANA.id) == []


async def test_in_a_forum_topic_the_answer_goes_to_the_topic(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    fake.topics.add((GROUP, 77))
    bot = await start_bot()
    update = bot.updates.text(JOHN, f"/help@{USERNAME}", chat=GROUP, thread=77)
    calls = await bot.turn(update, GROUP)
    assert calls
    assert {c.params["message_thread_id"] for c in calls} == {77}


async def test_a_contact_of_ones_own_is_verified_and_someone_elses_is_not(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    await bot.turn(bot.updates.contact(MARIA, "5531988887777", owner=MARIA.id), MARIA.id)
    maria = await bot.record(MARIA)
    assert maria is not None
    assert maria.verified == (
        VerifiedAttribute(kind="phone", value="+5531988887777", issuer="telegram"),
    )
    await bot.turn(bot.updates.contact(JOHN, "5531988887777", owner=MARIA.id), JOHN.id)
    john = await bot.record(JOHN)
    assert john is not None
    assert john.verified == ()
    assert john.id != maria.id


async def test_the_example_asks_for_the_phone_with_a_share_button(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    await bot.turn(bot.updates.text(MARIA, "I want to return an item"), MARIA.id)
    await bot.turn(bot.updates.text(MARIA, "B-20003"), MARIA.id)
    await bot.choose(MARIA, "Return for a refund")
    await bot.choose(MARIA, "Wrong size")
    await bot.choose(MARIA, "Courier pickup")
    [address] = await bot.turn(bot.updates.text(MARIA, "tomorrow"), MARIA.id)
    assert address.params["reply_markup"]["keyboard"] == [[{"text": "Yes"}, {"text": "No"}]]
    [phone] = await bot.turn(bot.updates.text(MARIA, "Yes"), MARIA.id)  # the keyboard's answer
    assert phone.params["text"] == ASK_PHONE
    assert phone.params["reply_markup"] == {
        "keyboard": [[{"text": "Share my phone number", "request_contact": True}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }
    shared = bot.updates.contact(MARIA, "5531988887777", owner=MARIA.id)
    [email] = await bot.turn(shared, MARIA.id)
    assert email.params["text"] == "Which email address should I send the return instructions to?"
    assert email.params["reply_markup"] == {"remove_keyboard": True}
    record = await bot.record(MARIA)
    assert record is not None
    assert record.profile["phone"] == "+5531988887777"


async def test_a_rate_limit_is_waited_out_as_telegram_asks(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    fake.fail_next("sendMessage", Failure(429, rate_limited(1)))
    started = time.monotonic()
    await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert time.monotonic() - started >= 1.0
    assert len(fake.of("sendMessage")) == 2
    assert fake.texts(JOHN.id) == [GREETING]


async def test_a_blocked_bot_marks_the_address_unreachable_without_retrying(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    fake.blocked.add(JOHN.id)
    await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert len(fake.of("sendMessage")) == 1
    record = await bot.record(JOHN)
    assert record is not None
    assert record.unreachable == frozenset({"telegram"})
    fake.blocked.clear()  # unblocked; writing again makes the address reachable again
    [menu] = await bot.turn(bot.updates.text(JOHN, "help"), JOHN.id)
    assert menu.params["text"].startswith("I can help with these.")
    record = await bot.record(JOHN)
    assert record is not None
    assert record.unreachable == frozenset()


async def test_a_server_error_is_retried_and_then_delivered(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    body = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    fake.fail_next("sendMessage", Failure(502, body), times=2)
    await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert len(fake.of("sendMessage")) == 3
    assert fake.texts(JOHN.id) == [GREETING]


async def test_a_token_telegram_refuses_is_not_retried(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
    fake.fail_next("sendMessage", Failure(401, body))
    await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert len(fake.of("sendMessage")) == 1
    record = await bot.record(JOHN)
    assert record is not None
    assert record.unreachable == frozenset()  # the bot's problem, not the customer's
    customer = await bot.customer(JOHN)
    assert customer is not None
    statuses = [e for e in await bot.memory.transcript(customer) if e.type == "status"]
    assert [s.status for s in statuses if isinstance(s, StatusEntry)] == ["failed"]


async def test_a_blocked_bot_in_a_forbidden_answer_is_not_retried(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    fake.fail_next("sendMessage", Failure(403, forbidden("user is deactivated")))
    await bot.turn(bot.updates.text(JOHN, "hi"), JOHN.id)
    assert len(fake.of("sendMessage")) == 1
    record = await bot.record(JOHN)
    assert record is not None
    assert record.unreachable == frozenset({"telegram"})


async def test_an_invite_is_a_deep_link_that_starts_the_bot(
    start_bot: StartBot, fake: FakeTelegram
) -> None:
    bot = await start_bot()
    await fake.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
    token = "AbCdEfGhIjKlMnOpQrSt_-"
    assert bot.connector.invite("12345678", token) == f"https://t.me/{USERNAME}?start={token}"
    # What the deep link does is the linking's business (see test_inbound for the command it
    # becomes); here: it reaches the bot, which answers.
    assert await bot.turn(bot.updates.text(JOHN, f"/start {token}"), JOHN.id)
