"""What the Slack connector is configured with; importing this loads no Slack SDK."""

from __future__ import annotations

from dataclasses import dataclass, field

CHANNEL = "slack"
EVENTS_PATH = "/slack/events"
DEFAULT_API_BASE = "https://slack.com/api/"


@dataclass(frozen=True, slots=True)
class SlackOptions:
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
