"""An in-process channel: inbound events are made by calling it, outbound messages are kept.

Tests, ``omnibot chat`` and ``omnibot test`` use it. It can borrow any channel's name and
capabilities, so a conversation test run "on SMS" goes through the SMS rendering rules.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Sequence

from bot.connector import Connector, Inbox, Outgoing, Receipt, Submission
from bot.format.capabilities import RICH, Capabilities
from bot.format.messages import Address, InboundEvent, VerifiedAttribute
from bot.format.outbound import OutboundMessage


class LoopbackConnector(Connector):
    """A channel whose customers are function calls and whose sends are a list."""

    def __init__(self, channel: str = "loopback", capabilities: Capabilities = RICH) -> None:
        self.channel = channel
        self.capabilities = capabilities
        self.sent: dict[str, list[OutboundMessage]] = defaultdict(list)
        self._inbox: Inbox | None = None
        self._ids = itertools.count(1)
        self._arrived = asyncio.Condition()

    async def start(self, core: Inbox) -> None:
        self._inbox = core

    def invite(self, code: str, token: str) -> str | None:
        """A made-up way in, so link codes can be tried and tested: a number to text on SMS
        (Twilio's test number), a link elsewhere."""
        return (
            "+15005550006" if self.channel == "sms" else f"loopback://{self.channel}?start={token}"
        )

    def address(self, user_id: str) -> Address:
        """The address of ``user_id`` on this channel (one private conversation each)."""
        return Address(channel=self.channel, user_id=user_id, conversation_id=user_id)

    async def say(
        self,
        user_id: str,
        text: str,
        *,
        event_id: str | None = None,
        verified: tuple[VerifiedAttribute, ...] = (),
    ) -> Submission:
        """The customer ``user_id`` types ``text``."""
        return await self.submit(user_id, event_id, kind="text", text=text, verified=verified)

    async def press(self, user_id: str, payload: str, *, event_id: str | None = None) -> Submission:
        """The customer ``user_id`` presses the button carrying ``payload``."""
        return await self.submit(user_id, event_id, kind="button", payload=payload)

    async def submit(self, user_id: str, event_id: str | None, **fields: object) -> Submission:
        """Submit any kind of event from ``user_id`` (fields as in :class:`InboundEvent`)."""
        if self._inbox is None:
            raise RuntimeError("the loopback channel has not been started")
        event = InboundEvent.model_validate(
            {
                "event_id": event_id or f"{self.channel}-{next(self._ids)}",
                "channel": self.channel,
                "address": self.address(user_id),
                **fields,
            }
        )
        return await self._inbox.submit(event)

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        async with self._arrived:
            self.sent[address.conversation_id].extend(o.message for o in messages)
            self._arrived.notify_all()
        return [Receipt(o.message_id) for o in messages]

    async def wait_for(
        self, user_id: str, count: int, within: float = 5.0
    ) -> list[OutboundMessage]:
        """Wait until ``user_id`` has been sent at least ``count`` messages; return them all."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.sent[user_id]) >= count), within
            )
            return list(self.sent[user_id])
