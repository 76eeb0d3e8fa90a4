"""The web chat: a widget any site embeds with one script tag, over a websocket."""

from __future__ import annotations

from bot.app.config import BotConfig, RateSection, Settings
from connectors.registry import Plan
from connectors.webchat.connector import WebchatConnector, WebchatOptions
from connectors.webchat.rates import Limits, Rate

__all__ = ["WebchatConnector", "WebchatOptions", "plan"]


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """The web chat is on unless ``bot.yaml`` turns it off; it needs no credentials."""
    section = config.channels.webchat
    if not section.enabled:
        return Plan("webchat", None, "off (channels.webchat.enabled: false in bot.yaml)")
    directline = (
        settings.directline_secret.get_secret_value() if settings.directline_secret else None
    )
    options = WebchatOptions(
        origins=settings.webchat_origins,
        secret=settings.webchat_secret.get_secret_value() if settings.webchat_secret else None,
        public_url=settings.public_url,
        title=config.name,
        limits=Limits(
            messages=Rate(section.rate_burst, section.rate_per_second),
            new_per_source=_rate(section.new_per_source),
            codes_per_source=_rate(section.codes_per_source),
        ),
        directline_secret=directline,
        base_url=settings.public_url or base_url,
    )
    detail = f"{base_url}/chat"
    if directline:
        detail += f"  (Direct Line: {base_url}/v3/directline)"
    return Plan("webchat", WebchatConnector(options), detail)


def _rate(section: RateSection) -> Rate:
    return Rate(section.burst, section.per_minute / 60)
