"""SMS and MMS through Twilio: signed webhooks, delivery statuses, opt-out compliance.

Importing this package does not import twilio; :func:`plan` does, and only when the channel
is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.app.config import BotConfig, Settings
from connectors.registry import Plan, switched_off
from connectors.sms.settings import (
    CHANNEL,
    SmsSettings,
    missing,
    read_settings,
    read_verify_settings,
)

if TYPE_CHECKING:
    from connectors.sms.verify_codes import VerifyCodes

__all__ = ["SmsSettings", "code_provider", "plan"]


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """On when ``bot.yaml`` allows it and the account, its token and a sender are set."""
    refused = switched_off(CHANNEL, config.channels.sms.enabled, missing(settings))
    if refused is not None:
        return refused
    sms = read_settings(config, settings, base_url)
    from connectors.sms.connector import SmsConnector

    return Plan(CHANNEL, SmsConnector(sms), _detail(sms, base_url))


def code_provider(settings: Settings) -> VerifyCodes | None:
    """Twilio Verify when ``TWILIO_VERIFY_SERVICE_SID`` is set (whether the SMS channel is on
    or not); ``None`` leaves omnibot to text its own codes. Raises
    :class:`~bot.errors.ConfigError` for a malformed Verify setting."""
    verify = read_verify_settings(settings)
    if verify is None:
        return None
    from connectors.sms.verify_codes import VerifyCodes

    return VerifyCodes(verify)


def _detail(sms: SmsSettings, base_url: str) -> str:
    """The banner line: the webhook to give Twilio, and what the bot sends from."""
    sender = sms.messaging_service_sid or sms.from_number
    where = sms.public_url or base_url
    line = f"{where}/sms/twilio  (from {sender}; status callbacks {where}/sms/twilio/status)"
    if sms.public_url is None:
        line += "  set OMNIBOT_PUBLIC_URL: Twilio signs the public URL it calls"
    return line
