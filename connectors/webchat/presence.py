"""One open page's mark on its customer: while a page is open the business may write on the web
chat (:mod:`bot.turn.presence`). A widget's socket and a Direct Line stream hold a
:class:`PageMark`; a Direct Line client that polls is marked at each poll (:func:`polled`).

The page marks the customer its own verified identity belongs to now (the one its feed follows,
:mod:`connectors.webchat.feed`), under an id drawn here, never one a client sends; it marks again
every ``refresh`` seconds, well inside ``ttl``, and unmarks when it closes or follows another
customer. A mark that cannot be written is tried again at the next beat: until then the page
may count as closed, which only holds a message back for another channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from bot.connector import Core
from bot.errors import MemoryUnavailable
from bot.turn.tasks import stop_task
from connectors.webchat.settings import CHANNEL, Heartbeat

log = logging.getLogger("omnibot.webchat")


class PageMark:
    """Keeps one page's customer marked present while the page is open (``is_open``: whether
    its connection still is)."""

    def __init__(self, core: Core, heartbeat: Heartbeat, is_open: Callable[[], bool]) -> None:
        self._core = core
        self._heartbeat = heartbeat
        self._is_open = is_open
        self._page = secrets.token_hex(12)
        self._customer: str | None = None
        self._beating: asyncio.Task[None] | None = None

    async def follow(self, customer_id: str | None) -> None:
        """Mark ``customer_id`` (``None``: nobody yet) instead of whom the page marked before."""
        if customer_id == self._customer:
            return
        await self._unmark()
        self._customer = customer_id
        await self._mark()
        if self._beating is None:
            self._beating = asyncio.get_running_loop().create_task(self._beat(), name="page-mark")

    async def close(self) -> None:
        """The page closed: stop renewing, and unmark."""
        await stop_task(self._beating)
        self._beating = None
        await self._unmark()
        self._customer = None

    async def _beat(self) -> None:
        """Mark again every ``refresh`` while the page's connection is open: a page whose close
        went unheard (its handler cut short) stops being marked all the same."""
        while True:
            await asyncio.sleep(self._heartbeat.refresh)
            if not self._is_open():
                await self._unmark()
                return
            await self._mark()

    async def _mark(self) -> None:
        if self._customer is None:
            return
        ttl = timedelta(seconds=self._heartbeat.ttl)
        try:
            await self._core.page_open(self._customer, CHANNEL, self._page, ttl)
        except MemoryUnavailable as exc:
            log.warning("could not mark an open page, trying at the next beat: %s", exc)

    async def _unmark(self) -> None:
        if self._customer is None:
            return
        with contextlib.suppress(MemoryUnavailable):  # the mark runs out by itself
            await self._core.page_closed(self._customer, CHANNEL, self._page)


async def polled(core: Core, customer_id: str, conversation: str, heartbeat: Heartbeat) -> None:
    """A Direct Line client polled ``conversation``, whose verified token names it: its page
    counts as open for ``ttl`` more, as one page however often it polls."""
    page = "poll:" + hashlib.blake2b(conversation.encode(), digest_size=12).hexdigest()
    ttl = timedelta(seconds=heartbeat.ttl)
    try:
        await core.page_open(customer_id, CHANNEL, page, ttl)
    except MemoryUnavailable as exc:
        log.warning("could not mark a polling page: %s", exc)
