"""One mistake, one line: ``omnibot validate`` points at the real mistake with a hint.

A file that does not load is reported once, and the names it defines are not called unknown
elsewhere; YAML's and Jinja's own words come with a designer's hint; a value outside a closed
set gets a did-you-mean; a text compared with a choice slot must be one of its options; trigger
phrases that collide across flows are warned.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogs.test_loader_errors import BotFolder


@pytest.fixture
def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BotFolder:
    monkeypatch.chdir(tmp_path)
    return BotFolder(tmp_path)


ORDER_FLOW = """\
    flows:
      main:
        triggers: {start: true}
        steps:
          - ask: qty
          - ask: name
          - say: "{{ slots.qty }} for {{ slots.name }}"
          - flow: order
"""
INDENTED = (
    "; this line is indented differently from the lines above it: keys of one mapping, and "
    "items of one list, start in the same column"
)


def test_a_slot_type_typo_is_one_line_with_a_did_you_mean_and_no_unknown_slots(
    bot: BotFolder,
) -> None:
    bot.flows(ORDER_FLOW)
    bot.flows(
        """\
        slots:
          qty:
            type: int
            prompt: How many?
          name:
            prompt: Your name?
        flows:
          order:
            steps: [say: ok]
        """,
        "slots.yaml",
    )
    assert bot.problems() == [
        "flows/slots.yaml:3:5: type: input should be 'text', 'number', 'integer', 'email', "
        "'phone', 'date', 'choice', 'yes_no' or 'pattern' (did you mean 'integer'?)"
    ]


def test_a_file_that_does_not_parse_makes_its_names_not_checked(bot: BotFolder) -> None:
    bot.flows(ORDER_FLOW)
    bot.flows(
        """\
        slots:
          qty: {type: integer}
          "name":
            prompt: Your name?
        flows:
          order:
            steps:
              - say: hi
             - say: ho
        """,
        "order.yaml",
    )
    assert bot.problems() == [
        "flows/order.yaml:9:6: expected <block end>, but found '<block sequence start>'" + INDENTED
    ]


def test_names_not_defined_in_the_broken_file_are_still_unknown(bot: BotFolder) -> None:
    bot.flows(ORDER_FLOW.replace("flow: order", "flow: ordr"))
    bot.flows("slots:\n  qty: {type: int}\n  name: {}\nflows:\n  order: {steps: [end]}\n", "s.yaml")
    assert bot.problems() == [
        "flows/main.yaml:8:9: unknown flow 'ordr'",
        "flows/s.yaml:2:9: type: input should be 'text', 'number', 'integer', 'email', "
        "'phone', 'date', 'choice', 'yes_no' or 'pattern' (did you mean 'integer'?)",
    ]


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        (
            "      - say: Note: we close at 6\n",
            "flows/main.yaml:5:18: mapping values are not allowed here; a text with ': ' in it "
            'must be in quotes: say: "Note: closed"',
        ),
        (
            "      - say: {{ slots.name }}\n",
            "flows/main.yaml:5:15: a key must be plain text, not a list or a mapping; "
            "a text starting with {{ must be in quotes",
        ),
        (
            "      - say: hi\n     - say: ho\n",
            "flows/main.yaml:6:6: expected <block end>, but found '<block sequence start>'"
            + INDENTED,
        ),
        (
            "      - say: hi\n\t- say: ho\n",
            "flows/main.yaml:6:1: found character '\\t' that cannot start any token; "
            "indent with spaces: YAML does not accept tabs",
        ),
    ],
    ids=["colon in a text", "unquoted braces", "indentation", "tab"],
)
def test_yaml_mistakes_come_with_a_hint(bot: BotFolder, step: str, problem: str) -> None:
    bot.flows("flows:\n  main:\n    triggers: {start: true}\n    steps:\n" + step)
    assert bot.problems() == [problem]


CHOICE = """\
    slots:
      mode:
        type: choice
        options: [{value: delivery, title: Delivery}, {value: pickup, title: Pickup}]
    flows:
      main:
        triggers: {start: true}
        steps:
          - ask: mode
          - branch:
              - when: %s
                goto: done
          - say: "%s"
          - say: bye
            id: done
"""


@pytest.mark.parametrize(
    ("when", "say", "problem"),
    [
        (
            "slots.mode = 'delivery'",
            "ok",
            "flows/main.yaml:11:13: expression error: chunk after expression; "
            "compare with '==' (a single '=' is not a comparison)",
        ),
        (
            "slots.mode == 'pickup' slots.mode",
            "ok",
            "flows/main.yaml:11:13: expression error: chunk after expression; the expression "
            "goes on after its end: join conditions with 'and' or 'or', and put texts in quotes",
        ),
        (
            "slots.mode == 'pickup'",
            "{% if slots.mode = 'pickup' %}x{% endif %}",
            "flows/main.yaml:13:9: template error: expected token 'end of statement block', "
            "got '='; compare with '==' (a single '=' is not a comparison)",
        ),
        (
            "slots.mode == 'pickup'",
            "{{ slots.mode }",
            "flows/main.yaml:13:9: template error: unexpected '}'; "
            "close '{{' with '}}' and '{%' with '%}'",
        ),
    ],
    ids=["equals", "two conditions", "equals in a template", "one brace"],
)
def test_template_mistakes_come_with_a_hint(
    bot: BotFolder, when: str, say: str, problem: str
) -> None:
    bot.flows(CHOICE % (when, say))
    assert bot.problems() == [problem]


@pytest.mark.parametrize(
    ("when", "say", "problem"),
    [
        (
            "slots.mode == 'delivry'",
            "ok",
            "flows/main.yaml:11:13: 'delivry' is not an option of slot 'mode' "
            "(did you mean 'delivery'?)",
        ),
        (
            "slots.mode in ['pickup', 'collect']",
            "ok",
            "flows/main.yaml:11:13: 'collect' is not an option of slot 'mode'; "
            "its options are delivery, pickup",
        ),
        (
            "slots.mode != 'pickup'",
            "{% if 'pikup' == slots.mode %}x{% endif %}",
            "flows/main.yaml:13:9: 'pikup' is not an option of slot 'mode' "
            "(did you mean 'pickup'?)",
        ),
    ],
    ids=["when", "in a list", "in a template"],
)
def test_a_compared_text_must_be_an_option_of_the_choice_slot(
    bot: BotFolder, when: str, say: str, problem: str
) -> None:
    bot.flows(CHOICE % (when, say))
    assert bot.problems() == [problem]


def test_comparing_with_an_option_is_fine(bot: BotFolder) -> None:
    bot.flows(CHOICE % ("slots.mode == 'delivery'", "{% if slots.mode != 'pickup' %}x{% endif %}"))
    assert bot.load().warnings == []


def test_duplicate_and_shadowed_trigger_phrases_are_warned(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true, en: [order pizza, i want a pizza, Order pizza!]}
            steps: [say: hi]
          prices:
            triggers: {en: [order pizza, what are the prices], keywords: {en: [pizza]}}
            steps: [say: cheap]
        faqs:
          hours:
            triggers: {en: [what are the prices]}
            say: nine to six
        """)

    def shadowed(column: int, example: str) -> str:
        return (
            f"flows/main.yaml:3:{column}: warning: the example '{example}' contains the keyword "
            "'pizza' of flow 'prices', so it starts flow 'prices' (keywords are matched before "
            "examples)"
        )

    assert bot.load().warnings == [
        shadowed(34, "order pizza"),
        shadowed(47, "i want a pizza"),
        shadowed(63, "Order pizza!"),
        "flows/main.yaml:3:63: warning: the example 'Order pizza!' is given twice "
        "(also at flows/main.yaml:3:34)",
        "flows/main.yaml:6:21: warning: the example 'order pizza' also starts flow 'main' "
        "(at flows/main.yaml:3:34); give each phrase to one of them",
        "flows/main.yaml:10:21: warning: the example 'what are the prices' also starts "
        "flow 'prices' (at flows/main.yaml:6:34); give each phrase to one of them",
    ]


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        (
            "- sya: hi",
            "flows/main.yaml:5:9: step 1: a step needs one of: say, ask, branch, set, call, "
            "goto, flow, run, wait, handoff, end (did you mean 'say'?)",
        ),
        (
            "- ned",
            "flows/main.yaml:5:9: step 1: a step is a mapping such as 'say: Hello' "
            "(or the word 'end') (did you mean 'end'?)",
        ),
    ],
    ids=["misspelt kind", "misspelt word"],
)
def test_a_misspelt_step_kind_gets_a_did_you_mean(
    bot: BotFolder, written: str, problem: str
) -> None:
    bot.flows(f"flows:\n  main:\n    triggers: {{start: true}}\n    steps:\n      {written}\n")
    assert bot.problems() == [problem]


def test_a_misspelt_transform_gets_a_did_you_mean(bot: BotFolder) -> None:
    bot.flows("slots:\n  code: {type: pattern, pattern: 'A\\d+', transform: uper}\n")
    assert bot.problems() == [
        "flows/main.yaml:2:42: transform: input should be 'upper', 'lower' or 'strip_spaces' "
        "(did you mean 'upper'?)"
    ]
