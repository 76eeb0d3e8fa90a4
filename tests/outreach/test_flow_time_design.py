"""What a designer writes for time in flows is checked when the bot loads, with the place and a
hint: durations, times of day, the keys of a wait, and a timeout without its steps."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.app.config import load_bot_config
from bot.errors import ConfigError
from dialogs.design.loader import load_flowset
from dialogs.tools.editor_schema import flows_schema


def _problems(root: Path, steps: str) -> list[str]:
    (root / "bot.yaml").write_text("name: Shop\nlanguages: [en]\n")
    (root / "flows").mkdir(exist_ok=True)
    flows = "flows:\n  later:\n    triggers: {event: cart.abandoned}\n    steps:\n"
    (root / "flows" / "main.yaml").write_text(
        flows + textwrap.indent(textwrap.dedent(steps), "      ")
    )
    with pytest.raises(ConfigError) as caught:
        load_flowset(root, load_bot_config(root))
    return caught.value.problems


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_duration_in_words_is_refused_with_the_form_expected(here: Path) -> None:
    problems = _problems(here, "- wait: 2 hours\n")
    assert problems == [
        "flows/main.yaml:5:9: wait: '2 hours' is not a duration: write a number and a unit, "
        "such as 30m, 2h, 1d or 1h30m"
    ]


def test_a_time_of_day_past_midnight_is_refused(here: Path) -> None:
    problems = _problems(here, '- wait: {at: "25:00", day: next}\n')
    assert problems == [
        "flows/main.yaml:5:16: at: '25:00' is not a time of day: write HH:MM, "
        "such as 10:00 or 18:30"
    ]


def test_a_misspelt_key_of_a_wait_is_unknown_with_a_hint(here: Path) -> None:
    problems = _problems(here, "- wait: {untill: order.placed, at_most: 1h}\n")
    assert problems == ["flows/main.yaml:5:16: unknown key 'untill' (did you mean 'until'?)"]


def test_a_bad_step_inside_on_timeout_is_placed_where_it_is(here: Path) -> None:
    steps = """\
    - ask: rating
      timeout: 1d
      on_timeout:
        - say: Still there?
        - wiat: 1h
    """
    problems = _problems(here, steps)
    assert problems[0].startswith("flows/main.yaml:9:13: on_timeout 2: a step needs one of")
    assert "did you mean 'wait'?" in problems[0]


def test_a_timeout_needs_its_steps_and_the_steps_their_timeout(here: Path) -> None:
    assert "a timeout needs on_timeout" in _problems(here, "- ask: rating\n  timeout: 1h\n")[0]
    steps = "- ask: rating\n  on_timeout: [end]\n"
    assert "on_timeout needs a timeout (such as timeout: 2h)" in _problems(here, steps)[0]


def test_on_timeout_of_a_wait_needs_an_event_and_a_time(here: Path) -> None:
    problems = _problems(here, "- wait: {at_most: 1h, on_timeout: [end]}\n")
    assert "on_timeout runs when the time comes before the event: it needs until" in problems[0]


def test_a_goto_inside_on_timeout_must_name_a_step_of_the_flow(here: Path) -> None:
    steps = """\
    - wait: {until: order.placed, at_most: 1h, on_timeout: [{goto: remindr}]}
    - id: remind
      say: Your cart misses you.
    """
    problems = _problems(here, steps)
    assert any("remindr" in p and "did you mean 'remind'?" in p for p in problems), problems


def test_the_editor_schema_knows_the_wait_step_and_the_timeout() -> None:
    schema = str(flows_schema())
    for key in ("'wait'", "'at_most'", "'until'", "'on_timeout'", "'max_late'", "'timeout'"):
        assert key in schema
