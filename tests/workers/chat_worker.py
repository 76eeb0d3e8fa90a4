"""A worker process for the multi-process test: its own pipeline on the shared Redis.

Usage: python -m tests.workers.chat_worker REDIS_URL NAMESPACE CHANNEL USER COUNT
It sends COUNT messages from USER on CHANNEL, one after another, and waits for its turns.
"""

from __future__ import annotations

import asyncio
import sys

from redis.asyncio import Redis

from bot.format.capabilities import RICH
from bot.turn.delivery import Outlets
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import MemoryPolicy
from connectors.loopback import LoopbackConnector
from memory.keys import KeyLayout
from memory.redis.store import RedisMemory
from tests.helpers import counting


async def main(url: str, namespace: str, channel: str, user: str, count: int) -> None:
    memory = RedisMemory(Redis.from_url(url), MemoryPolicy(), KeyLayout(namespace))
    connector = LoopbackConnector(channel, RICH)
    pipeline = TurnPipeline(memory=memory, handler=counting, outlets=Outlets([connector]))
    await connector.start(pipeline)
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        await connector.say(user, str(n), event_id=f"{channel}-{n}")
    await pipeline.close()
    await memory.close()


if __name__ == "__main__":
    url, namespace, channel, user, count = sys.argv[1:6]
    asyncio.run(main(url, namespace, channel, user, int(count)))
