"""Long polling (``TELEGRAM_MODE=polling``): Telegram's updates without a public URL.

An update is confirmed to Telegram (by asking for the next ``offset``) only once it is durably
queued, so a crash or a memory outage loses nothing: the same updates come again, and their
``update_id`` makes the redelivery a no-op. An update that is not a Telegram update (the
webhook's 400) is confirmed and skipped, so that it cannot hold up the ones after it. Telegram
serves one poller per bot at a time, so this is for development and single-worker deployments;
a second poller gets 409 Conflict and waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from pydantic import JsonValue, ValidationError

from bot.errors import ChannelMisconfigured, DeliveryError, RateLimited
from connectors.telegram import api_types as tg
from connectors.telegram.client import BotApi, TelegramConflict
from connectors.telegram.retrying import Backoff

log = logging.getLogger("omnibot.telegram")

Accept = Callable[[tg.Update], Awaitable[bool]]
"""Queues an update's event; ``False`` when it could not be recorded and must come again."""


class Poller:
    """Asks Telegram for updates until stopped, handing each to ``accept`` in order."""

    def __init__(
        self,
        api: BotApi,
        accept: Accept,
        *,
        allowed_updates: Sequence[str],
        timeout: int,
        stopped: asyncio.Event,
    ) -> None:
        self._api = api
        self._accept = accept
        self._allowed = tuple(allowed_updates)
        self._timeout = timeout
        self._stopped = stopped
        self._backoff = Backoff(stopped)

    async def run(self) -> None:
        """Poll until stopped, or until Telegram refuses the token."""
        offset: int | None = None
        while not self._stopped.is_set():
            try:
                updates = await self._api.get_updates(offset, self._timeout, self._allowed)
            except ChannelMisconfigured:
                log.error("Telegram refused the bot token; polling stopped (TELEGRAM_BOT_TOKEN)")
                return
            except RateLimited as exc:
                await self._backoff.wait(at_least=exc.retry_after)
            except TelegramConflict:
                log.warning("another poller or a webhook holds this bot's updates; waiting")
                await self._backoff.wait()
            except DeliveryError as exc:
                log.warning("polling Telegram failed, trying again: %s", exc)
                await self._backoff.wait()
            else:
                offset = await self._take(updates, offset)

    async def _take(self, updates: list[JsonValue], offset: int | None) -> int | None:
        """Hand over ``updates``; the offset to ask from next (the first not yet queued)."""
        for raw in updates:
            update = _read(raw)
            update_id = update.update_id if update is not None else _update_id(raw)
            if update_id is None:
                log.warning("Telegram sent an update without an update_id; asking again")
                await self._backoff.wait()
                return offset
            if update is None:
                log.warning("update %s is not a Telegram update; skipped", update_id)
            elif self._stopped.is_set() or not await self._accept(update):
                await self._backoff.wait()
                return update_id
            offset = update_id + 1
        self._backoff.reset()
        return offset


def _read(raw: JsonValue) -> tg.Update | None:
    try:
        return tg.Update.model_validate(raw)
    except ValidationError:
        return None


def _update_id(raw: JsonValue) -> int | None:
    """The ``update_id`` of an update that is not otherwise readable, to skip it by."""
    number = raw.get("update_id") if isinstance(raw, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None
