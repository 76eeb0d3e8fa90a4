"""WhatsApp through Meta's Cloud API: a signed webhook in, the Graph API out.

The channel speaks the Graph API itself (:mod:`.client`, :mod:`.api_types`): no vendor SDK.
Importing this package loads only the settings; :func:`plan` loads the connector when the
channel is on.
"""

from __future__ import annotations

from bot.app.config import BotConfig, Settings
from connectors.registry import Plan, switched_off
from connectors.whatsapp.settings import (
    CHANNEL,
    WEBHOOK_PATH,
    WhatsappSettings,
    missing,
    read_settings,
)

__all__ = ["WhatsappSettings", "plan"]


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """On when ``bot.yaml`` allows it and the token, the number's id, the app secret and the
    verify token are set."""
    refused = switched_off(CHANNEL, config.channels.whatsapp.enabled, missing(settings))
    if refused is not None:
        return refused
    whatsapp = read_settings(config, settings, base_url)
    from connectors.whatsapp.connector import WhatsappConnector  # loaded only when on

    where = (settings.public_url or base_url).rstrip("/")
    detail = (
        f"webhook {where}{WEBHOOK_PATH} (give it to Meta with the verify token; "
        f"number id {whatsapp.phone_number_id}, Graph API {whatsapp.api_version})"
    )
    return Plan(CHANNEL, WhatsappConnector(whatsapp), detail)
