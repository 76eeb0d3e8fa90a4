"""What may be spent on one-time codes, as ``bot.yaml`` says it, and who counts as one client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app.config import load_bot_config
from bot.errors import ConfigError
from bot.format.messages import Address, InboundEvent, SystemEvent
from bot.http.sources import client_source, source_of
from bot.identity.code_budget import CodeBudget, region_of


def linking(tmp_path: Path, yaml: str) -> CodeBudget:
    (tmp_path / "bot.yaml").write_text(f"name: Shop\nlinking:\n{yaml}", "utf-8")
    return load_bot_config(tmp_path).linking.policy(home="+5511987654321").budget


def problems(tmp_path: Path, yaml: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        linking(tmp_path, yaml)
    return [re.sub(r"^.*bot\.yaml:", "", problem) for problem in caught.value.problems]


def test_codes_go_to_the_country_of_the_bots_own_number_unless_bot_yaml_says(
    tmp_path: Path,
) -> None:
    (tmp_path / "bot.yaml").write_text("name: Shop\n", "utf-8")
    section = load_bot_config(tmp_path).linking
    assert section.policy(home="+5511987654321").budget == CodeBudget(countries={"BR": None})
    assert section.policy(home="+14155550100").budget.countries == {"US": None}
    assert section.policy(home="MG-service-or-short-code").budget.countries == {}
    assert section.policy(home=None).budget.countries == {}


def test_countries_are_a_list_or_a_mapping_to_hourly_caps(tmp_path: Path) -> None:
    assert linking(tmp_path, "  code_countries: [br, US]\n").countries == {"BR": None, "US": None}
    mapped = linking(tmp_path, "  code_countries: {US: 50, BR: null}\n  codes_per_hour: 300\n")
    assert mapped == CodeBudget(countries={"US": 50, "BR": None}, per_hour=300)
    assert linking(tmp_path, "  code_countries: []\n").countries == {}
    assert linking(tmp_path, "  codes_per_source: 3\n").per_source == 3


def test_a_country_that_is_not_one_is_reported_where_it_is(tmp_path: Path) -> None:
    assert problems(tmp_path, "  code_countries: [BR, XX]\n") == [
        "3:3: 'XX' in code_countries is not a country code such as BR or US"
    ]
    assert problems(tmp_path, "  code_countries: {BR: 0}\n") == [
        "3:20: BR: input should be greater than 0"
    ]
    assert problems(tmp_path, "  code_countries: BR\n") == [
        "3:3: code_countries: give a list of countries, like [BR, US], or a mapping of each to"
        " its hourly cap, like {BR: 200, US: 50}"
    ]
    assert problems(tmp_path, "  codes_per_hour: 0\n") == [
        "3:3: codes_per_hour: input should be greater than or equal to 1"
    ]


@pytest.mark.parametrize(
    ("phone", "region"),
    [
        ("+12025550143", "US"),
        ("+12684641234", "AG"),  # +1, and still not the US
        ("+447911123456", "GG"),
        ("+5511987654321", "BR"),
        ("+15550001111", None),  # in no numbering plan
        ("12025550143", None),
        ("+1 202 555 0143", None),  # a phone slot holds E.164; anything else is not a number
        (None, None),
    ],
)
def test_a_number_belongs_to_the_region_of_its_numbering_plan(
    phone: str | None, region: str | None
) -> None:
    assert region_of(phone) == region


def test_a_client_is_its_ipv4_address_or_its_ipv6_subscriber_network() -> None:
    assert client_source("203.0.113.7") == client_source("203.0.113.7")
    assert client_source("203.0.113.7") != client_source("203.0.113.8")
    assert client_source("::ffff:203.0.113.7") == client_source("203.0.113.7")
    assert client_source("2001:db8:1:2::1") == client_source("2001:db8:1:2:ffff::9")
    assert client_source("2001:db8:1:2::1") != client_source("2001:db8:1:3::1")
    assert client_source(None) is None
    key = client_source("203.0.113.7")
    assert key is not None
    assert key.startswith("ip:")
    assert "203.0.113" not in key
    assert len(key) <= 64


def test_a_turns_source_is_its_client_else_the_senders_identity() -> None:
    address = Address(channel="telegram", user_id="42", conversation_id="42")
    event = InboundEvent(event_id="e1", channel="telegram", address=address, kind="text", text="hi")
    assert source_of(event, "c1") == "telegram:42"
    client = client_source("203.0.113.7")
    assert source_of(event.model_copy(update={"client": client}), "c1") == client
    assert source_of(SystemEvent(name="resume"), "c1") == "customer:c1"
