"""The Telegram channel's settings, read from the environment and checked before anything
talks to Telegram.

Pure (no I/O, nothing of the connector), so that ``plan`` can decide whether the channel is on,
and report a broken variable as ``$NAME: problem``, before the connector is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError

CHANNEL = "telegram"
WEBHOOK_PATH = "/telegram/webhook"
FILES_PATH = "/telegram/files"
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,128}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's own rule for secret_token


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """What the connector needs; the token and the secret never appear in its ``repr``.

    ``public_url`` is where Telegram reaches this bot (the webhook is registered there when it is
    https); ``links_base`` is the base of the file links the bot hands out (the public URL, or the
    local one when there is none).
    """

    token: str = field(repr=False)
    mode: Literal["webhook", "polling"] = "webhook"
    webhook_secret: str | None = field(default=None, repr=False)
    api_base: str = "https://api.telegram.org"
    public_url: str | None = None
    links_base: str = "http://127.0.0.1:8080"
    poll_timeout: int = 30
    send_timeout: float = 15.0
    media_timeout: float = 60.0

    @property
    def bot_id(self) -> int:
        """The bot's own user id: the token's first part (not a secret; Telegram shows it)."""
        return int(self.token.partition(":")[0])

    @property
    def webhook_url(self) -> str | None:
        """Where Telegram should post updates, if it can be registered (Telegram needs https)."""
        if self.public_url is None or not self.public_url.startswith("https://"):
            return None
        return self.public_url.rstrip("/") + WEBHOOK_PATH


def missing(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The variables the chosen mode (``TELEGRAM_MODE``) still needs, and those given."""
    needed = {"TELEGRAM_BOT_TOKEN": _value(settings.telegram_bot_token)}
    if settings.telegram_mode == "webhook":
        needed["TELEGRAM_WEBHOOK_SECRET"] = _value(settings.telegram_webhook_secret)
    absent = tuple(name for name, value in needed.items() if not value)
    given = tuple(name for name, value in needed.items() if value)
    return absent, given


def read_settings(config: BotConfig, settings: Settings, base_url: str) -> TelegramSettings:
    """The settings of a channel whose variables are set (see :func:`missing`); raises
    :class:`ConfigError` naming each malformed one. Files are linked from the public URL, or
    from ``base_url`` when there is none."""
    token = _value(settings.telegram_bot_token)
    secret = _value(settings.telegram_webhook_secret)
    if token is None:
        raise ConfigError(["$TELEGRAM_BOT_TOKEN: not set"])
    check(token, secret)
    return TelegramSettings(
        token=token,
        mode=settings.telegram_mode,
        webhook_secret=secret,
        api_base=settings.telegram_api_base,
        public_url=settings.public_url,
        links_base=(settings.public_url or base_url).rstrip("/"),
    )


def check(token: str, secret: str | None) -> None:
    """Raise :class:`ConfigError` naming each malformed variable (never echoing its value)."""
    problems = []
    if not _TOKEN.match(token):
        problems.append(
            "$TELEGRAM_BOT_TOKEN: not a bot token; BotFather gives one like 123456789:AAH…"
        )
    if secret is not None and not _SECRET.match(secret):
        problems.append(
            "$TELEGRAM_WEBHOOK_SECRET: use 1 to 256 of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
        )
    if problems:
        raise ConfigError(problems)


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret else None
