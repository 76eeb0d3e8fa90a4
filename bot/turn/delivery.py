"""The connectors the pipeline sends through, looked up by channel, with retries.

A connector raises a typed :class:`~bot.errors.DeliveryError`; whether to try again is decided
here, once for every channel: rate limits (honouring the channel's ``retry_after``) and
temporary failures are retried with capped, jittered exponential backoff within a time budget;
an unreachable address or a misconfigured channel is not.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.connector import Connector, Outgoing, Receipt
from bot.errors import DeliveryError, RateLimited, Unreachable
from bot.format.capabilities import Capabilities
from bot.format.messages import Address


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: ``attempts`` in all, within ``budget`` seconds, waiting ``first``
    seconds then doubling up to ``cap`` (each wait jittered by up to half)."""

    attempts: int = 6
    first: float = 0.5
    cap: float = 8.0
    budget: float = 60.0

    def wait(self, attempt: int, error: DeliveryError, jitter: Callable[[], float]) -> float:
        """Seconds to wait before try number ``attempt + 1``."""
        if isinstance(error, RateLimited):
            return error.retry_after
        backoff = min(self.cap, self.first * 2.0**attempt)
        return backoff * (0.5 + 0.5 * jitter())


class Outlets:
    """Sends to whichever channel an address is on."""

    def __init__(
        self,
        connectors: Iterable[Connector],
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], object] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._connectors = {connector.channel: connector for connector in connectors}
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter

    @property
    def channels(self) -> list[str]:
        """The channels that are on."""
        return sorted(self._connectors)

    def capabilities(self, channel: str) -> Capabilities | None:
        """What ``channel`` can show, or ``None`` if it is off."""
        connector = self._connectors.get(channel)
        return connector.capabilities if connector else None

    def live(self, channel: str) -> bool:
        """Whether ``channel`` keeps pages open that show the whole conversation as it goes."""
        connector = self._connectors.get(channel)
        return connector is not None and connector.live

    def invites(self, code: str, token: str) -> dict[str, str]:
        """How to continue on each channel that is on with a link code (see
        :meth:`Connector.invite`)."""
        found = {channel: c.invite(code, token) for channel, c in self._connectors.items()}
        return {channel: invite for channel, invite in sorted(found.items()) if invite}

    def invitation(self, channel: str, contact: str, token: str) -> Address | None:
        """Where an invitation to ``contact`` to continue on ``channel`` goes (see
        :meth:`Connector.invitation`); ``None`` when that channel is off or has no way."""
        connector = self._connectors.get(channel)
        return connector.invitation(contact, token) if connector else None

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        """Send through the address's channel, retrying what is worth retrying.

        Messages already accepted by the channel are not sent again: a connector that fails
        part-way raises with ``error.sent``, the receipts of those that went out.
        """
        connector = self._connectors.get(address.channel)
        if connector is None:
            raise Unreachable(f"channel {address.channel!r} is off")
        receipts: list[Receipt] = []
        remaining = list(messages)
        deadline = time.monotonic() + self._policy.budget
        for attempt in range(self._policy.attempts):
            try:
                receipts += await connector.send(address, remaining)
                return receipts
            except DeliveryError as error:
                receipts += error.sent
                remaining = remaining[len(error.sent) :]
                wait = self._policy.wait(attempt, error, self._jitter)
                last = attempt + 1 == self._policy.attempts
                if not error.retryable or last or time.monotonic() + wait > deadline:
                    raise
                await self._sleep(wait)  # type: ignore[misc]
        raise AssertionError("unreachable: the loop returns or raises")
