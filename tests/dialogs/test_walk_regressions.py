"""Regressions in how flows are walked: every button and every way out of a branch counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from dialogs.design.templates import implied_slots
from tests.dialogs.kit import bot_folder, flowset_of


def test_an_else_that_runs_a_sub_flow_does_not_fall_through(tmp_path: Path) -> None:
    root = bot_folder(
        tmp_path,
        """
        slots:
          name: {type: text, prompt: "Name?"}
        flows:
          main:
            triggers: {en: [hello there]}
            steps:
              - branch:
                  - when: slots.name
                    goto: greet
                else:
                  run: fill
              - id: greet
                say: "Hello {{ slots.name }}"
          fill:
            steps:
              - ask: name
        """,
    )
    assert flowset_of(root).warnings == []


def test_an_ask_steps_own_buttons_lead_to_their_goto(tmp_path: Path) -> None:
    root = bot_folder(
        tmp_path,
        """
        slots:
          answer: {type: text, prompt: "Answer?"}
        flows:
          main:
            triggers: {en: [hello there]}
            steps:
              - ask: answer
                buttons:
                  - {title: Help me, goto: helping}
              - end
              - id: helping
                say: Here is some help.
        """,
    )
    assert flowset_of(root).flows["main"].ids == ("answer", "2", "helping")


def test_an_ask_steps_own_buttons_are_checked_for_unknown_flows(tmp_path: Path) -> None:
    root = bot_folder(
        tmp_path,
        """
        slots:
          answer: {type: text, prompt: "Answer?"}
        flows:
          main:
            triggers: {en: [hello there]}
            steps:
              - ask: answer
                buttons:
                  - {title: Elsewhere, flow: nowhere}
        """,
    )
    with pytest.raises(ConfigError) as raised:
        flowset_of(root)
    [problem] = raised.value.problems
    assert problem.endswith("main.yaml:10:32: unknown flow 'nowhere'")


def test_an_ask_steps_own_buttons_need_every_translation(tmp_path: Path) -> None:
    root = bot_folder(
        tmp_path,
        """
        slots:
          answer: {type: text, prompt: {en: "Answer?", pt: "Resposta?"}}
        flows:
          main:
            triggers: {en: [hello there], pt: [olá]}
            steps:
              - ask: answer
                buttons:
                  - {title: {en: Skip}, payload: skip}
        """,
        languages=("en", "pt"),
    )
    with pytest.raises(ConfigError) as raised:
        flowset_of(root)
    [problem] = raised.value.problems
    assert problem.endswith("main.yaml:10:14: missing the 'pt' text")


@pytest.mark.parametrize(
    ("condition", "implied"),
    [
        ("slots.name", {"name"}),
        ("slots.x == 'a'", {"x"}),
        ("slots.x > 3 and slots.y", {"x", "y"}),
        ("slots.x is not none", {"x"}),
        ("slots.x is defined", {"x"}),
        ("slots.x in [1, 2]", {"x"}),
        ("slots['z']", {"z"}),
        ("not slots.x", set()),
        ("slots.x or slots.y", set()),
        ("slots.x is none", set()),
        ("slots.x != 'a'", set()),
        ("slots.x == none", set()),
        ("profile.name", set()),
        ("this is not ( an expression", set()),
    ],
)
def test_a_condition_implies_the_slots_it_cannot_be_true_without(
    condition: str, implied: set[str]
) -> None:
    assert implied_slots(condition) == implied
