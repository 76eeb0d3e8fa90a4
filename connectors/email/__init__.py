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
    """On when ``bot.yaml`` allows it and the four ``EMAIL_`` variables are set; the links in
    its mail lead to ``OMNIBOT_PUBLIC_URL`` (else ``base_url``)."""
    refused = switched_off(CHANNEL, config.channels.email.enabled, missing(settings))
    if refused is not None:
        return refused
    email = read_settings(config, settings)
    from connectors.email.connector import EmailConnector

    public = (settings.public_url or base_url).rstrip("/")
    language = config.default_language or config.languages[0]
    detail = f"{public}/email/inbound  (raw MIME, bearer token; from {email.sender})"
    return Plan(CHANNEL, EmailConnector(email, public, language=language), detail)
