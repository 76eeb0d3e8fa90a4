"""Slack: direct messages, mentions answered in threads, buttons, verified e-mail, and an
agent desk (a thread per handoff in a channel of the team's).

Importing this package loads no Slack SDK; :func:`plan` imports the connector only when the
channel is on.
"""

from __future__ import annotations

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError
from connectors.registry import Plan, switched_off
from connectors.slack.settings import (
    CHANNEL,
    EVENTS_PATH,
    SlackSettings,
    missing,
    read_settings,
    wrong_kind,
)

__all__ = ["SlackSettings", "plan"]


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
    refused = switched_off(CHANNEL, config.channels.slack.enabled, missing(settings))
    if refused is not None:
        return refused
    problem = wrong_kind(settings)
    if problem:
        return Plan(CHANNEL, None, f"off ({problem})")
    from connectors.slack.connector import SlackConnector

    slack = read_settings(config, settings, base_url)
    return Plan(CHANNEL, SlackConnector(slack), _detail(slack, base_url))


def _detail(slack: SlackSettings, base_url: str) -> str:
    http = f"{base_url}{EVENTS_PATH}" if slack.signing_secret else None
    if slack.app_token is None:
        return str(http)
    return f"Socket Mode, and {http}" if http else "Socket Mode"
