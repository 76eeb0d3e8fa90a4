"""The web chat's settings, read from the environment and ``bot.yaml``.

The web chat needs no credentials: it is on unless ``bot.yaml`` turns it off. A secret adds what
is optional: signed customer identities from the host site (``OMNIBOT_WEBCHAT_SECRET``) and the
Direct Line front end (``OMNIBOT_DIRECTLINE_SECRET``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.app.config import BotConfig, RateSection, Settings
from connectors.webchat.rates import Limits, Rate

CHANNEL = "webchat"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """How long a mark lasts (``ttl``) and how often an open page renews it (``refresh``), in
    seconds (``channels.webchat.presence_ttl`` and ``presence_refresh``)."""

    ttl: float = 60.0
    refresh: float = 20.0


@dataclass(frozen=True, slots=True)
class WebchatSettings:
    """``OMNIBOT_WEBCHAT_ORIGINS``, ``OMNIBOT_WEBCHAT_SECRET``, ``OMNIBOT_PUBLIC_URL`` and the
    bot's title for the demo page."""

    origins: tuple[str, ...] = ()
    secret: str | None = field(default=None, repr=False)
    public_url: str | None = None
    title: str = "Chat"
    directline_secret: str | None = field(default=None, repr=False)
    limits: Limits = field(default_factory=Limits)
    hello_timeout: float = 10.0
    heartbeat: Heartbeat = field(default_factory=Heartbeat)
    """How long an open page counts as open, and how often it says so again."""
    base_url: str | None = None
    """Where customers reach this server (``OMNIBOT_PUBLIC_URL``, else the local address):
    link codes become ``<base_url>/chat?link=<token>``."""


def read_settings(config: BotConfig, settings: Settings, base_url: str) -> WebchatSettings:
    """The web chat's settings: ``channels.webchat`` in ``bot.yaml`` and the environment."""
    section = config.channels.webchat
    secret, directline = settings.webchat_secret, settings.directline_secret
    return WebchatSettings(
        origins=settings.webchat_origins,
        secret=secret.get_secret_value() if secret else None,
        public_url=settings.public_url,
        title=config.name,
        limits=Limits(
            messages=Rate(section.rate_burst, section.rate_per_second),
            new_per_source=_rate(section.new_per_source),
            codes_per_source=_rate(section.codes_per_source),
        ),
        directline_secret=directline.get_secret_value() if directline else None,
        base_url=settings.public_url or base_url,
        heartbeat=Heartbeat(section.presence_ttl, section.presence_refresh),
    )


def _rate(section: RateSection) -> Rate:
    return Rate(section.burst, section.per_minute / 60)
