"""Whether Slack is on, from bot.yaml and the environment, and what the banner says."""

from __future__ import annotations

import sys

import pytest

from bot.app.config import BotConfig, Settings
from connectors.slack import plan
from connectors.slack.connector import SlackConnector

BASE = "http://127.0.0.1:8080"
CONFIG = BotConfig(name="Store")


def settings(**env: str) -> Settings:
    return Settings.from_env(env)


def test_the_package_imports_no_sdk_in_a_fresh_process() -> None:
    import subprocess

    code = (
        "import sys, connectors.slack; "
        "print(any(m.startswith(('slack_bolt', 'slack_sdk')) for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("env", "detail"),
    [
        ({}, "off (set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET or SLACK_APP_TOKEN)"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            "off (SLACK_SIGNING_SECRET or SLACK_APP_TOKEN not set)",
        ),
        ({"SLACK_SIGNING_SECRET": "s"}, "off (SLACK_BOT_TOKEN not set)"),
        (
            {"SLACK_BOT_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s"},
            "off (SLACK_BOT_TOKEN must be the app's Bot User OAuth Token, xoxb-...)",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"},
            "off (SLACK_APP_TOKEN must be an app-level token, xapp-...)",
        ),
    ],
)
def test_off_says_what_is_missing(env: dict[str, str], detail: str) -> None:
    decided = plan(CONFIG, settings(**env), BASE)
    assert decided.connector is None
    assert decided.detail == detail


def test_off_in_bot_yaml() -> None:
    config = BotConfig.model_validate({"name": "Store", "channels": {"slack": {"enabled": False}}})
    env = settings(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    assert plan(config, env, BASE).detail == "off (channels.slack.enabled: false in bot.yaml)"


@pytest.mark.parametrize(
    ("env", "detail", "routes"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, f"{BASE}/slack/events", 1),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "Socket Mode", 0),
        (
            {"SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"},
            f"Socket Mode, and {BASE}/slack/events",
            1,
        ),
    ],
)
def test_on_with_a_token_and_a_way_in(env: dict[str, str], detail: str, routes: int) -> None:
    decided = plan(CONFIG, settings(SLACK_BOT_TOKEN="xoxb-1", **env), BASE)
    assert decided.connector is not None
    assert decided.detail == detail
    assert len(decided.connector.routes()) == routes


def test_the_options_never_show_a_secret() -> None:
    env = settings(SLACK_BOT_TOKEN="xoxb-secret-1", SLACK_SIGNING_SECRET="signing-secret-2")
    decided = plan(CONFIG, env, BASE)
    assert isinstance(decided.connector, SlackConnector)
    shown = repr(decided.connector.settings)
    assert "secret-1" not in shown
    assert "secret-2" not in shown
