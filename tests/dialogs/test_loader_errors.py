"""A broken bot folder gets ``file:line:col: message`` lines, never a traceback.

Each test builds a bot folder in a temporary directory (which is also the current directory,
so the loader prints paths such as ``flows/main.yaml``) and checks the exact problem lines:
YAML syntax, the dialog schema, names defined in two files, and ``actions.py`` itself.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.app.config import load_bot_config
from bot.errors import ConfigError
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import load_flowset

PROBLEM = re.compile(r"(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<message>[^\n]+)")
ROOT = Path(__file__).resolve().parents[2]


class BotFolder:
    """A bot folder being written by a test; the current directory is its root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.speaks("en")

    def speaks(self, *languages: str) -> None:
        (self.root / "bot.yaml").write_text(f"name: Test\nlanguages: [{', '.join(languages)}]\n")

    def write(self, relative: str, text: str | bytes) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), "utf-8")

    def flows(self, text: str | bytes, name: str = "main.yaml") -> None:
        self.write(f"flows/{name}", text)

    def load(self) -> FlowSet:
        return load_flowset(self.root, load_bot_config(self.root))

    def problems(self) -> list[str]:
        with pytest.raises(ConfigError) as caught:
            self.load()
        for problem in caught.value.problems:
            assert PROBLEM.fullmatch(problem), f"not a file:line:col: message line: {problem!r}"
        return caught.value.problems


@pytest.fixture
def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BotFolder:
    monkeypatch.chdir(tmp_path)
    return BotFolder(tmp_path)


GREETING = """\
    flows:
      main:
        triggers: {start: true}
        steps:
          - say: Hello
"""


# YAML syntax

NO_TABS = "; indent with spaces: YAML does not accept tabs"
INDENTED = (
    "; this line is indented differently from the lines above it: keys of one mapping, and "
    "items of one list, start in the same column"
)


def test_an_unclosed_bracket_is_reported_where_the_parser_gives_up(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: {en: 'Hi'
              - ask: name
        """)
    assert bot.problems() == ["flows/main.yaml:6:7: expected ',' or '}', but got '-'"]


def test_an_unclosed_bracket_at_the_end_of_the_file(bot: BotFolder) -> None:
    bot.flows("flows:\n  main: {steps: [{say: hi}]\n")
    assert bot.problems() == ["flows/main.yaml:3:1: expected ',' or '}', but got '<stream end>'"]


def test_an_unclosed_quote_points_at_the_opening_quote(bot: BotFolder) -> None:
    # A quoted text may span lines, so PyYAML only notices at the end of the file; the
    # designer needs to be told where the quote was opened (line 5, column 14).
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: 'Hi there
              - ask: name
              - say: bye
          other:
            steps:
              - say: x
        """)
    [problem] = bot.problems()
    assert problem.startswith("flows/main.yaml:")
    assert "5:14" in problem, problem
    assert "quot" in problem, problem


def test_bad_indentation_is_reported_at_the_line_that_breaks_the_block(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
           steps:
              - say: hi
            triggers: {start: true}
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:5: expected <block end>, but found '<block mapping start>'" + INDENTED
    ]


def test_a_tab_used_for_indentation(bot: BotFolder) -> None:
    bot.flows("flows:\n\tmain:\n    steps:\n      - say: hi\n")
    assert bot.problems() == [
        "flows/main.yaml:2:1: found character '\\t' that cannot start any token" + NO_TABS
    ]


def test_a_flow_given_twice_in_one_file(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            steps: [say: hi]
          other:
            steps: [say: ho]
          main:
            steps: [say: hey]
        """)
    assert bot.problems() == ["flows/main.yaml:6:3: 'main' is given twice in this mapping"]


def test_a_key_given_twice_in_a_step(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: Hi
                say: Ho
        """)
    assert bot.problems() == ["flows/main.yaml:6:9: 'say' is given twice in this mapping"]


@pytest.mark.parametrize(
    "text",
    ["hello\n", "42\n", "- flows\n- slots\n", "[flows, slots]\n", "'flows: {}'\n"],
    ids=["word", "number", "block list", "flow list", "quoted mapping"],
)
def test_a_document_that_is_not_a_mapping(bot: BotFolder, text: str) -> None:
    bot.flows(text)
    assert bot.problems() == ["flows/main.yaml:1:1: a flows file is a mapping of sections"]


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# nothing here yet\n", "---\n", "--- # comment\n...\n"]
)
def test_an_empty_flows_file_is_fine(bot: BotFolder, text: str) -> None:
    bot.flows(GREETING)
    bot.flows(text, "empty.yaml")
    assert list(bot.load().flows) == ["main"]


def test_a_flows_file_may_start_with_a_document_marker(bot: BotFolder) -> None:
    bot.flows("---\n" + textwrap.dedent(GREETING))
    assert list(bot.load().flows) == ["main"]


def test_several_documents_in_one_file_are_a_problem_at_the_second(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [say: hi]
        ---
        flows:
          other:
            steps: [say: ho]
        """)
    [problem] = bot.problems()
    assert problem.startswith("flows/main.yaml:5:1: ")
    assert "another document" in problem


def test_a_byte_order_mark_and_windows_line_ends_keep_positions(bot: BotFolder) -> None:
    text = "\ufeffflows:\r\n  main:\r\n    triggers: {start: true}\r\n    steps:\r\n"
    bot.flows((text + "      - say: hi\r\n        sey: x\r\n").encode())
    assert bot.problems() == ["flows/main.yaml:6:9: unknown key 'sey' (did you mean 'say'?)"]


def test_bytes_that_are_not_utf8_are_reported_on_their_line(bot: BotFolder) -> None:
    bot.flows(
        b"flows:\n  main:\n    triggers: {start: true}\n    steps:\n"
        b"      - say: Bonjour\n      - say: Caf\xe9\n"
    )
    [problem] = bot.problems()
    assert "UTF-8" in problem
    assert problem.startswith("flows/main.yaml:6:"), problem


def test_a_control_character_is_reported_where_it_is_on_one_line(bot: BotFolder) -> None:
    # Pasted terminal colours bring an ESC character with them.
    bot.flows(
        "flows:\n  main:\n    triggers: {start: true}\n    steps:\n"
        "      - say: Hello\x1b[1m there\n"
    )
    assert bot.problems() == [
        "flows/main.yaml:5:19: unacceptable character #x001b: special characters are not allowed"
    ]


def test_a_key_with_a_line_break_is_shown_on_one_line(bot: BotFolder) -> None:
    bot.flows('slots:\n  name:\n    "type\\n": text\n')
    [problem] = bot.problems()
    assert problem.startswith("flows/main.yaml:3:5: unknown key '")


@pytest.mark.parametrize(
    "text",
    [
        "flows: " + "[" * 1000 + "]" * 1000 + "\n",
        "flows: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n",
        "flows:\n" + "".join("  " * depth + "-\n" for depth in range(1, 1000)),
    ],
    ids=["flow lists", "flow mappings", "block lists"],
)
def test_absurdly_deep_nesting_is_a_problem_not_a_recursion_error(
    bot: BotFolder, text: str
) -> None:
    bot.flows(text)
    problems = bot.problems()
    assert problems
    assert all(problem.startswith("flows/main.yaml:") for problem in problems)


_BOMB_CHILD = """
import resource, sys
from pathlib import Path
from bot.app.config import load_bot_config
from bot.errors import ConfigError
from dialogs.design.loader import load_flowset
with open("/proc/self/statm") as statm:
    used = int(statm.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (used + 768 * 2**20, resource.RLIM_INFINITY))
try:
    load_flowset(Path("."), load_bot_config(Path(".")))
except ConfigError as exc:
    print("\\n".join(exc.problems))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="measures memory with /proc")
def test_an_alias_bomb_is_refused_quickly_and_in_little_memory(bot: BotFolder) -> None:
    # Eight short lines: each level repeats the one before ten times, 10**8 scalars in all.
    names = "abcdefgh"
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{name}: &{name} [{', '.join([f'*{before}'] * 10)}]"
        for before, name in itertools.pairwise(names)
    ]
    bot.flows("\n".join(lines) + "\n")
    try:
        child = subprocess.run(
            [sys.executable, "-c", _BOMB_CHILD],
            cwd=bot.root,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("loading an alias bomb took more than 20 seconds")
    assert child.returncode == 0, child.stderr[-2000:]
    problems = child.stdout.splitlines()
    assert problems
    for problem in problems:
        assert PROBLEM.fullmatch(problem), problem
        assert problem.startswith("flows/main.yaml:"), problem


def test_anchors_and_aliases_reuse_a_message(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: &hello Hello there
              - ask: name
              - say: *hello
        slots:
          name: {}
        """)
    steps = bot.load().flows["main"].steps
    assert [getattr(step, "say", None) for step in steps] == ["Hello there", None, "Hello there"]


def test_an_undefined_alias(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: *nope
        """)
    assert bot.problems() == ["flows/main.yaml:5:14: found undefined alias 'nope'"]


def test_a_merge_key_brings_in_the_keys_of_an_anchored_mapping(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - &greet
                say: Hello
              - <<: *greet
                id: again
        """)
    [first, second] = bot.load().flows["main"].steps
    assert getattr(second, "say", None) == "Hello"
    assert second.id == "again"
    assert first.id is None


def test_a_typo_brought_in_by_a_merge_is_reported_where_it_is_written(bot: BotFolder) -> None:
    bot.flows("""\
        slots:
          base: &base
            type: text
            promt: What?
          name:
            <<: *base
            remember: true
        """)
    assert bot.problems() == ["flows/main.yaml:4:5: unknown key 'promt' (did you mean 'prompt'?)"]


def test_a_merge_that_gives_a_step_a_second_kind(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: Hi
              - <<: {say: Hello}
                ask: name
        slots:
          name: {}
        """)
    assert bot.problems() == [
        "flows/main.yaml:6:9: step 2: a step does one thing; this one has say and ask"
    ]


def test_a_list_or_mapping_used_as_a_key(bot: BotFolder) -> None:
    bot.flows("flows:\n  ? [a, b]\n  : {steps: [say: hi]}\n")
    assert bot.problems() == [
        "flows/main.yaml:2:5: a key must be plain text, not a list or a mapping"
    ]


def test_a_text_starting_with_an_exclamation_mark(bot: BotFolder) -> None:
    # In YAML '!Important' is a tag: the designer meant the text, and must be told to quote it.
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: !Important notice
        """)
    [problem] = bot.problems()
    assert problem.startswith("flows/main.yaml:5:14: "), problem
    assert "!Important" in problem


@pytest.mark.parametrize(
    "value",
    ["!!int many", "!!float many", "!!bool maybe", "!!timestamp soon", "!!binary 'AAA'", "!x hi"],
)
def test_a_value_with_an_explicit_tag_that_does_not_fit(bot: BotFolder, value: str) -> None:
    bot.flows(f"flows:\n  main:\n    triggers: {{start: true}}\n    steps:\n      - say: {value}\n")
    [problem] = bot.problems()
    assert problem.startswith("flows/main.yaml:5:14: "), problem


def test_a_top_level_key_starting_with_a_tilde(bot: BotFolder) -> None:
    bot.flows("~flows:\n  main:\n    steps: [say: hi]\n")
    [problem] = bot.problems()
    assert problem.startswith("flows/main.yaml:1:1: unknown key '~flows'"), problem


def test_a_nested_key_starting_with_a_tilde_is_named_and_placed_right(bot: BotFolder) -> None:
    bot.flows("""\
        slots:
          name:
            ~type: text
        """)
    assert bot.problems() == ["flows/main.yaml:3:5: unknown key '~type' (did you mean 'type'?)"]


def test_every_broken_file_is_reported_in_file_order(bot: BotFolder) -> None:
    bot.flows("flows: [\n", "b.yaml")
    bot.flows("- a list\n", "a.yaml")
    bot.flows(GREETING)
    assert bot.problems() == [
        "flows/a.yaml:1:1: a flows file is a mapping of sections",
        "flows/b.yaml:2:1: expected the node content, but found '<stream end>'",
    ]


def test_files_in_subfolders_and_yml_files_are_read(bot: BotFolder) -> None:
    bot.flows(GREETING)
    bot.flows("slots:\n  name:\n    type: strin\n", "orders/slots.yml")
    [problem] = bot.problems()
    assert problem.startswith("flows/orders/slots.yml:3:5: type: input should be 'text'")


# The dialog schema


def test_a_misspelled_prompt(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - ask: name
                promt: What is your name?
        slots:
          name: {}
        """)
    assert bot.problems() == ["flows/main.yaml:6:9: unknown key 'promt' (did you mean 'prompt'?)"]


def test_misspelled_steps(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            stesp:
              - say: hi
        """)
    assert bot.problems() == [
        "flows/main.yaml:2:3: 'steps' is required",
        "flows/main.yaml:4:5: unknown key 'stesp' (did you mean 'steps'?)",
    ]


def test_misspelled_buttons(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say:
                  text: Pick one
                  butons: [{title: A, payload: a}]
        """)
    assert bot.problems() == [
        "flows/main.yaml:7:11: unknown key 'butons' (did you mean 'buttons'?)"
    ]


def test_a_misspelled_section(bot: BotFolder) -> None:
    bot.flows("flow:\n  main:\n    steps: [say: hi]\n")
    assert bot.problems() == ["flows/main.yaml:1:1: unknown key 'flow' (did you mean 'flows'?)"]


def test_an_unknown_key_far_from_any_lists_what_is_accepted(bot: BotFolder) -> None:
    bot.flows("settings:\n  colour: blue\n")
    assert bot.problems() == [
        "flows/main.yaml:2:3: unknown key 'colour'; expected one of: attempts, date_order, "
        "fallback, match_threshold, phone_region, semantic, start, timezone"
    ]


def test_a_step_of_two_kinds(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: Hi
              - say: What is your name?
                ask: name
        slots:
          name: {}
        """)
    assert bot.problems() == [
        "flows/main.yaml:6:9: step 2: a step does one thing; this one has say and ask"
    ]


def test_a_step_of_no_kind(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - id: start
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:9: step 1: a step needs one of: "
        "say, ask, branch, set, call, goto, flow, run, wait, handoff, end"
    ]


@pytest.mark.parametrize("step", ["hello", "42", "[say, hi]"])
def test_a_step_that_is_not_a_mapping(bot: BotFolder, step: str) -> None:
    bot.flows(f"flows:\n  main:\n    triggers: {{start: true}}\n    steps:\n      - {step}\n")
    assert bot.problems() == [
        "flows/main.yaml:5:9: step 1: a step is a mapping such as 'say: Hello' (or the word 'end')"
    ]


def test_end_as_a_word_is_a_step(bot: BotFolder) -> None:
    bot.flows("flows:\n  main:\n    triggers: {start: true}\n    steps: [say: hi, end]\n")
    assert len(bot.load().flows["main"].steps) == 2


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        (
            "- say: 5",
            "5:9: say: a message is a text, a text per language, or a mapping with text and "
            "buttons",
        ),
        ("- say: {en: 5}", "5:15: en: input should be a valid string"),
        (
            "- say: {text: 5}",
            "5:15: text: expected a text, or a text per language such as {en: ..., pt: ...}",
        ),
        ("- say: hi\n  id: 7", "6:9: id: input should be a valid string"),
        ("- end: false", "5:9: end: input should be True"),
        (
            "- ask: name\n  attempts: lots",
            "6:9: attempts: input should be a valid integer, unable to parse string as an integer",
        ),
        (
            "- ask: name\n  attempts: 11",
            "6:9: attempts: input should be less than or equal to 10",
        ),
        ("- branch: []", "5:9: branch: list should have at least 1 item after validation, not 0"),
        ("- set: {}", "5:9: set: dictionary should have at least 1 item after validation, not 0"),
    ],
)
def test_a_value_of_the_wrong_type(bot: BotFolder, step: str, problem: str) -> None:
    indented = textwrap.indent(step, "      ")
    bot.flows(f"flows:\n  main:\n    triggers: {{start: true}}\n    steps:\n{indented}\n")
    assert bot.problems() == [f"flows/main.yaml:{problem}"]


def test_a_flow_without_steps(bot: BotFolder) -> None:
    bot.flows("flows:\n  main:\n    triggers: {start: true}\n    steps: []\n")
    assert bot.problems() == [
        "flows/main.yaml:4:5: steps: list should have at least 1 item after validation, not 0"
    ]


def test_a_choice_slot_without_options(bot: BotFolder) -> None:
    bot.flows("slots:\n  method:\n    type: choice\n")
    assert bot.problems() == ["flows/main.yaml:2:3: method: a choice slot needs options"]


def test_a_pattern_slot_without_a_pattern(bot: BotFolder) -> None:
    bot.flows("slots:\n  code:\n    type: pattern\n")
    assert bot.problems() == ["flows/main.yaml:2:3: code: a pattern slot needs a pattern"]


def test_options_on_a_slot_that_is_not_a_choice(bot: BotFolder) -> None:
    bot.flows("slots:\n  code:\n    options: [{value: a, title: A}]\n")
    assert bot.problems() == ["flows/main.yaml:2:3: code: 'options' means nothing for a text slot"]


def test_a_slot_type_that_does_not_exist(bot: BotFolder) -> None:
    bot.flows("slots:\n  code:\n    type: string\n")
    assert bot.problems() == [
        "flows/main.yaml:3:5: type: input should be 'text', 'number', 'integer', 'email', "
        "'phone', 'date', 'choice', 'yes_no' or 'pattern'"
    ]


def test_a_button_with_two_targets(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say:
                  text: Pick
                  buttons:
                    - {title: A, payload: a, goto: b}
              - id: b
                say: B
        """)
    assert bot.problems() == [
        "flows/main.yaml:8:15: button 1: a button does one thing; it has payload, goto"
    ]


def test_a_case_without_a_target(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - branch:
                  - when: "true"
        """)
    assert bot.problems() == [
        "flows/main.yaml:6:13: branch 1: a case needs exactly one of goto, flow, run or end"
    ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("flows:\n  Main:\n    steps: [say: hi]\n", "2:3"),
        ("flows:\n  order-status:\n    steps: [say: hi]\n", "2:3"),
        ("flows:\n  2fa:\n    steps: [say: hi]\n", "2:3"),
        ("slots:\n  Name: {}\n", "2:3"),
        ("flows:\n  main:\n    steps: [call: LookUp]\n", "3:13"),
        ("flows:\n  main:\n    steps: [ask: Name]\n", "3:13"),
    ],
    ids=["uppercase flow", "hyphen", "digit first", "uppercase slot", "action", "ask"],
)
def test_a_name_that_is_not_lowercase_letters_digits_and_underscores(
    bot: BotFolder, text: str, where: str
) -> None:
    bot.flows(text)
    [problem] = bot.problems()
    assert problem.startswith(f"flows/main.yaml:{where}: ")
    assert "is not a valid name: use lowercase letters, digits and _" in problem
    assert "[key]" not in problem


@pytest.mark.parametrize(
    ("say", "problem"),
    [
        (
            "{buttons: [{title: A, payload: a}]}",
            "5:9: say: a message needs text, an image, media or a card",
        ),
        (
            "[Hi, 3]",
            "5:19: say 2: a message is a text, a text per language, or a mapping with text and "
            "buttons",
        ),
        ("{text: Hi, image: 3}", "5:25: image: input should be a valid string"),
        (
            "{text: Hi, media: {kind: gif, url: x}}",
            "5:33: kind: input should be 'image', 'video', 'audio' or 'file'",
        ),
    ],
)
def test_a_message_of_the_wrong_shape(bot: BotFolder, say: str, problem: str) -> None:
    bot.flows(f"flows:\n  main:\n    triggers: {{start: true}}\n    steps:\n      - say: {say}\n")
    assert bot.problems() == [f"flows/main.yaml:{problem}"]


def test_an_unknown_built_in_message_name(bot: BotFolder) -> None:
    bot.flows("messages:\n  helo: Hi\n")
    [problem] = bot.problems()
    assert problem.startswith("flows/main.yaml:2:3: ")
    assert "'helo' is not a message name" in problem


# Names defined in two files


def test_the_same_flow_in_two_files_gives_both_places(bot: BotFolder) -> None:
    bot.flows(GREETING, "a.yaml")
    bot.flows(
        "flows:\n  other:\n    title: Other\n    steps: [say: hi]\n  main:\n    steps: [say: ho]\n",
        "b.yaml",
    )
    assert bot.problems() == ["flows/b.yaml:5:3: flow 'main' is also defined at flows/a.yaml:2:3"]


def test_the_same_slot_in_two_files_gives_both_places(bot: BotFolder) -> None:
    bot.flows(GREETING)
    bot.flows("slots:\n  name: {}\n", "a.yaml")
    bot.flows("slots:\n  email: {type: email}\n  name: {type: text}\n", "b.yaml")
    assert bot.problems() == ["flows/b.yaml:3:3: slot 'name' is also defined at flows/a.yaml:2:3"]


def test_settings_given_in_two_files(bot: BotFolder) -> None:
    bot.flows(GREETING)
    bot.flows("settings:\n  attempts: 2\n", "a.yaml")
    bot.flows("# more settings\nsettings:\n  attempts: 3\n", "b.yaml")
    assert bot.problems() == [
        "flows/b.yaml:2:1: settings are given twice (also at flows/a.yaml:1:1)"
    ]


def test_the_same_faq_and_message_in_two_files(bot: BotFolder) -> None:
    bot.flows(GREETING)
    faq = "faqs:\n  hours:\n    triggers: {en: [opening hours]}\n    say: Nine to six.\n"
    bot.flows(faq + "messages:\n  fallback: Sorry?\n", "a.yaml")
    bot.flows("messages:\n  fallback: Pardon?\n" + faq, "b.yaml")
    assert bot.problems() == [
        "flows/b.yaml:2:3: message 'fallback' is also defined at flows/a.yaml:6:3",
        "flows/b.yaml:4:3: faq 'hours' is also defined at flows/a.yaml:2:3",
    ]


# actions.py


_ACTION = textwrap.dedent("""\
    from dialogs.actions.registry import action


    @action
    async def lookup(order_id: str) -> dict[str, str]:
        return {"status": "shipped"}
""")

_CALL = """\
    flows:
      main:
        triggers: {start: true}
        steps:
          - call: lookup
            args: {order_id: A-1}
"""


def test_actions_py_with_a_syntax_error(bot: BotFolder) -> None:
    bot.flows(_CALL)
    bot.write("actions.py", "import os\n\ndef lookup(:\n    pass\n")
    problems = bot.problems()
    assert problems[0].startswith("actions.py:3:1: SyntaxError: ")


def test_actions_py_that_raises_when_imported(bot: BotFolder) -> None:
    bot.flows(_CALL)
    bot.write(
        "actions.py", "import os\n\n\ndef setup():\n    raise RuntimeError('no key')\n\n\nsetup()\n"
    )
    problems = bot.problems()
    assert problems[0] == "actions.py:5:1: RuntimeError: no key"


def test_actions_py_that_imports_a_missing_module(bot: BotFolder) -> None:
    bot.flows(_CALL)
    bot.write("actions.py", "import json\nimport omnibot_no_such_module\n")
    problems = bot.problems()
    assert problems[0] == (
        "actions.py:2:1: ModuleNotFoundError: No module named 'omnibot_no_such_module'"
    )


def test_actions_py_that_exits_when_imported(bot: BotFolder) -> None:
    bot.flows(_CALL)
    bot.write("actions.py", "import sys\n\nsys.exit(3)\n")
    problems = bot.problems()
    assert problems[0].startswith("actions.py:3:1: ")


def test_an_action_that_is_not_async(bot: BotFolder) -> None:
    bot.flows(_CALL)
    bot.write("actions.py", _ACTION.replace("async def", "def"))
    problems = bot.problems()
    assert problems[0] == "actions.py:4:1: action 'lookup' must be an 'async def' function"


def test_two_actions_with_the_same_name(bot: BotFolder) -> None:
    bot.flows(_CALL)
    second = "\n\n@action(name='lookup')\nasync def find(order_id: str) -> None:\n    return None\n"
    bot.write("actions.py", _ACTION + second)
    assert bot.problems() == ["actions.py:9:1: action 'lookup' is defined twice"]


def test_a_working_actions_py_loads(bot: BotFolder) -> None:
    bot.flows(_CALL)
    bot.write("actions.py", _ACTION)
    actions = bot.load().actions
    assert actions.names == {"lookup"}
    assert actions.python["lookup"].required == {"order_id"}
