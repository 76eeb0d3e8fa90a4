"""Long polling (``TELEGRAM_MODE=polling``): Telegram's updates without a public URL.

An update is confirmed to Telegram (by asking for the next ``offset``) only once it is durably
queued, so a crash or a memory outage loses nothing: the same updates come again, and their
``update_id`` makes the redelivery a no-op. Telegram serves one poller per bot at a time, so this
is for development and single-worker deployments; a second poller gets 409 Conflict and waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramConflictError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import Update

from connectors.telegram.retrying import Backoff, describe

log = logging.getLogger("omnibot.telegram")

Accept = Callable[[Update], Awaitable[bool]]
"""Queues an update's event; ``False`` when it could not be recorded and must come again."""


class Poller:
    """Asks Telegram for updates until stopped, handing each to ``accept`` in order."""

    def __init__(
        self,
        bot: Bot,
        accept: Accept,
        *,
        allowed_updates: Sequence[str],
        timeout: int,
        stopped: asyncio.Event,
    ) -> None:
        self._bot = bot
        self._accept = accept
        self._allowed = list(allowed_updates)
        self._timeout = timeout
        self._stopped = stopped
        self._backoff = Backoff(stopped)

    async def run(self) -> None:
        """Poll until stopped, or until Telegram refuses the token."""
        offset: int | None = None
        while not self._stopped.is_set():
            try:
                updates = await self._bot.get_updates(
                    offset=offset,
                    timeout=self._timeout,
                    allowed_updates=self._allowed,
                    request_timeout=self._timeout + 10,
                )
            except (TelegramUnauthorizedError, TelegramNotFound):
                log.error("Telegram refused the bot token; polling stopped (TELEGRAM_BOT_TOKEN)")
                return
            except TelegramRetryAfter as exc:
                await self._backoff.wait(at_least=exc.retry_after)
            except TelegramConflictError:
                log.warning("another poller or a webhook holds this bot's updates; waiting")
                await self._backoff.wait()
            except TelegramAPIError as exc:
                log.warning("polling Telegram failed, trying again: %s", describe(exc))
                await self._backoff.wait()
            else:
                offset = await self._take(updates, offset)

    async def _take(self, updates: list[Update], offset: int | None) -> int | None:
        """Hand over ``updates``; the offset to ask from next (the first not yet queued)."""
        for update in updates:
            if self._stopped.is_set() or not await self._accept(update):
                await self._backoff.wait()
                return update.update_id
            offset = update.update_id + 1
        self._backoff.reset()
        return offset
