"""Which channels a bot runs. Each channel package (``connectors/<name>/``) has a ``plan``
function that decides from ``bot.yaml`` and the environment whether it is on; vendor SDKs are
imported only for channels that are on."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from bot.app.config import BotConfig, Settings
from bot.connector import Connector

CHANNELS = ("webchat", "telegram", "slack", "sms", "whatsapp", "email")


@dataclass(frozen=True, slots=True)
class Plan:
    """A channel's decision: its connector when on, and a line for the start banner."""

    channel: str
    connector: Connector | None
    detail: str


class Planner(Protocol):
    """A channel package's ``plan`` function."""

    def __call__(self, config: BotConfig, settings: Settings, base_url: str) -> Plan: ...


def plan(config: BotConfig, settings: Settings, base_url: str) -> list[Plan]:
    """The channels, on or off, in banner order (a channel not built yet is left out)."""
    plans = []
    for name in CHANNELS:
        try:
            module = importlib.import_module(f"connectors.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"connectors.{name}":
                continue
            raise
        planner: Planner = module.plan
        plans.append(planner(config, settings, base_url))
    return plans


Credentials = tuple[tuple[str, ...], tuple[str, ...]]
"""The variables a channel still needs, and those given (its settings' ``missing``)."""


def switched_off(channel: str, enabled: bool, credentials: Credentials = ((), ())) -> Plan | None:
    """The plan of a channel that is off, because ``bot.yaml`` turns it off or variables it
    needs are not set; ``None`` when nothing keeps it off."""
    if not enabled:
        return Plan(channel, None, f"off (channels.{channel}.enabled: false in bot.yaml)")
    missing, given = credentials
    return Plan(channel, None, off(channel, missing, given)) if missing else None


def off(channel: str, missing: tuple[str, ...], given: tuple[str, ...]) -> str:
    """The banner line of a channel whose credentials are incomplete."""
    if not given:
        return f"off (set {', '.join(missing)})"
    return f"off ({', '.join(missing)} not set)"
