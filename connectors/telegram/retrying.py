"""Trying Telegram's rarer methods again until they work: ``getMe``, ``setWebhook`` and
``deleteWebhook`` at start, ``getUpdates`` while polling.

Sending is retried by :mod:`bot.turn.delivery`, once for every channel; these calls are the
connector's own background work, so it retries them itself, with capped backoff, and gives up
only when Telegram refuses for good (a wrong token, a bad request). The errors are the client's
(:mod:`.client`), whose messages are safe to log: they never hold the URL, and with it the token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.errors import ChannelMisconfigured, DeliveryError, RateLimited

log = logging.getLogger("omnibot.telegram")


class Backoff:
    """Capped exponential waits that end early when ``stopped`` is set."""

    def __init__(self, stopped: asyncio.Event, first: float = 1.0, cap: float = 30.0) -> None:
        self._stopped = stopped
        self._first = first
        self._cap = cap
        self._next = first

    async def wait(self, at_least: float = 0.0) -> None:
        """Sleep the next wait (or ``at_least`` seconds if that is longer), unless stopped."""
        delay = max(self._next, at_least)
        self._next = min(self._next * 2, self._cap)
        try:
            await asyncio.wait_for(self._stopped.wait(), delay)
        except TimeoutError:
            return

    def reset(self) -> None:
        """Things work again: the next wait is the first one."""
        self._next = self._first


async def keep_trying(
    what: str, attempt: Callable[[], Awaitable[object]], stopped: asyncio.Event
) -> bool:
    """Run ``attempt`` until it works (``True``), Telegram refuses it for good, or ``stopped``
    is set (``False``)."""
    backoff = Backoff(stopped)
    while not stopped.is_set():
        try:
            await attempt()
            return True
        except ChannelMisconfigured:
            log.error("Telegram refused the bot token (%s); check TELEGRAM_BOT_TOKEN", what)
            return False
        except RateLimited as exc:
            await backoff.wait(at_least=exc.retry_after)
        except DeliveryError as exc:
            if not exc.retryable:
                log.error("Telegram refused %s: %s", what, exc)
                return False
            log.warning("%s failed, trying again: %s", what, exc)
            await backoff.wait()
    return False
