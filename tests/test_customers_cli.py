"""``omnibot customer export|erase|unlink``: a privacy request, handled from the command line
against the shared Redis while the bot could be running."""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.format.messages import VerifiedAttribute
from bot.outreach.schedule import Schedule
from bot.turn.store import MemoryPolicy
from memory.keys import KeyLayout
from memory.redis.connection import connect
from memory.redis.schedule import RedisSchedule
from memory.redis.store import RedisMemory
from tests.linking.kit import PHONE, Linked, linked_bot, sms_vouched
from tests.outreach.kit import item
from tests.server_process import ROOT, clean_env, omnibot


@pytest.fixture
async def bot(
    tmp_path: Path, redis_url: str, namespace: str, redis_client: Redis
) -> AsyncIterator[Linked]:
    memory = RedisMemory(Redis.from_url(redis_url), MemoryPolicy(), KeyLayout(namespace))
    async with linked_bot(tmp_path, memory) as running:
        (tmp_path / "bot" / "bot.yaml").write_text(
            f"name: Test\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n"
        )
        yield running
    await memory.close()


@pytest.fixture
async def schedule(redis_url: str, namespace: str) -> AsyncIterator[Schedule]:
    """The bot's schedule, where its flows and agents put reminders."""
    made = RedisSchedule(connect(redis_url), namespace)
    yield made
    await made.close()


def customer(
    tmp_path: Path, redis_url: str, *args: str, redis: bool = True
) -> subprocess.CompletedProcess[str]:
    env = clean_env(OMNIBOT_REDIS_URL=redis_url) if redis else clean_env()
    return subprocess.run(
        omnibot("customer", *args, "--bot", str(tmp_path / "bot")),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


async def one_customer_on_two_channels(bot: Linked) -> str:
    await bot.say("sms", PHONE, "where is my order", verified=sms_vouched())
    await bot.say("sms", PHONE, "A-12345", verified=sms_vouched())
    contact = VerifiedAttribute(kind="phone", value=PHONE, issuer="telegram")
    await bot.say("telegram", "t1", "hello", verified=(contact,))
    customer_id = await bot.who("sms", PHONE)
    assert customer_id is not None
    assert customer_id == await bot.who("telegram", "t1")
    return customer_id


async def test_export_gives_every_identity_the_transcript_and_the_profile(
    bot: Linked, tmp_path: Path, redis_url: str
) -> None:
    customer_id = await one_customer_on_two_channels(bot)

    done = customer(tmp_path, redis_url, "export", customer_id)

    assert done.returncode == 0, done.stderr
    exported = json.loads(done.stdout)
    assert exported["identities"] == [f"sms:{PHONE}", "telegram:t1"]
    assert exported["customer"]["slots"]["order_id"] == "A-12345"
    said = [e["event"].get("text") for e in exported["transcript"] if e["type"] == "in"]
    assert said[:2] == ["where is my order", "A-12345"]
    assert "hello" in said
    assert exported["queued"] == []
    assert exported["scheduled"] == []


async def test_erase_leaves_nothing_on_any_channel(
    bot: Linked, tmp_path: Path, redis_url: str, redis_client: Redis, namespace: str
) -> None:
    customer_id = await one_customer_on_two_channels(bot)

    done = customer(tmp_path, redis_url, "erase", customer_id)

    assert done.returncode == 0, done.stderr
    assert "2 identities" in done.stdout
    assert await bot.who("sms", PHONE) is None
    assert await bot.who("telegram", "t1") is None
    assert await bot.memory.owner(sms_vouched()[0]) is None
    left = [key async for key in redis_client.scan_iter(match=f"{namespace}:*{customer_id}*")]
    assert left == []
    again = customer(tmp_path, redis_url, "export", customer_id)
    assert again.returncode == 1
    assert f"no customer {customer_id}" in again.stderr


async def test_export_lists_what_is_scheduled_and_erase_drops_it(
    bot: Linked,
    tmp_path: Path,
    redis_url: str,
    redis_client: Redis,
    namespace: str,
    schedule: Schedule,
) -> None:
    customer_id = await one_customer_on_two_channels(bot)
    reminder = await schedule.put(item(customer_id, "cart-reminder", data={"cart": "C-1"}))
    rating = await schedule.put(item(customer_id, "rating:A-12345", due_in=86_400))
    someone_else = await schedule.put(item("another-customer", "cart-reminder"))

    exported = json.loads(customer(tmp_path, redis_url, "export", customer_id).stdout)
    listed = exported["scheduled"]
    assert [(s["key"], s["id"], s["data"]) for s in listed] == [
        ("cart-reminder", reminder.id, {"cart": "C-1"}),
        ("rating:A-12345", rating.id, {}),
    ]
    assert listed[1]["due_at"] == rating.due_at.isoformat().replace("+00:00", "Z")

    done = customer(tmp_path, redis_url, "erase", customer_id)

    assert done.returncode == 0, done.stderr
    assert "2 identities, 2 scheduled items dropped" in done.stdout
    assert await schedule.pending(customer_id) == []
    assert await schedule.pending("another-customer") == [someone_else]
    left = [key async for key in redis_client.scan_iter(match=f"{namespace}:*{customer_id}*")]
    assert left == []
    again = customer(tmp_path, redis_url, "erase", customer_id)
    assert "0 identities, 0 scheduled items dropped" in again.stdout


async def test_unlink_makes_a_channel_a_stranger_again(
    bot: Linked, tmp_path: Path, redis_url: str
) -> None:
    customer_id = await one_customer_on_two_channels(bot)

    done = customer(tmp_path, redis_url, "unlink", customer_id, f"sms:{PHONE}")

    assert done.returncode == 0, done.stderr
    assert await bot.who("telegram", "t1") == customer_id
    stranger = await bot.who("sms", PHONE)
    assert stranger not in (None, customer_id)
    record = await bot.customer("telegram", "t1")
    assert "sms" not in record.addresses
    assert all(a.issuer != "sms" for a in record.verified)
    replies = await bot.say("sms", PHONE, "hi", verified=sms_vouched())
    assert "Welcome back" not in " ".join(replies)
    assert await bot.who("sms", PHONE) == stranger  # it does not link itself back


def test_the_commands_need_the_shared_memory(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "bot.yaml").write_text("name: Test\n")
    done = customer(tmp_path, "", "export", "c1", redis=False)
    assert done.returncode == 1
    assert "needs OMNIBOT_REDIS_URL" in done.stderr


def test_unlink_needs_the_identity(tmp_path: Path, redis_url: str) -> None:
    done = customer(tmp_path, redis_url, "unlink", "c1")
    assert done.returncode == 2
    assert "CHANNEL:USER" in done.stderr
