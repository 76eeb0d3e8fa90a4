"""Socket Mode: the same bolt app, fed over Slack's websocket instead of HTTP.

For development without a public URL. slack_sdk's aiohttp client asks ``apps.connections.open``
(with the app-level token) for a websocket URL, keeps the connection alive and reconnects when
Slack asks it to; bolt's handler dispatches each envelope through the app, and acknowledges it
only when the app answers 200, which the intake does once the event is queued. An envelope left
unacknowledged is sent again by Slack.
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.turn.tasks import stop_task

log = logging.getLogger("omnibot.slack")


class SocketMode:
    """One Socket Mode connection for the bolt ``app``; create it in the running loop."""

    def __init__(
        self, app: AsyncApp, app_token: str, web: AsyncWebClient, ping_interval: float = 10.0
    ) -> None:
        self._handler = AsyncSocketModeHandler(
            app, app_token, logger=app.logger, web_client=web, ping_interval=ping_interval
        )
        self._connecting: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        """Connect in the background: the client keeps trying until Slack answers, and the rest
        of the bot need not wait for it."""
        self._connecting = asyncio.get_running_loop().create_task(
            self._connect(), name="slack-socket-mode"
        )

    async def _connect(self) -> None:
        await self._handler.connect_async()  # type: ignore[no-untyped-call]  # slack_bolt
        log.info("Slack Socket Mode connected")

    async def close(self) -> None:
        """Stop taking envelopes: those not acknowledged yet will be sent again by Slack."""
        if self._closed:
            return
        self._closed = True
        await stop_task(self._connecting)
        client = self._handler.client
        await self._handler.close_async()  # type: ignore[no-untyped-call]  # slack_bolt
        # close() cancels the client's own tasks without waiting for them to end
        tasks = [
            task
            for task in (
                client.message_processor,
                client.current_session_monitor,
                client.message_receiver,
            )
            if task is not None
        ]
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)
