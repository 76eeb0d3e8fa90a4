"""Which channels a bot runs: each is on when ``bot.yaml`` leaves it enabled and its
credentials are in the environment. Vendor SDKs are imported only for channels that are on."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import BotConfig, Settings
from bot.connector import Connector


@dataclass(frozen=True, slots=True)
class Plan:
    """A channel's decision: its connector when on, and a line for the start banner."""

    channel: str
    connector: Connector | None
    detail: str


def plan(config: BotConfig, settings: Settings, base_url: str) -> list[Plan]:
    """The channels, on or off, in banner order."""
    return [_webchat(config, settings, base_url)]


def _webchat(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    if not config.channels.webchat.enabled:
        return Plan("webchat", None, "off (channels.webchat.enabled: false in bot.yaml)")
    from connectors.webchat import WebchatConnector, WebchatOptions

    options = WebchatOptions(
        origins=settings.webchat_origins,
        secret=settings.webchat_secret.get_secret_value() if settings.webchat_secret else None,
        public_url=settings.public_url,
        title=config.name,
        burst=config.channels.webchat.rate_burst,
        per_second=config.channels.webchat.rate_per_second,
        directline_secret=(
            settings.directline_secret.get_secret_value() if settings.directline_secret else None
        ),
    )
    detail = f"{base_url}/chat"
    if options.directline_secret:
        detail += f"  (Direct Line: {base_url}/v3/directline)"
    return Plan("webchat", WebchatConnector(options), detail)
