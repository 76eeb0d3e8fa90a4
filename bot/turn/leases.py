"""Keeping customers' turn leases alive while their turns run, however long an action takes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from bot.errors import MemoryUnavailable
from bot.turn.store import Lease, Memory
from bot.turn.tasks import stop_task

log = logging.getLogger("omnibot.leases")


class LeaseKeeper:
    """Renews every held lease each third of the lease time, in one background task per worker.

    A lease that cannot be renewed is simply lost: the commit that follows fails with
    :class:`~bot.errors.LeaseLost`, and the input stays queued for whoever takes the lease next.
    """

    def __init__(self, memory: Memory) -> None:
        self._memory = memory
        self._held: set[Lease] = set()
        self._task: asyncio.Task[None] | None = None
        self._interval = memory.policy.lease.total_seconds() / 3
        self._closed = False

    @contextlib.contextmanager
    def holding(self, lease: Lease) -> Iterator[None]:
        """Keep ``lease`` alive for the duration of the block."""
        self._held.add(lease)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="lease-keeper")
        try:
            yield
        finally:
            self._held.discard(lease)

    async def close(self) -> None:
        """Stop renewing."""
        self._closed = True
        await stop_task(self._task)

    async def _run(self) -> None:
        while not self._closed:
            await asyncio.sleep(self._interval)
            if not self._held:
                continue
            try:
                lost = await self._memory.renew(list(self._held))
            except MemoryUnavailable as exc:
                log.warning("could not renew turn leases: %s", exc)
                continue
            for lease in lost:
                # Usually a lease released while the renewal was in flight; a lease really lost
                # is caught by the fenced commit, which logs it.
                log.debug("lease not renewed", extra={"customer": lease.customer_id})
