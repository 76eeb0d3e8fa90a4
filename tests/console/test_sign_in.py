"""Signing in under attack (issue 17, finding 4): guessing is bounded for tokens and passwords,
and nobody can keep agents out by failing on purpose, behind one proxy least of all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.desk.console.auth import MIN_TOKEN, hash_password, load_agents
from bot.desk.console.throttle import PER_NAME, PER_PLACE
from bot.errors import ConfigError
from tests.console.kit import TOKENS, Agent, Desk, serving

PASSWORD = "carla's long passphrase"
USERS = "agents:\n  users_file: agents.txt\n"


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    """The console, with ana and bruno's tokens and carla's password; every request comes from
    127.0.0.1, as every agent behind one proxy does."""
    (tmp_path / "agents.txt").write_text(f"carla:{hash_password(PASSWORD)}\n")
    async with serving(tmp_path, bot_yaml=USERS) as running:
        yield running


async def wrong_passwords(agent: Agent, name: str, count: int) -> list[int]:
    return [
        (await agent.sign_in(name=name, password=f"guess number {n}")).status for n in range(count)
    ]


def test_a_token_too_short_to_be_unguessable_stops_the_bot_at_start() -> None:
    with pytest.raises(ConfigError, match="at least 32 random characters"):
        load_agents(["ana:" + "x" * (MIN_TOKEN - 1)], None)
    assert load_agents(["ana:" + "x" * MIN_TOKEN], None).names == ["ana"]


async def test_the_sign_in_page_is_told_which_ways_to_sign_in_are_set_up(
    desk: Desk, tmp_path: Path
) -> None:
    async with desk.agent().http.get(f"{desk.base}/agent/api/session") as response:
        assert response.status == 401
        assert await response.json() == {
            "error": "signed_out",
            "configured": True,
            "methods": ["token", "password"],
        }
    async with serving(tmp_path / "tokens-only") as tokens_only:
        asked = tokens_only.agent().http.get(f"{tokens_only.base}/agent/api/session")
        async with asked as got:
            assert (await got.json())["methods"] == ["token"]  # no users file: no password form


async def test_wrong_tokens_from_behind_the_same_proxy_keep_no_agent_out(desk: Desk) -> None:
    attacker = desk.agent()
    for n in range(6 * PER_PLACE):
        guess = {"token": f"a-wrong-token-of-the-right-length-{n:03d}"}
        if n % 2:
            guess["name"] = f"rotated {n}"
        assert (await attacker.sign_in(**guess)).status == 401
    assert set(await wrong_passwords(attacker, "somebody", 2 * PER_PLACE)) == {401, 429}
    assert (await desk.agent().sign_in(token=TOKENS["ana"])).status == 200
    assert (await desk.agent().sign_in(token=TOKENS["bruno"])).status == 200
    assert (await desk.agent().sign_in(name="carla", password=PASSWORD)).status == 200


async def test_guessing_a_password_is_cut_off_before_it_is_checked(desk: Desk) -> None:
    attacker = desk.agent()
    assert await wrong_passwords(attacker, "carla", PER_PLACE) == [401] * PER_PLACE
    refused = await attacker.sign_in(name="carla", password=PASSWORD)
    assert refused.status == 429  # the right one too: it is not even checked
    assert (await desk.agent().sign_in(token=TOKENS["ana"])).status == 200


async def test_guessing_carlas_password_keeps_her_own_browser_in(desk: Desk) -> None:
    carla = desk.agent()
    assert (await carla.sign_in(name="carla", password=PASSWORD)).status == 200
    attacker = desk.agent()  # behind the same proxy: the same address
    assert set(await wrong_passwords(attacker, "carla", PER_NAME)) == {401, 429}
    assert (await carla.sign_in(name="carla", password=PASSWORD)).status == 200
    assert (await desk.agent().sign_in(name="carla", password=PASSWORD)).status == 429
    assert (await desk.agent().sign_in(token=TOKENS["bruno"])).status == 200


async def test_a_known_browser_is_cut_off_too_when_it_guesses(desk: Desk) -> None:
    carla = desk.agent()
    assert (await carla.sign_in(name="carla", password=PASSWORD)).status == 200
    assert await wrong_passwords(carla, "carla", PER_PLACE) == [401] * PER_PLACE
    assert (await carla.sign_in(name="carla", password=PASSWORD)).status == 429


async def test_a_name_gets_so_many_guesses_however_many_addresses_try(tmp_path: Path) -> None:
    (tmp_path / "agents.txt").write_text(f"carla:{hash_password(PASSWORD)}\n")
    proxies = {"OMNIBOT_TRUSTED_PROXIES": "127.0.0.1"}
    async with serving(tmp_path, bot_yaml=USERS, environment=proxies) as desk:
        carla = desk.agent()
        carla.http.headers["X-Forwarded-For"] = "192.0.2.1"
        assert (await carla.sign_in(name="carla", password=PASSWORD)).status == 200
        statuses = []
        for n in range(PER_NAME // PER_PLACE + 2):
            attacker = desk.agent()
            attacker.http.headers["X-Forwarded-For"] = f"203.0.113.{n}"
            statuses += await wrong_passwords(attacker, "carla", PER_PLACE)
        assert statuses.count(401) == PER_NAME
        elsewhere = desk.agent()
        elsewhere.http.headers["X-Forwarded-For"] = "198.51.100.1"
        assert (await elsewhere.sign_in(name="carla", password=PASSWORD)).status == 429
        assert (await carla.sign_in(name="carla", password=PASSWORD)).status == 200
