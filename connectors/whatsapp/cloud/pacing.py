"""How fast messages leave: Meta's throughput per business number, a pace per customer, and
rate limits waited out, never dropped.

Before each Graph call the pacer takes a token from two buckets in the shared memory, both or
neither in one round trip (so every worker draws on the same ones, and a customer's token is
never spent while the number's is waited for: :meth:`bot.connector.Core.allow_all`): the number's
(``throughput`` a second; Meta's standard is 80) and the customer's (``customer_burst`` at
once, then one every ``customer_gap`` seconds, so that a long answer is not a burst on one
phone; Meta itself allows about one message every 6 seconds to one customer over time, code
131056). When WhatsApp still says "too many" (130429 for the number, 131056 for the pair, and
the app's and account's limits), the same call is tried again after ``backoff`` seconds,
doubling up to ``backoff_cap``, for as long as it takes: the customer's lease is held
meanwhile, so their later messages wait behind it and order is kept. Only stopping the worker
ends the wait (the message is then reported as not sent, for the core to decide).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.app.config import WhatsappPacing
from bot.errors import RateLimited, TemporaryDeliveryError
from bot.turn.store import Bucket

log = logging.getLogger("omnibot.whatsapp")
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
TakeAll = Callable[[Sequence[Bucket]], Awaitable[float]]
"""Takes one from every shared bucket or none; the seconds to wait when none
(:meth:`bot.connector.Core.allow_all`)."""


class Pacer:
    """Paces one business number's sends to its customers."""

    def __init__(
        self,
        take: TakeAll,
        number: str,
        pacing: WhatsappPacing,
        stopped: asyncio.Event,
        sleep: Sleep | None = None,
    ) -> None:
        self._take = take
        self._number = number
        self._pacing = pacing
        self._stopped = stopped
        self._sleep = sleep or self._nap

    async def send(self, to: str, call: Callable[[], Awaitable[T]]) -> T:
        """Make ``call`` (one message to ``to``) within both paces, again after each rate
        limit; raises what else it raises."""
        waited = 0
        while True:
            await self._turn_of(to)
            try:
                return await call()
            except RateLimited as exc:
                if self._stopped.is_set():
                    raise
                delay = min(self._pacing.backoff_cap, self._pacing.backoff * 2.0**waited)
                log.info("whatsapp slowed down (%s); trying again in %.1fs", exc, delay)
                waited += 1
                await self._pause(delay)

    async def _turn_of(self, to: str) -> None:
        """Wait until the number and the customer may have one more message."""
        buckets = self._buckets(to)
        while wait := await self._take(buckets):
            await self._pause(wait)

    def _buckets(self, to: str) -> list[Bucket]:
        """The number's bucket and the customer's, under the number's hash tag (one slot)."""
        pacing = self._pacing
        tag = f"whatsapp:{{{self._number}}}"
        throughput = pacing.throughput
        buckets = [Bucket(f"{tag}:out", max(1, int(throughput)), throughput)]
        if pacing.customer_gap > 0:
            rate = 1.0 / pacing.customer_gap
            buckets.append(Bucket(f"{tag}:to:{to}", pacing.customer_burst, rate))
        return buckets

    async def _pause(self, seconds: float) -> None:
        if self._stopped.is_set():
            raise TemporaryDeliveryError("whatsapp: the worker is stopping")
        await self._sleep(seconds)

    async def _nap(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if the worker stops meanwhile."""
        try:
            await asyncio.wait_for(self._stopped.wait(), seconds)
        except TimeoutError:
            return
