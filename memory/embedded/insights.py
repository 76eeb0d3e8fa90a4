"""The insights' tallies in this process (with the embedded memory: one worker)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from bot.desk.insights.tallies import Tallies, Watch


class EmbeddedTallies(Tallies):
    """Daily counters in a dict; forgotten with the process, like the rest of its memory."""

    def __init__(self) -> None:
        self._days: dict[str, Counter[str]] = {}
        self._watched: dict[str, float] = {}

    async def add(self, counts: Mapping[tuple[str, str], int], watch: Watch | None = None) -> None:
        for (day, name), amount in counts.items():
            self._days.setdefault(day, Counter())[name] += amount
        if watch is not None:
            customer_id, at = watch
            if at is None:
                self._watched.pop(customer_id, None)
            else:
                self._watched[customer_id] = at

    async def due(self, now: float, hold: float, limit: int) -> list[str]:
        ready = sorted((at, customer) for customer, at in self._watched.items() if at <= now)
        taken = [customer for _, customer in ready[:limit]]
        for customer in taken:
            self._watched[customer] = now + hold
        return taken

    async def read(self, days: Sequence[str]) -> dict[str, dict[str, int]]:
        return {day: dict(self._days[day]) for day in days if self._days.get(day)}
