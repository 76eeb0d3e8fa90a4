"""Two worker processes, one Redis, one customer writing on two channels at once."""

from __future__ import annotations

import subprocess
import sys

from redis.asyncio import Redis

from bot.turn.store import MemoryPolicy
from memory.keys import KeyLayout
from memory.redis.store import RedisMemory
from tests.helpers import identity, seen

PER_CHANNEL = 150


def start(url: str, namespace: str, channel: str, user: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.workers.chat_worker", url, namespace, channel, user]
    process = subprocess.Popen(
        [*command, str(PER_CHANNEL)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def _go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.close()


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


async def test_two_processes_lose_no_turn_and_keep_each_channels_order(
    redis_url: str, namespace: str, redis_client: Redis
) -> None:
    memory = RedisMemory(Redis.from_url(redis_url), MemoryPolicy(), KeyLayout(namespace))
    customer = await memory.create_customer(identity("u1", "telegram"), "c-two-processes")
    await memory.link(identity("+15550001", "sms"), customer)
    workers = [
        start(redis_url, namespace, "telegram", "u1"),
        start(redis_url, namespace, "sms", "+15550001"),
    ]
    try:
        for process in workers:
            _go(process)
        codes = [process.wait(120) for process in workers]
    finally:
        for process in workers:
            _stop(process)
    assert codes == [0, 0]
    stored = await memory.load(customer)
    await memory.close()
    assert stored is not None
    assert stored.slots["count"] == 2 * PER_CHANNEL
    assert stored.version == 2 * PER_CHANNEL
    noted = seen(stored)
    for channel in ("telegram", "sms"):
        numbers = [int(s.rsplit(":", 1)[1]) for s in noted if s.startswith(channel)]
        assert numbers == list(range(PER_CHANNEL)), f"{channel} turns out of order"
    interleaved = {
        noted[i].split(":")[0] != noted[i + 1].split(":")[0] for i in range(len(noted) - 1)
    }
    assert True in interleaved, "the two processes never overlapped; the test proved nothing"
