"""A value that is not there is ``none``, as the designer's guide says: ``slots.x is none`` holds
for a slot never asked, in a ``when:`` and in a template, and the sandbox stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.design.templates import TemplateError, Templates
from tests.dialogs.kit import bot_folder, flowset_of, talk

GREETING = """\
slots:
  name:
    type: text
    prompt: "Your name?"
flows:
  hello:
    triggers:
      en: [hello, hi]
    steps:
      - say: "{% if slots.name is none %}We haven't met.{% else %}Odd.{% endif %}"
      - branch:
          - when: slots.name is not none
            goto: odd
      - ask: name
      - branch:
          - when: slots.name is none
            goto: odd
      - say: "{% if slots.name is not none %}Nice to meet you, {{ slots.name }}.{% endif %}"
      - end
      - id: odd
        say: "Odd."
"""


async def test_a_slot_never_asked_is_none_in_a_condition_and_a_template(tmp_path: Path) -> None:
    chat = talk(bot_folder(tmp_path, GREETING))
    assert await chat.say("hello") == ["We haven't met.", "Your name?"]
    assert await chat.say("Ana") == ["Nice to meet you, Ana."]


def test_a_guarded_read_of_an_unfilled_slot_is_not_reported(tmp_path: Path) -> None:
    assert flowset_of(bot_folder(tmp_path, GREETING)).warnings == []


@pytest.mark.parametrize(
    ("condition", "unset", "filled"),
    [
        ("slots.x is none", True, False),
        ("slots.x is not none", False, True),
        ("slots.x == none", True, False),
        ("slots.x != none", False, True),
        ("none == slots.x", True, False),
        ("slots.x.y is none", True, True),
        ("slots.x is defined", False, True),
        ("slots.x | default(7)", 7, 1),
        ("not slots.x", True, False),
    ],
)
def test_a_missing_value_reads_as_none(condition: str, unset: object, filled: object) -> None:
    templates = Templates()
    templates.add_condition(condition)
    assert templates.evaluate(condition, {"slots": {}}) == unset
    assert templates.evaluate(condition, {"slots": {"x": 1}}) == filled


def test_a_missing_value_still_renders_as_nothing() -> None:
    templates = Templates()
    source = "[{{ slots.x }}][{{ slots.x.y }}][{{ slots.x | default('-') }}]"
    templates.add_template(source)
    assert templates.render(source, {"slots": {}}) == "[][][-]"


def test_the_sandbox_still_refuses_python_internals() -> None:
    templates = Templates()
    source = "{{ slots.x.__class__.__mro__[1].__subclasses__() }}"
    templates.add_template(source)
    with pytest.raises(TemplateError):
        templates.render(source, {"slots": {"x": 1}})
