"""The Slack channel's settings, read from the environment and ``bot.yaml``; importing this loads
no Slack SDK, so that ``plan`` decides whether the channel is on before the connector is loaded."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError

CHANNEL = "slack"
EVENTS_PATH = "/slack/events"
DEFAULT_API_BASE = "https://slack.com/api/"
_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``, ``SLACK_APP_TOKEN`` and ``SLACK_API_BASE``,
    plus the connector's tuning.

    Events arrive over HTTP at :data:`EVENTS_PATH` when ``signing_secret`` is set, and over Socket
    Mode when ``app_token`` is set (both may be). ``profile_ttl`` is how long a person's
    ``users.info`` answer (name, e-mail, locale) is trusted before it is asked again;
    ``lookup_timeout`` bounds that call, since it runs before Slack's request is acknowledged.
    ``desk_channel`` is ``bot.yaml``'s ``agents.slack.channel``: the agent desk's channel.
    """

    bot_token: str = field(repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    api_base: str = DEFAULT_API_BASE
    profile_ttl: float = 3600.0
    lookup_timeout: float = 2.0
    api_timeout: float = 10.0
    socket_ping_interval: float = 10.0
    desk_channel: str | None = None

    @property
    def web_api(self) -> str:
        """The Web API base URL, ending with ``/`` as the SDK joins method names to it."""
        return self.api_base if self.api_base.endswith("/") else f"{self.api_base}/"


def missing(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The variables still missing (a bot token, and a way for events to arrive: a signing
    secret for HTTP, an app-level token for Socket Mode), and those given."""
    token, secret, app = _values(settings)
    absent: tuple[str, ...] = ("SLACK_BOT_TOKEN",) if not token else ()
    if not secret and not app:
        absent += ("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN",)
    given = tuple(
        name for name, value in zip(_VARIABLES, (token, secret, app), strict=True) if value
    )
    return absent, given


def wrong_kind(settings: Settings) -> str | None:
    """Swapped tokens are the usual mistake; say so at start rather than fail on each call."""
    token, _, app = _values(settings)
    if token is None or not token.startswith("xoxb-"):
        return "SLACK_BOT_TOKEN must be the app's Bot User OAuth Token, xoxb-..."
    if app is not None and not app.startswith("xapp-"):
        return "SLACK_APP_TOKEN must be an app-level token, xapp-..."
    return None


def read_settings(config: BotConfig, settings: Settings, base_url: str) -> SlackSettings:
    """The settings of a channel whose variables are set (see :func:`missing`)."""
    token, secret, app = _values(settings)
    if token is None:
        raise ConfigError(["$SLACK_BOT_TOKEN: not set"])
    desk = config.agents.slack
    return SlackSettings(
        bot_token=token,
        signing_secret=secret,
        app_token=app,
        api_base=settings.slack_api_base,
        desk_channel=desk.channel if desk else None,
    )


def _values(settings: Settings) -> tuple[str | None, str | None, str | None]:
    return (
        _value(settings.slack_bot_token),
        _value(settings.slack_signing_secret),
        _value(settings.slack_app_token),
    )


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret else None
