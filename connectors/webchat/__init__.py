"""The web chat: a widget any site embeds with one script tag, over a websocket, and the Direct
Line front end for the Bot Framework Web Chat.

Importing this package loads only the settings; :func:`plan` loads the connector.
"""

from __future__ import annotations

from bot.app.config import BotConfig, Settings
from connectors.registry import Plan, switched_off
from connectors.webchat.settings import CHANNEL, WebchatSettings, read_settings

__all__ = ["WebchatSettings", "plan"]


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """The web chat is on unless ``bot.yaml`` turns it off; it needs no credentials."""
    refused = switched_off(CHANNEL, config.channels.webchat.enabled)
    if refused is not None:
        return refused
    webchat = read_settings(config, settings, base_url)
    from connectors.webchat.connector import WebchatConnector

    detail = f"{base_url}/chat"
    if webchat.directline_secret:
        detail += f"  (Direct Line: {base_url}/v3/directline)"
    return Plan(CHANNEL, WebchatConnector(webchat), detail)
