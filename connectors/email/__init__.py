"""E-mail: received mail by ``POST /email/inbound`` (raw MIME), our mail by SMTP.

Importing this package does not import aiosmtplib; :func:`plan` does, and only when the
channel is on.
"""

from __future__ import annotations

from bot.app.config import BotConfig, Settings
from connectors.email.settings import CHANNEL, EmailSettings, missing, read_settings
from connectors.registry import Plan, switched_off

__all__ = ["EmailSettings", "plan"]


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """On when ``bot.yaml`` allows it and the four ``EMAIL_`` variables are set."""
    refused = switched_off(CHANNEL, config.channels.email.enabled, missing(settings))
    if refused is not None:
        return refused
    email = read_settings(config, settings)
    from connectors.email.connector import EmailConnector

    detail = f"{base_url}/email/inbound  (raw MIME, bearer token; from {email.sender})"
    links_base = (settings.public_url or base_url).rstrip("/")
    return Plan(CHANNEL, EmailConnector(email, links_base=links_base), detail)
