"""Whether WhatsApp through Twilio is on, alone or beside the Cloud API, and what its settings
and bot.yaml's templates may be."""

from __future__ import annotations

import pytest

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError
from connectors.whatsapp import plan
from connectors.whatsapp.providers import WhatsappProviders
from connectors.whatsapp.twilio.connector import TwilioWhatsappConnector
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_SENDER
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN
from tests.fakes.whatsapp_notifications import APP_SECRET, VERIFY_TOKEN

CONFIG = BotConfig.model_validate({"name": "Loja", "languages": ["pt"]})
BASE = "http://127.0.0.1:8080"
TWILIO = {
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_WHATSAPP_FROM": WHATSAPP_SENDER,
}
CLOUD = {
    "WHATSAPP_ACCESS_TOKEN": TOKEN,
    "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
    "WHATSAPP_APP_SECRET": APP_SECRET,
    "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
}
SID = "HX" + "0" * 31


def test_the_sms_account_alone_does_not_turn_whatsapp_on() -> None:
    sms_only = {k: v for k, v in TWILIO.items() if k != "TWILIO_WHATSAPP_FROM"}
    assert plan(CONFIG, Settings.from_env(sms_only), BASE).connector is None
    partial = plan(CONFIG, Settings.from_env({"TWILIO_WHATSAPP_FROM": WHATSAPP_SENDER}), BASE)
    assert partial.detail == "off (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN not set)"


def test_on_through_twilio_with_the_templates_of_bot_yaml() -> None:
    config = BotConfig.model_validate(
        {
            "name": "Loja",
            "channels": {"whatsapp": {"twilio_content": {"quick_reply": {1: SID + "1"}}}},
        }
    )
    env = TWILIO | {"OMNIBOT_PUBLIC_URL": "https://loja.test"}
    on = plan(config, Settings.from_env(env), BASE)
    assert isinstance(on.connector, TwilioWhatsappConnector)
    assert on.connector.settings.content.quick_reply == {1: SID + "1"}
    assert on.connector.capabilities.buttons == 1
    assert on.detail.startswith("Twilio https://loja.test/whatsapp/twilio (from whatsapp:+1")
    assert AUTH_TOKEN not in repr(on.connector.settings)


def test_with_both_providers_both_are_on_as_one_channel() -> None:
    both = plan(CONFIG, Settings.from_env(TWILIO | CLOUD), BASE)
    assert isinstance(both.connector, WhatsappProviders)
    assert both.connector.capabilities.buttons == 0
    paths = {route.path for route in both.connector.routes()}
    assert {"/whatsapp/webhook", "/whatsapp/twilio", "/whatsapp/twilio/status"} <= paths


def test_a_malformed_sender_stops_the_bot_at_start() -> None:
    with pytest.raises(ConfigError, match=r"\$TWILIO_WHATSAPP_FROM"):
        plan(CONFIG, Settings.from_env(TWILIO | {"TWILIO_WHATSAPP_FROM": "+15550002222"}), BASE)


@pytest.mark.parametrize(
    "content",
    [{"quick_reply": {4: SID + "1"}}, {"list_picker": {11: SID + "1"}}, {"list_picker": {2: "x"}}],
)
def test_templates_that_cannot_be_are_refused_in_bot_yaml(content: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="twilio_content"):
        BotConfig.model_validate(
            {"name": "Loja", "channels": {"whatsapp": {"twilio_content": content}}}
        )
