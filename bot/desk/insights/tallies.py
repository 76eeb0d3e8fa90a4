"""The insights' daily tallies (a port): per day, in the bot's time zone, a set of named
counters (see :mod:`bot.desk.insights.fields`), and the conversations going on, each with when
to check it for idleness. ``memory/`` implements it in process and on Redis, where a day is one
hash that expires after :data:`KEEP_DAYS`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

KEEP_DAYS = 400
"""How long a day's tallies are kept: a year and a month, for this month against last year's."""
MAX_DAYS = 400
"""The longest period one report reads."""
Watch = tuple[str, float | None]
"""A customer, and when (a Unix time) their conversation is to be checked; ``None``: it is
over, stop watching."""


class Tallies(ABC):
    """Every worker's counts, added together. Adding is atomic and safe from many workers."""

    @abstractmethod
    async def add(self, counts: Mapping[tuple[str, str], int], watch: Watch | None = None) -> None:
        """Add ``counts``, by (day ``YYYY-MM-DD``, field), and set when to check one customer's
        conversation (``watch``), in one step."""

    @abstractmethod
    async def due(self, now: float, hold: float, limit: int) -> list[str]:
        """Up to ``limit`` customers whose check is due at ``now``; each is held back for
        ``hold`` seconds (not due again meanwhile), so that two workers never both take one."""

    @abstractmethod
    async def read(self, days: Sequence[str]) -> dict[str, dict[str, int]]:
        """The counters of each of ``days`` that has any."""

    async def close(self) -> None:  # noqa: B027 - nothing to let go of in process
        """Let go of connections."""
