"""Which customers have a page open now (a port): the web chat's pages, on any worker.

A web chat message shows only on a page the customer keeps open, so the business may speak
first there only while one is. Each open page (a widget's websocket, a Direct Line stream or
poll) marks its customer present under a page id the server drew, for ``ttl``, and marks again
well inside it (a heartbeat); it unmarks when it closes. A worker that dies takes no goodbye
with it: its pages' marks run out by themselves. One customer may have several pages, on several
workers: they are marked apart, so one closing leaves the others counted.

Cost: a mark is one write to the customer's own key (pruning the marks that ran out there, which
are few), a read one key; nothing is polled per customer. ``memory/`` implements it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timedelta


class Presence(ABC):
    """The marks of open pages, shared by every worker."""

    @abstractmethod
    async def mark(self, customer_id: str, channel: str, page: str, ttl: timedelta) -> None:
        """Count ``page``, on ``channel``, as one of ``customer_id``'s open pages for ``ttl``
        from now (again: from now on)."""

    @abstractmethod
    async def unmark(self, customer_id: str, channel: str, page: str) -> None:
        """``page`` closed: it no longer counts (the customer's other pages still do)."""

    @abstractmethod
    async def channels(self, customer_id: str) -> frozenset[str]:
        """The channels on which ``customer_id`` has a page open now."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""
