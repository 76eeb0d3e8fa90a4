"""Whether the SMS channel is on, and what ``omnibot run`` says about it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError
from connectors.sms import plan
from connectors.sms.connector import SmsConnector
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, SERVICE_SID
from tests.server_process import ROOT

CONFIG = BotConfig.model_validate({"name": "Store", "languages": ["pt", "en"]})
BASE = "http://127.0.0.1:8080"


def settings(**values: str) -> Settings:
    return Settings.from_env(values)


def test_off_until_the_account_the_token_and_a_sender_are_set() -> None:
    nothing = plan(CONFIG, settings(), BASE)
    assert (nothing.connector, nothing.detail) == (
        None,
        "off (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER or "
        "TWILIO_MESSAGING_SERVICE_SID)",
    )
    partial = plan(
        CONFIG, settings(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN), BASE
    )
    assert partial.detail == "off (TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID not set)"


def test_off_when_bot_yaml_says_so() -> None:
    config = BotConfig.model_validate({"name": "Store", "channels": {"sms": {"enabled": False}}})
    full = settings(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM_NUMBER=BOT_NUMBER
    )
    assert plan(config, full, BASE).detail == "off (channels.sms.enabled: false in bot.yaml)"


def test_on_with_a_number_and_a_public_url() -> None:
    on = plan(
        CONFIG,
        settings(
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_FROM_NUMBER=BOT_NUMBER,
            OMNIBOT_PUBLIC_URL="https://bot.example.test/",
        ),
        BASE,
    )
    assert isinstance(on.connector, SmsConnector)
    assert on.detail == (
        "https://bot.example.test/sms/twilio  (from +15550001111; status callbacks "
        "https://bot.example.test/sms/twilio/status)"
    )


def test_on_with_a_messaging_service_says_a_public_url_is_needed() -> None:
    on = plan(
        CONFIG,
        settings(
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_MESSAGING_SERVICE_SID=SERVICE_SID,
        ),
        BASE,
    )
    assert on.connector is not None
    assert on.detail.startswith(f"{BASE}/sms/twilio  (from {SERVICE_SID};")
    assert on.detail.endswith("set OMNIBOT_PUBLIC_URL: Twilio signs the public URL it calls")


def test_malformed_variables_stop_the_bot_at_start() -> None:
    with pytest.raises(ConfigError) as broken:
        plan(
            CONFIG,
            settings(
                TWILIO_ACCOUNT_SID="SK123",
                TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                TWILIO_FROM_NUMBER="(555) 000-1111",
                TWILIO_API_BASE="api.twilio.com",
            ),
            BASE,
        )
    assert broken.value.problems == [
        "$TWILIO_ACCOUNT_SID: an account SID is AC followed by 32 hexadecimal digits",
        "$TWILIO_FROM_NUMBER: a sender number is in E.164 form, like +5511987654321, or a "
        "short code",
        "$TWILIO_API_BASE: must be an http(s) URL",
    ]
    assert AUTH_TOKEN not in str(broken.value)


def test_importing_the_package_does_not_import_twilio() -> None:
    code = "import sys, connectors.sms; print('twilio' in sys.modules)"
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert shown.stdout.strip() == "False"
