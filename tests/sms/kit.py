"""A bot served in process on 127.0.0.1 with the SMS channel on, and a fake Twilio around it.

The bot is known to Twilio by a public URL (``https://bot.example.test``) that is not where it
listens, as behind a proxy: the fake signs every webhook for the public URL and posts it to the
local server, so every test also proves the signature check works behind a proxy. The fixtures
that serve it are in the suite's conftest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.app.runtime import Runtime
from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.transcript import InboundEntry, OutboundEntry, StatusEntry, TranscriptEntry
from bot.turn.store import Memory
from connectors.sms.connector import SmsConnector
from memory import EmbeddedMemory
from tests.fakes.twilio import FakeTwilio, Reply, Sent

PUBLIC_URL = "https://bot.example.test"
CUSTOMER = "+5511987654321"


class MemoryStatuses:
    """Statuses straight into the memory, for a core that cannot record them yet (the
    runtime's ``record`` is used as soon as it has one)."""

    def __init__(self, memory: Memory) -> None:
        self._memory = memory

    async def record(self, customer_id: str, statuses: Any) -> None:
        await self._memory.append(customer_id, statuses)


@dataclass
class SmsBot:
    """A running bot, its SMS connector and the fake Twilio it talks to."""

    runtime: Runtime
    twilio: FakeTwilio
    connector: SmsConnector

    async def text(self, body: str, sender: str = CUSTOMER, **options: Any) -> Reply:
        """The customer texts the bot; returns what the webhook answered."""
        return await self.twilio.text(sender, body, **options)

    async def replies(self, count: int, to: str = CUSTOMER) -> list[str | None]:
        """The bodies of the first ``count`` messages sent to ``to`` (waits for them)."""
        return [sent.body for sent in await self.twilio.wait_sent(to, count)][:count]

    async def settle(self) -> None:
        """Let every turn started so far finish (their sends included)."""
        await self.runtime.pipeline.join()

    async def customer(self, number: str = CUSTOMER) -> str | None:
        identity = ChannelIdentity(channel="sms", user_id=number)
        return await self.runtime.pipeline.customer_of(identity)

    async def transcript(self, number: str = CUSTOMER) -> list[TranscriptEntry]:
        customer = await self.customer(number)
        assert customer is not None, "the customer is unknown"
        return await self.runtime.memory.transcript(customer, limit=500)

    async def inputs(self, number: str = CUSTOMER) -> list[InboundEvent]:
        """What the customer sent, as the core recorded it (a typed "2" as a button press)."""
        entries = await self.transcript(number)
        return [
            e.event
            for e in entries
            if isinstance(e, InboundEntry) and isinstance(e.event, InboundEvent)
        ]

    async def outputs(self, number: str = CUSTOMER) -> list[OutboundEntry]:
        return [e for e in await self.transcript(number) if isinstance(e, OutboundEntry)]

    async def statuses(self, number: str = CUSTOMER) -> list[StatusEntry]:
        return [e for e in await self.transcript(number) if isinstance(e, StatusEntry)]

    def sent(self, to: str = CUSTOMER) -> list[Sent]:
        return self.twilio.to(to)

    def known(self) -> int:
        """How many identities the memory knows: nothing stored means zero."""
        memory = self.runtime.memory
        assert isinstance(memory, EmbeddedMemory)
        return memory.holdings().identities


BotFactory = Callable[..., Awaitable[SmsBot]]
