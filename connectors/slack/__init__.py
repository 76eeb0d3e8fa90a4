"""Slack: direct messages, mentions answered in threads, buttons, verified e-mail, and an
agent desk (a thread per handoff in a channel of the team's).

Importing this package loads no Slack SDK; :func:`plan` imports the connector only when the
channel is on.
"""

from __future__ import annotations

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError
from connectors.registry import Plan, off
from connectors.slack.options import CHANNEL, EVENTS_PATH, SlackOptions

__all__ = ["SlackOptions", "plan"]

_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


def plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    """Slack is on with a bot token and a way for events to arrive: a signing secret (HTTP
    events at ``/slack/events``), an app-level token (Socket Mode), or both. An agent desk on
    Slack (``agents.slack``) needs it on: the bot does not start without it."""
    decided = _plan(config, settings, base_url)
    if decided.connector is None and config.agents.slack is not None:
        raise ConfigError(
            [
                "bot.yaml: agents.slack: the agent desk on Slack needs the Slack channel, "
                f"which is {decided.detail}; turn the channel on, or remove agents.slack"
            ]
        )
    return decided


def _plan(config: BotConfig, settings: Settings, base_url: str) -> Plan:
    if not config.channels.slack.enabled:
        return Plan(CHANNEL, None, "off (channels.slack.enabled: false in bot.yaml)")
    token, secret, app = (
        value.get_secret_value() if value else None
        for value in (
            settings.slack_bot_token,
            settings.slack_signing_secret,
            settings.slack_app_token,
        )
    )
    missing: tuple[str, ...] = ("SLACK_BOT_TOKEN",) if not token else ()
    if not secret and not app:
        missing += ("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN",)
    if missing or token is None:
        values = (token, secret, app)
        given = tuple(name for name, value in zip(_VARIABLES, values, strict=True) if value)
        return Plan(CHANNEL, None, off(CHANNEL, missing, given))
    problem = _wrong_kind(token, app)
    if problem:
        return Plan(CHANNEL, None, f"off ({problem})")
    from connectors.slack.connector import SlackConnector

    desk = config.agents.slack
    options = SlackOptions(
        bot_token=token,
        signing_secret=secret,
        app_token=app,
        api_base=settings.slack_api_base,
        desk_channel=desk.channel if desk else None,
    )
    return Plan(CHANNEL, SlackConnector(options), _detail(options, base_url))


def _wrong_kind(token: str, app: str | None) -> str | None:
    """Swapped tokens are the usual mistake; say so at start rather than fail on each call."""
    if not token.startswith("xoxb-"):
        return "SLACK_BOT_TOKEN must be the app's Bot User OAuth Token, xoxb-..."
    if app is not None and not app.startswith("xapp-"):
        return "SLACK_APP_TOKEN must be an app-level token, xapp-..."
    return None


def _detail(options: SlackOptions, base_url: str) -> str:
    http = f"{base_url}{EVENTS_PATH}" if options.signing_secret else None
    if options.app_token is None:
        return str(http)
    return f"Socket Mode, and {http}" if http else "Socket Mode"
