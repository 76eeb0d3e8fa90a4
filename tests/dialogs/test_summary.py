"""The handoff summary in the flows' own words: the goal by the first flow's title, slots by
their labels with choice titles, structured values left out or told as what failed; and the
loader's word on a bad slot ``label``."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import JsonValue

from bot.desk.summary import Readable, plain
from dialogs.design.flowset import FlowSet
from dialogs.design.summary import summarise
from tests.dialogs.kit import bot_folder, flowset_of
from tests.dialogs.test_loader_errors import BotFolder

FLOWS = """
slots:
  order_id:
    type: pattern
    pattern: "^[A-Z]-\\\\d{5}$"
    label: {en: Order number, pt: Número do pedido}
    prompt: {en: "What's your order number?", pt: "Qual é o número do pedido?"}
  return_kind:
    type: choice
    label: {en: Wants, pt: Quer}
    options:
      - {value: exchange, title: {en: Exchange, pt: Trocar}}
      - {value: refund, title: {en: Return for a refund, pt: Devolver}}
  gift:
    type: yes_no
  reason_detail:
    type: text
flows:
  return_exchange:
    title: {en: Exchanges and returns, pt: Trocas e devoluções}
    steps:
      - run: find_order
      - ask: return_kind
  find_order:
    steps:
      - ask: order_id
      - handoff: the order number was not found
"""
RAW: dict[str, JsonValue] = {
    "slots": {
        "order_id": "A-12345",
        "order": {"found": False, "id": "A-12345"},
        "return_kind": "exchange",
        "gift": True,
        "reason_detail": "too small",
        "pickup_label": "Friday",
        "lines": [1, 2],
    },
    "flows": ["return_exchange", "find_order"],
    "language": "pt",
    "channel": "sms",
}


@pytest.fixture
def shop(tmp_path: Path) -> FlowSet:
    return flowset_of(bot_folder(tmp_path, FLOWS, languages=("en", "pt")))


def test_the_goal_is_the_first_flow_by_its_title_and_slots_go_by_their_labels(
    shop: FlowSet,
) -> None:
    assert summarise(shop, RAW, ["en-US", "en"]) == Readable(
        goal="Exchanges and returns",
        facts=(
            ("Order number", "A-12345"),
            ("Wants", "Exchange"),
            ("Gift", "Yes"),
            ("Reason detail", "too small"),
        ),
        failed=("Order A-12345 not found",),
    )


def test_in_portuguese_the_titles_and_labels_are_the_portuguese_ones(shop: FlowSet) -> None:
    readable = summarise(shop, RAW, ["pt-BR"])
    assert readable.goal == "Trocas e devoluções"
    assert readable.facts[:3] == (
        ("Número do pedido", "A-12345"),
        ("Quer", "Trocar"),
        ("Gift", "Sim"),
    )
    assert readable.failed == ("Order A-12345: não encontrado",)


def test_an_agent_language_the_bot_does_not_speak_reads_the_customers(shop: FlowSet) -> None:
    assert summarise(shop, RAW, ["fr-FR"]).goal == "Trocas e devoluções"
    assert summarise(shop, {**RAW, "language": None}, []).goal == "Exchanges and returns"


def test_a_flow_without_a_title_is_named_from_its_name(shop: FlowSet) -> None:
    raw: dict[str, JsonValue] = {"slots": {"order_id": "A-1"}, "flows": ["find_order"]}
    assert summarise(shop, raw, ["en"]).goal == "Find order"


def test_a_value_no_option_has_and_a_found_answer_are_shown_as_they_are_or_not_at_all(
    shop: FlowSet,
) -> None:
    raw: dict[str, JsonValue] = {
        "slots": {"return_kind": "gone_option", "order": {"found": True, "id": "A-1"}},
    }
    readable = summarise(shop, raw, ["en"])
    assert readable == Readable(goal=None, facts=(("Wants", "gone_option"),), failed=())


def test_an_old_summary_and_a_broken_one_give_what_they_can(shop: FlowSet) -> None:
    assert summarise(shop, {}, ["en"]) == Readable()
    assert summarise(shop, {"slots": "x", "flows": [3]}, ["en"]) == Readable()


def test_without_flows_names_are_made_readable_and_json_left_out() -> None:
    assert plain(RAW) == Readable(
        goal="Return exchange",
        facts=(
            ("Order id", "A-12345"),
            ("Return kind", "exchange"),
            ("Gift", "yes"),
            ("Reason detail", "too small"),
            ("Pickup label", "Friday"),
        ),
    )
    assert Readable(goal="G", facts=(("A", "b"),), failed=("c",)).as_json() == {
        "goal": "G",
        "facts": [{"label": "A", "value": "b"}],
        "failed": ["c"],
    }


def test_a_label_that_is_not_a_text_is_reported_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bot = BotFolder(tmp_path)
    bot.flows("""\
        slots:
          order_id:
            label: [Order, number]
        flows:
          main:
            triggers: {start: true}
            steps:
              - ask: order_id
        """)
    [problem] = bot.problems()
    assert problem.startswith("flows/main.yaml:3:")
    assert "expected a text, or a text per language" in problem


def test_a_label_missing_a_language_is_reported_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bot = BotFolder(tmp_path)
    bot.speaks("en", "pt")
    bot.flows("""\
        slots:
          order_id:
            label: {en: Order number}
            prompt: {en: "Which order?", pt: "Qual pedido?"}
        flows:
          main:
            triggers: {start: true}
            steps:
              - ask: order_id
        """)
    assert bot.problems() == ["flows/main.yaml:3:5: missing the 'pt' text"]
