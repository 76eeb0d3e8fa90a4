"""The web chat: a widget any site embeds with one script tag, over a websocket."""

from connectors.webchat.connector import WebchatConnector, WebchatOptions

__all__ = ["WebchatConnector", "WebchatOptions"]
