"""Telegram, through the Bot API: webhook or long polling, buttons, contacts, media.

The channel speaks the Bot API itself (:mod:`.client`, :mod:`.api_types`): no vendor SDK is
imported, at start or later. Importing this package loads only the settings; :func:`plan`
loads the connector when the channel is on.
"""

from __future__ import annotations

from bot.app.config import BotConfig, Settings
from connectors.registry import Plan, off
from connectors.telegram.options import WEBHOOK_PATH, TelegramOptions, check

__all__ = ["TelegramOptions", "plan"]
CHANNEL = "telegram"


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """On when ``bot.yaml`` allows it and the credentials for the chosen mode are set."""
    if not config.channels.telegram.enabled:
        return Plan(CHANNEL, None, "off (channels.telegram.enabled: false in bot.yaml)")
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    secret = (
        settings.telegram_webhook_secret.get_secret_value()
        if settings.telegram_webhook_secret
        else None
    )
    missing, given = _credentials(settings.telegram_mode, token, secret)
    if token is None or missing:
        return Plan(CHANNEL, None, off(CHANNEL, missing, given))
    check(token, secret)
    options = TelegramOptions(
        token=token,
        mode=settings.telegram_mode,
        webhook_secret=secret,
        api_base=settings.telegram_api_base,
        public_url=settings.public_url,
        links_base=(settings.public_url or base_url).rstrip("/"),
    )
    from connectors.telegram.connector import TelegramConnector  # loaded only when on

    return Plan(CHANNEL, TelegramConnector(options), _detail(options, base_url))


def _credentials(
    mode: str, token: str | None, secret: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The variables still missing for ``mode``, and those given."""
    needed = {"TELEGRAM_BOT_TOKEN": token}
    if mode == "webhook":
        needed["TELEGRAM_WEBHOOK_SECRET"] = secret
    missing = tuple(name for name, value in needed.items() if not value)
    given = tuple(name for name, value in needed.items() if value)
    return missing, given


def _detail(options: TelegramOptions, base_url: str) -> str:
    if options.mode == "polling":
        return "polling (for development: one worker, no public URL needed)"
    registered = options.webhook_url
    if registered is not None:
        return f"webhook {registered} (registered with Telegram at start)"
    return (
        f"webhook {base_url}{WEBHOOK_PATH} (not registered: set OMNIBOT_PUBLIC_URL "
        "to the https address Telegram can reach)"
    )
