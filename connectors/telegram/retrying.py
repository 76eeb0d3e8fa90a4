"""Trying Telegram's rarer methods again until they work: ``getMe``, ``setWebhook`` and
``deleteWebhook`` at start, ``getUpdates`` while polling.

Sending is retried by :mod:`bot.delivery`, once for every channel; these calls are the
connector's own background work, so it retries them itself, with capped backoff, and gives up
only when Telegram refuses for good (a wrong token, a bad request).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)

log = logging.getLogger("omnibot.telegram")


def describe(error: TelegramAPIError) -> str:
    """What went wrong, safe to log: Telegram's own description, or the kind of network error
    (whose text could hold the request URL, and with it the token)."""
    if isinstance(error, TelegramNetworkError):
        cause = error.__cause__
        return f"network error ({type(cause).__name__ if cause else 'unknown'})"
    return error.message


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
        except (TelegramUnauthorizedError, TelegramNotFound):
            log.error("Telegram refused the bot token (%s); check TELEGRAM_BOT_TOKEN", what)
            return False
        except TelegramBadRequest as exc:
            log.error("Telegram refused %s: %s", what, exc.message)
            return False
        except TelegramRetryAfter as exc:
            await backoff.wait(at_least=exc.retry_after)
        except TelegramAPIError as exc:
            log.warning("%s failed, trying again: %s", what, describe(exc))
            await backoff.wait()
    return False
