"""Telegram, through the Bot API: webhook or long polling, buttons, contacts, media.

The channel speaks the Bot API itself (:mod:`.client`, :mod:`.api_types`): no vendor SDK is
imported, at start or later. Importing this package loads only the settings; :func:`plan`
loads the connector when the channel is on.
"""

from __future__ import annotations

from bot.app.config import BotConfig, Settings
from connectors.registry import Plan, switched_off
from connectors.telegram.settings import (
    CHANNEL,
    WEBHOOK_PATH,
    TelegramSettings,
    missing,
    read_settings,
)

__all__ = ["TelegramSettings", "plan"]


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """On when ``bot.yaml`` allows it and the credentials for the chosen mode are set."""
    refused = switched_off(CHANNEL, config.channels.telegram.enabled, missing(settings))
    if refused is not None:
        return refused
    telegram = read_settings(config, settings, base_url)
    from connectors.telegram.connector import TelegramConnector  # loaded only when on

    return Plan(CHANNEL, TelegramConnector(telegram), _detail(telegram, base_url))


def _detail(telegram: TelegramSettings, base_url: str) -> str:
    if telegram.mode == "polling":
        return "polling (for development: one worker, no public URL needed)"
    registered = telegram.webhook_url
    if registered is not None:
        return f"webhook {registered} (registered with Telegram at start)"
    return (
        f"webhook {base_url}{WEBHOOK_PATH} (not registered: set OMNIBOT_PUBLIC_URL "
        "to the https address Telegram can reach)"
    )
