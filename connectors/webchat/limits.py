"""How fast one web chat session may send: a token bucket (a burst, then a steady rate)."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimit:
    """``burst`` messages at once, refilled at ``per_second``; a message over it is refused."""

    def __init__(
        self, burst: int = 10, per_second: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._burst = float(burst)
        self._rate = per_second
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def allow(self) -> bool:
        """Take a token if there is one."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
