"""What wakes an open page: its customer's conversation changed, on any channel, on any worker.

A page (a web chat socket, a Direct Line stream) shows one channel identity's view of its
customer's conversation, and that conversation also goes on by SMS, on Telegram, wherever the
customer linked. The core announces every change on the customer's bus topic
(:func:`bot.turn.bus.customer_topic`); a page listens to the topic of the customer its identity
belongs to *now*, and moves to another when a join folds its identity into another customer.
The page's presence mark (:mod:`connectors.webchat.presence`) follows the same customer.
"""

from __future__ import annotations

from bot.turn.bus import Bus, Listener, Subscription, customer_topic
from connectors.webchat.presence import PageMark


class CustomerFeed:
    """One page's subscription to its customer's topic, kept on the right customer."""

    def __init__(self, bus: Bus, wake: Listener, mark: PageMark | None = None) -> None:
        self._bus = bus
        self._wake = wake
        self._mark = mark
        self._customer: str | None = None
        self._subscription: Subscription | None = None

    async def follow(self, customer_id: str | None) -> bool:
        """Listen to ``customer_id``'s topic, and no other; ``True`` when that is a change (the
        page should read again: something may have been announced before it listened)."""
        if customer_id == self._customer:
            return False
        await self._unsubscribe()
        if customer_id is not None:
            self._subscription = await self._bus.subscribe(customer_topic(customer_id), self._wake)
        self._customer = customer_id
        if self._mark is not None:
            await self._mark.follow(customer_id)
        return True

    async def close(self) -> None:
        """Stop listening (the page closed)."""
        await self._unsubscribe()
        if self._mark is not None:
            await self._mark.close()

    async def _unsubscribe(self) -> None:
        subscription, self._subscription, self._customer = self._subscription, None, None
        if subscription is not None:
            await subscription.cancel()
