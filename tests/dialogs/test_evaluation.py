"""``omnibot evaluate``: per-target precision and recall over labelled phrases, the bot's
thresholds, and mistakes in the labelled file as ``file:line:col: message`` lines."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

from dialogs.tools.commands import evaluate
from dialogs.tools.evaluation import understood
from tests.dialogs.kit import bot_folder, flowset_of

FLOWS = """
flows:
  order:
    triggers:
      keywords: {en: [tracking]}
      en: [where is my order]
    steps:
      - say: Let me look.
faqs:
  hours:
    triggers: {en: [when are you open]}
    say: Nine to five.
"""

# Outcomes known by construction: example phrases score 1.0, a keyword fires, nonsense shares
# no feature with any example.
#   order: expected a b d, reached a b f, right a b -> precision 2/3, recall 2/3
#   hours: expected c e,   reached c d,   right c   -> precision 1/2, recall 1/2
#   overall: 3 right of 5 in scope (recall 0.60), 3 right of 5 started (precision 0.60)
LABELLED = """
- {phrase: where is my order, language: en, expect: order}
- {phrase: I need the tracking code, language: en, expect: order}
- {phrase: when are you open, language: en, expect: hours}
- {phrase: when are you open, language: en, expect: order}
- {phrase: blorp, expect: hours}
- {phrase: tracking my cat, language: en, expect: none}
- {phrase: qwerty, language: en, expect: none}
"""


def labelled_bot(root: Path, labelled: str = LABELLED, thresholds: str = "") -> Path:
    bot_folder(root, FLOWS)
    if thresholds:
        with (root / "bot.yaml").open("a") as config:
            config.write(f"understanding: {thresholds}\n")
    (root / "tests").mkdir()
    (root / "tests" / "understanding.yaml").write_text(textwrap.dedent(labelled))
    return root


def run(root: Path, file: Path | None = None) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = evaluate(root, file, out)
    return status, out.getvalue().splitlines()


def row(lines: list[str], start: str) -> list[str]:
    return next(line for line in lines if line.startswith(start)).split()[-3:]


def test_the_report_gives_precision_and_recall_computed_by_hand(tmp_path: Path) -> None:
    status, lines = run(labelled_bot(tmp_path))
    assert status == 0  # no thresholds set
    assert "7 phrases (en 7), 2 of them out of scope" in lines
    assert row(lines, "flow 'order'") == ["0.67", "0.67", "3"]
    assert row(lines, "FAQ 'hours'") == ["0.50", "0.50", "2"]
    assert row(lines, "overall") == ["0.60", "0.60", "5"]
    assert "recall by language: en 3/5" in lines


def test_the_report_names_out_of_scope_phrases_that_started_something(tmp_path: Path) -> None:
    _, lines = run(labelled_bot(tmp_path))
    assert "out of scope: 1 of 2 started something" in lines
    assert "  \"tracking my cat\" (en) → flow 'order'" in lines


def test_the_report_lists_the_confusions_expected_then_got(tmp_path: Path) -> None:
    _, lines = run(labelled_bot(tmp_path))
    start = lines.index("confusions (expected → got): 2")
    assert lines[start + 1 : start + 3] == [
        "  flow 'order' → FAQ 'hours': \"when are you open\" (en)",
        "  FAQ 'hours' → nothing: \"blorp\" (en)",
    ]


@pytest.mark.parametrize(
    "thresholds",
    ["{min_recall: 0.7}", "{min_precision: 0.61}", "{max_out_of_scope: 0}"],
)
def test_evaluate_exits_1_under_any_threshold(tmp_path: Path, thresholds: str) -> None:
    status, lines = run(labelled_bot(tmp_path, thresholds=thresholds))
    assert status == 1
    assert any(line.startswith("below the bot's thresholds: ") for line in lines)


def test_evaluate_exits_0_when_every_threshold_is_met(tmp_path: Path) -> None:
    thresholds = "{min_recall: 0.6, min_precision: 0.6, max_out_of_scope: 1}"
    status, lines = run(labelled_bot(tmp_path, thresholds=thresholds))
    assert status == 0
    assert lines[-1] == "the bot's thresholds (understanding: in bot.yaml) are met"


def test_a_mistyped_threshold_is_a_positioned_problem(tmp_path: Path) -> None:
    status, lines = run(labelled_bot(tmp_path, thresholds="{min_recal: 0.9}"))
    assert status == 1
    assert lines == [
        f"{tmp_path}/bot.yaml:3:17: unknown key 'min_recal' (did you mean 'min_recall'?)"
    ]


@pytest.mark.parametrize(
    ("labelled", "problem"),
    [
        (
            "- {phrase: hi, language: en, expect: ordr}\n",
            "1:30: unknown flow, FAQ or intent 'ordr' (did you mean 'order'?), "
            "or 'none' for out of scope",
        ),
        (
            "- {phrase: hi, language: en, expect: none}\n- {phrse: hi, expect: none}\n",
            "2:4: unknown key 'phrse' (did you mean 'phrase'?)",
        ),
        (
            "- {phrase: oi, language: pt, expect: none}\n",
            "1:16: unknown language 'pt'; the bot speaks en",
        ),
        ("- {phrase: hi, expect: none\n", "2:1: expected ',' or '}', but got '<stream end>'"),
        (
            "phrase: hi\n",
            "1:1: labelled phrases are a list of {phrase, language, expect}, one item each",
        ),
    ],
)
def test_mistakes_in_the_labelled_file_are_positioned_with_a_hint(
    tmp_path: Path, labelled: str, problem: str
) -> None:
    status, lines = run(labelled_bot(tmp_path, labelled))
    assert status == 1
    assert lines[-1] == f"{tmp_path}/tests/understanding.yaml:{problem}"


def test_a_missing_labelled_file_says_what_to_write(tmp_path: Path) -> None:
    root = bot_folder(tmp_path, FLOWS)
    status, lines = run(root, tmp_path / "elsewhere.yaml")
    assert status == 1
    assert lines == [
        f"{tmp_path}/elsewhere.yaml:1:1: no labelled phrases here; write one: a list of "
        "{phrase, language, expect} (see docs/dialogs.md)"
    ]


def test_the_labelled_file_is_not_taken_for_conversation_tests(tmp_path: Path) -> None:
    from dialogs.tools.testing import load_tests

    suites, problems = load_tests(labelled_bot(tmp_path))
    assert (suites, problems) == ([], [])


BILINGUAL = """
flows:
  order:
    triggers:
      en: [where is my order]
      pt: [onde esta meu pedido]
    steps:
      - say: {en: Let me look., pt: Vou ver.}
"""


def test_a_request_for_a_language_starts_nothing(tmp_path: Path) -> None:
    flowset = flowset_of(bot_folder(tmp_path, BILINGUAL, languages=("en", "pt")))
    assert understood(flowset, "can we speak english?", "pt") is None
    assert understood(flowset, "where is my order", "pt") == "flow:order"
