"""Whether the channel is on, what the start banner says, and configuration checked early."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError
from connectors.telegram import plan
from connectors.telegram.connector import TelegramConnector
from connectors.telegram.settings import TelegramSettings
from tests.fakes.telegram import TOKEN
from tests.server_process import ROOT

BASE = "http://127.0.0.1:8080"
CONFIG = BotConfig(name="Store")


def settings(**variables: str) -> Settings:
    return Settings.from_env(variables)


def test_without_credentials_the_channel_is_off_and_says_what_to_set() -> None:
    decided = plan(CONFIG, settings(), BASE)
    assert (decided.connector, decided.detail) == (
        None,
        "off (set TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET)",
    )


def test_a_webhook_needs_its_secret() -> None:
    decided = plan(CONFIG, settings(TELEGRAM_BOT_TOKEN=TOKEN), BASE)
    assert (decided.connector, decided.detail) == (None, "off (TELEGRAM_WEBHOOK_SECRET not set)")


def test_bot_yaml_can_turn_the_channel_off() -> None:
    config = BotConfig.model_validate(
        {"name": "Store", "channels": {"telegram": {"enabled": False}}}
    )
    decided = plan(config, settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_MODE="polling"), BASE)
    assert decided.connector is None
    assert decided.detail == "off (channels.telegram.enabled: false in bot.yaml)"


def test_a_webhook_with_a_public_url_is_registered_there() -> None:
    decided = plan(
        CONFIG,
        settings(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_WEBHOOK_SECRET="s3cret",
            OMNIBOT_PUBLIC_URL="https://bot.example/",
        ),
        BASE,
    )
    assert isinstance(decided.connector, TelegramConnector)
    assert decided.detail == (
        "webhook https://bot.example/telegram/webhook (registered with Telegram at start)"
    )


@pytest.mark.parametrize("public_url", [None, "http://bot.example"])
def test_a_webhook_without_an_https_public_url_is_not_registered(public_url: str | None) -> None:
    variables = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "s3cret"}
    if public_url:
        variables["OMNIBOT_PUBLIC_URL"] = public_url
    decided = plan(CONFIG, settings(**variables), BASE)
    assert decided.connector is not None
    assert decided.detail.startswith(f"webhook {BASE}/telegram/webhook (not registered")


def test_polling_needs_only_the_token() -> None:
    decided = plan(CONFIG, settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_MODE="polling"), BASE)
    assert decided.connector is not None
    assert decided.detail.startswith("polling")
    assert [r.path for r in decided.connector.routes()] == ["/telegram/files/{file_id}"]


def test_a_malformed_token_or_secret_is_reported_without_its_value() -> None:
    with pytest.raises(ConfigError) as raised:
        plan(
            CONFIG,
            settings(TELEGRAM_BOT_TOKEN="not-a-token", TELEGRAM_WEBHOOK_SECRET="has spaces!"),
            BASE,
        )
    assert raised.value.problems == [
        "$TELEGRAM_BOT_TOKEN: not a bot token; BotFather gives one like 123456789:AAH…",
        "$TELEGRAM_WEBHOOK_SECRET: use 1 to 256 of A-Z, a-z, 0-9, _ and - (Telegram's rule)",
    ]


def test_options_never_show_their_secrets() -> None:
    options = TelegramSettings(token=TOKEN, webhook_secret="s3cret-value")
    assert TOKEN not in repr(options)
    assert "s3cret-value" not in repr(options)
    assert options.bot_id == int(TOKEN.partition(":")[0])


def test_importing_the_channel_does_not_import_aiogram() -> None:
    code = "import sys, connectors.telegram; print('aiogram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"


AIOGRAM_LOADED = "print(sorted(name for name in sys.modules if name.split('.')[0] == 'aiogram'))"
RUNNING = """
import asyncio, json, sys
from connectors.telegram.connector import SECRET_HEADER
from tests.fuzz.kit import TELEGRAM_SECRET, everything
from tests.fakes.telegram_updates import JOHN, Updates

async def main():
    async with everything() as bot:
        fake = bot.telegram
        await fake.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls))
        headers = {SECRET_HEADER: TELEGRAM_SECRET, "Content-Type": "application/json"}
        update = json.dumps(Updates().text(JOHN, "hi")).encode()
        answer = await bot.request("POST", "/telegram/webhook", update, headers)
        assert answer.status == 200, answer
        await bot.settle()
        called = {c.method for c in fake.calls}
        assert {"getMe", "setWebhook", "sendMessage"} <= called, called

asyncio.run(main())
"""


def test_importing_the_connector_does_not_import_aiogram() -> None:
    code = f"import sys, connectors.telegram.connector; {AIOGRAM_LOADED}"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_running_the_channel_does_not_import_aiogram() -> None:
    """Every channel on, as ``omnibot run`` wires them, and a Telegram turn taken: the webhook
    registered, an update read and answered."""
    result = subprocess.run(
        [sys.executable, "-c", RUNNING + AIOGRAM_LOADED],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
