"""WhatsApp through Meta's Cloud API (a signed webhook in, the Graph API out) or through Twilio
(:mod:`.twilio`), or both (:mod:`.providers`): one ``whatsapp`` channel.

The Cloud API side (:mod:`.cloud`) speaks the Graph API itself: no vendor SDK. What holds
whichever provider carries a message is here: WhatsApp's rules (:mod:`.rules`), the statuses
(:mod:`.statuses`), the ``wa.me`` invitation (:mod:`.invite`). Importing this package loads
only the settings; :func:`plan` loads the connectors of the providers that are on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.app.config import BotConfig, Settings
from connectors.registry import Plan, switched_off
from connectors.whatsapp.cloud.settings import (
    WEBHOOK_PATH,
    WhatsappSettings,
    missing,
    read_settings,
)
from connectors.whatsapp.rules import CHANNEL
from connectors.whatsapp.twilio import settings as through_twilio

if TYPE_CHECKING:
    from connectors.whatsapp.cloud.connector import WhatsappConnector
    from connectors.whatsapp.twilio.connector import TwilioWhatsappConnector

__all__ = ["WhatsappSettings", "plan"]


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """On when ``bot.yaml`` allows it and either provider's variables are set: the Cloud API's
    token, number id, app secret and verify token; Twilio's account, token and
    ``TWILIO_WHATSAPP_FROM``. With both, both are on (see :mod:`.providers`)."""
    enabled = config.channels.whatsapp.enabled
    cloud_off = switched_off(CHANNEL, enabled, missing(settings))
    twilio_off = switched_off(CHANNEL, enabled, through_twilio.missing(settings))
    if cloud_off is not None and twilio_off is not None:
        return twilio_off if settings.twilio_whatsapp_from else cloud_off
    where = (settings.public_url or base_url).rstrip("/")
    if twilio_off is not None:
        return Plan(CHANNEL, *_cloud(config, settings, base_url, where))
    twilio, twilio_line = _twilio(config, settings, where)
    if cloud_off is not None:
        return Plan(CHANNEL, twilio, twilio_line)
    cloud, cloud_line = _cloud(config, settings, base_url, where)
    from connectors.whatsapp.providers import WhatsappProviders

    both = WhatsappProviders(cloud, twilio)
    return Plan(CHANNEL, both, f"{cloud_line}; and {twilio_line}")


def _cloud(
    config: BotConfig, settings: Settings, base_url: str, where: str
) -> tuple[WhatsappConnector, str]:
    whatsapp = read_settings(config, settings, base_url)
    from connectors.whatsapp.cloud.connector import WhatsappConnector  # loaded only when on

    detail = (
        f"webhook {where}{WEBHOOK_PATH} (give it to Meta with the verify token; "
        f"number id {whatsapp.phone_number_id}, Graph API {whatsapp.api_version})"
    )
    return WhatsappConnector(whatsapp), detail


def _twilio(
    config: BotConfig, settings: Settings, where: str
) -> tuple[TwilioWhatsappConnector, str]:
    given = through_twilio.read_settings(config, settings, where)
    from connectors.whatsapp.twilio.connector import TwilioWhatsappConnector

    inbound, status = through_twilio.INBOUND_PATH, through_twilio.STATUS_PATH
    detail = f"Twilio {where}{inbound} (from {given.sender}; status callbacks {where}{status})"
    if given.public_url is None:
        detail += "  set OMNIBOT_PUBLIC_URL: Twilio signs the public URL it calls"
    return TwilioWhatsappConnector(given), detail
