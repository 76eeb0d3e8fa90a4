"""What a designer writes for business events is checked when the bot loads: the ``event``
trigger of a flow, ``outreach:`` in ``bot.yaml``, and ``OMNIBOT_EVENTS_SECRET``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.app.config import Settings, load_bot_config
from bot.errors import ConfigError
from bot.outreach.events.business import SITE_SCOPE
from connectors.webchat.signed_identity import ISSUER
from dialogs.design.loader import load_flowset


def _problems(root: Path, flows: str, config: str = "name: Shop\nlanguages: [en]\n") -> list[str]:
    (root / "bot.yaml").write_text(config)
    (root / "flows").mkdir(exist_ok=True)
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(flows))
    with pytest.raises(ConfigError) as caught:
        load_flowset(root, load_bot_config(root))
    return caught.value.problems


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_misspelt_event_trigger_is_an_unknown_key_with_a_hint(here: Path) -> None:
    problems = _problems(
        here,
        """\
        flows:
          shipped:
            triggers: {evnt: order.shipped}
            steps:
              - say: Shipped.
        """,
    )
    assert problems[0] == "flows/main.yaml:3:16: unknown key 'evnt' (did you mean 'event'?)"


def test_an_event_type_must_be_dotted_words(here: Path) -> None:
    problems = _problems(
        here,
        """\
        flows:
          shipped:
            triggers: {event: Order Shipped}
            steps:
              - say: Shipped.
        """,
    )
    assert problems == [
        "flows/main.yaml:3:16: event: 'Order Shipped' is not an event type: lowercase words, "
        "digits and _ joined by dots, like order.shipped"
    ]


def test_one_flow_per_event(here: Path) -> None:
    problems = _problems(
        here,
        """\
        flows:
          shipped:
            triggers: {event: order.shipped}
            steps:
              - say: Shipped.
          also:
            triggers: {event: order.shipped}
            steps:
              - say: Shipped too.
        """,
    )
    assert problems == [
        "flows/main.yaml:7:16: event 'order.shipped' already runs flow 'shipped'; "
        "one flow per event"
    ]


def test_only_flows_run_on_events(here: Path) -> None:
    problems = _problems(
        here,
        """\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: Hello.
        faqs:
          hours:
            triggers: {en: [when are you open], event: store.opened}
            say: 9 to 6.
        """,
    )
    assert problems == [
        "flows/main.yaml:8:41: only a flow runs on a business event; move this trigger to a flow"
    ]


def test_an_unknown_kind_of_customer_to_make_is_reported_in_bot_yaml(here: Path) -> None:
    config = "name: Shop\noutreach:\n  create_customers: [phone, fax]\n"
    (here / "bot.yaml").write_text(config)
    with pytest.raises(ConfigError) as caught:
        load_bot_config(here)
    assert caught.value.problems == [
        "bot.yaml:3:29: create_customer 2: input should be 'phone', 'email' or 'external_id'"
    ]


def test_customers_are_made_by_no_kind_by_default(here: Path) -> None:
    (here / "bot.yaml").write_text("name: Shop\n")
    assert load_bot_config(here).outreach.create_customers == []


@pytest.mark.parametrize("secret", ["not-a-secret", "whsec_c2hvcnQ=", "whsec_!!!!notbase64!!!!"])
def test_an_events_secret_not_in_the_standard_form_is_refused(secret: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"OMNIBOT_EVENTS_SECRET": secret})
    assert caught.value.problems[0].startswith("$OMNIBOT_EVENTS_SECRET: ")
    assert secret.removeprefix("whsec_") not in caught.value.problems[0]


def test_the_store_names_customers_by_the_ids_the_site_signs() -> None:
    assert SITE_SCOPE == ISSUER
