"""Whether the WhatsApp channel is on, and what ``omnibot run`` says about it."""

from __future__ import annotations

import pytest

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError
from connectors import registry
from connectors.whatsapp import plan
from connectors.whatsapp.cloud.connector import WhatsappConnector
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN
from tests.fakes.whatsapp_notifications import APP_SECRET, VERIFY_TOKEN

CONFIG = BotConfig.model_validate({"name": "Loja", "languages": ["pt", "en"]})
BASE = "http://127.0.0.1:8080"
ALL = {
    "WHATSAPP_ACCESS_TOKEN": TOKEN,
    "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
    "WHATSAPP_APP_SECRET": APP_SECRET,
    "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
}


def test_off_until_its_four_variables_are_set() -> None:
    nothing = plan(CONFIG, Settings.from_env({}), BASE)
    assert (nothing.connector, nothing.detail) == (
        None,
        "off (set WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET, "
        "WHATSAPP_VERIFY_TOKEN)",
    )
    partial = plan(CONFIG, Settings.from_env({"WHATSAPP_ACCESS_TOKEN": TOKEN}), BASE)
    assert partial.detail == (
        "off (WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN not set)"
    )


def test_off_when_bot_yaml_says_so() -> None:
    config = BotConfig.model_validate(
        {"name": "Loja", "channels": {"whatsapp": {"enabled": False}}}
    )
    off = plan(config, Settings.from_env(ALL), BASE)
    assert off.detail == "off (channels.whatsapp.enabled: false in bot.yaml)"


def test_on_with_the_graph_api_version_of_bot_yaml() -> None:
    config = BotConfig.model_validate(
        {"name": "Loja", "languages": ["pt"], "channels": {"whatsapp": {"api_version": "v23.0"}}}
    )
    on = plan(config, Settings.from_env(ALL | {"OMNIBOT_PUBLIC_URL": "https://loja.test/"}), BASE)
    assert isinstance(on.connector, WhatsappConnector)
    assert on.connector.settings.messages_url == (
        f"https://graph.facebook.com/v23.0/{PHONE_NUMBER_ID}/messages"
    )
    assert on.connector.settings.list_button == "Opções"
    assert on.detail.startswith("webhook https://loja.test/whatsapp/webhook ")
    assert TOKEN not in repr(on.connector.settings)
    assert APP_SECRET not in repr(on.connector.settings)


def test_the_registry_turns_it_on() -> None:
    plans = {p.channel: p for p in registry.plan(CONFIG, Settings.from_env(ALL), BASE)}
    assert isinstance(plans["whatsapp"].connector, WhatsappConnector)


def test_malformed_variables_stop_the_bot_at_start() -> None:
    broken = ALL | {"WHATSAPP_PHONE_NUMBER_ID": "+15550001234", "WHATSAPP_API_BASE": "graph"}
    with pytest.raises(ConfigError) as raised:
        plan(CONFIG, Settings.from_env(broken), BASE)
    problems = str(raised.value)
    assert "$WHATSAPP_PHONE_NUMBER_ID" in problems
    assert "$WHATSAPP_API_BASE" in problems
    assert "+15550001234" not in problems


def test_a_malformed_api_version_is_refused_in_bot_yaml() -> None:
    with pytest.raises(ValueError, match="api_version"):
        BotConfig.model_validate({"name": "Loja", "channels": {"whatsapp": {"api_version": "21"}}})
