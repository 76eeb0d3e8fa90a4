"""Every channel has a name wherever people read one: what customers are told, the Slack desk's
text and the agent console's badge (a channel missing from one would show its bare id)."""

from __future__ import annotations

import re
from importlib import resources

from connectors.channels import CHANNELS
from connectors.slack.desk_outbound import CHANNEL_NAMES as DESK_NAMES
from dialogs.design.defaults import CHANNEL_NAMES as CUSTOMER_NAMES


def console(name: str) -> str:
    """A file of the agent console, as the server hands it out."""
    return resources.files("bot.desk.console").joinpath("static", name).read_text()


def console_names() -> dict[str, str]:
    """The console's ``CHANNELS`` table: a channel's id and the badge it shows."""
    table = re.search(r"const CHANNELS = \{([^}]*)\};", console("console.js"))
    assert table is not None, "console.js has no CHANNELS table"
    return dict(re.findall(r'(\w+): "([^"]+)"', table.group(1)))


def test_customers_are_told_every_channels_name() -> None:
    assert set(CUSTOMER_NAMES) == set(CHANNELS)
    assert CUSTOMER_NAMES["whatsapp"] == "WhatsApp"


def test_the_slack_desk_names_every_channel() -> None:
    assert set(DESK_NAMES) == set(CHANNELS)
    assert DESK_NAMES["whatsapp"] == "WhatsApp"


def test_the_console_shows_every_channel_with_a_badge_of_its_own() -> None:
    names = console_names()
    assert set(names) == set(CHANNELS)
    assert names["whatsapp"] == "WhatsApp"
    styles = console("console.css")
    for channel in CHANNELS:
        assert f".ch-{channel} {{" in styles, f"no badge colours for {channel}"
