"""The designer's commands as a person runs them: exit codes and what they print."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.linking.kit import FLOWS as LINKING_FLOWS
from tests.server_process import ROOT, clean_env, omnibot

FLOWS = """
slots:
  order_id:
    type: pattern
    pattern: "^[A-Z]-\\\\d{5}$"
    transform: upper
    prompt: What's your order number?
  method:
    type: choice
    prompt: How should we send it?
    options:
      - {value: courier, title: Courier}
      - {value: store, title: In a store}
flows:
  status:
    triggers: {en: [where is my order]}
    steps:
      - ask: order_id
      - ask: method
      - say: "{{ slots.order_id }} by {{ slots.method }}."
"""

PASSING = """
tests:
  - name: order status
    steps:
      - user: where is my order
      - bot: What's your order number?
      - user: a-12345
      - bot: How should we send it?
      - buttons: [Courier, In a store]
      - choose: In a store
      - bot: A-12345 by store.
"""

FAILING = """
tests:
  - name: a wrong expectation
    channels: [sms]
    steps:
      - user: where is my order
      - bot: What is your order number?
"""


def command(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        omnibot(*args),
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def bot(root: Path, flows: str = FLOWS, tests: str | None = None) -> Path:
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text("name: Shop\nlanguages: [en]\n")
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(flows))
    if tests is not None:
        (root / "tests").mkdir()
        (root / "tests" / "main.yaml").write_text(textwrap.dedent(tests))
    return root


def test_validate_passes_a_good_bot_and_says_what_it_holds(tmp_path: Path) -> None:
    result = command("validate", str(bot(tmp_path, tests=PASSING)))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith(
        "'Shop' is valid: 1 flows, 2 slots, 0 FAQs, 1 conversation tests"
    )


def test_validate_prints_one_positioned_line_per_problem_and_exits_1(tmp_path: Path) -> None:
    broken = FLOWS.replace("- ask: method", "- ask: methd").replace("prompt: How", "promt: How")
    result = command("validate", str(bot(tmp_path, flows=broken)))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith("flows/main.yaml:10:5: unknown key 'promt' (did you mean 'prompt'?)")


def test_validate_reports_semantic_problems_with_hints(tmp_path: Path) -> None:
    broken = FLOWS.replace("- ask: method", "- ask: methd")
    result = command("validate", str(bot(tmp_path, flows=broken)))
    assert result.returncode == 1
    first, second = result.stdout.strip().splitlines()
    assert first.endswith("flows/main.yaml:19:9: unknown slot 'methd' (did you mean 'method'?)")
    assert second.endswith(
        "flows/main.yaml:20:9: slot 'method' is used here before any step can fill it "
        "(ask for it first, or write {{ slots.method | default('') }})"
    )


def test_test_runs_every_channel_and_passes(tmp_path: Path) -> None:
    result = command("test", str(bot(tmp_path, tests=PASSING)), "--channel", "all")
    assert result.returncode == 0, result.stdout
    for channel in ("telegram", "slack", "sms", "webchat", "whatsapp", "email"):
        assert f"ok    order status [{channel}]" in result.stdout
    assert result.stdout.strip().endswith("6 passed, 0 failed")


def test_test_fails_with_a_readable_diff_and_the_conversation(tmp_path: Path) -> None:
    result = command("test", str(bot(tmp_path, tests=FAILING)), "--channel", "all")
    assert result.returncode == 1
    out = result.stdout
    assert "FAIL  a wrong expectation [sms]" in out
    assert "tests/main.yaml:7:9: a wrong expectation [sms], step 2 (bot)" in out
    assert "  expected: What is your order number?" in out
    assert "  actual:   What's your order number?" in out
    assert "  > where is my order" in out
    assert out.strip().endswith("0 passed, 1 failed")


MID_FLOW = """
tests:
  - name: the method, once the order number is known
    start:
      flow: status
      step: method
      slots: {order_id: B-54321}
    steps:
      - bot: How should we send it?
      - buttons: [Courier, In a store]
      - choose: Courier
      - bot: B-54321 by courier.
"""


def test_a_test_can_start_at_a_question_in_the_middle_of_a_flow(tmp_path: Path) -> None:
    result = command("test", str(bot(tmp_path, tests=MID_FLOW)), "--channel", "all")
    assert result.returncode == 0, result.stdout
    for channel in ("telegram", "slack", "sms", "webchat", "whatsapp", "email"):
        assert f"ok    the method, once the order number is known [{channel}]" in result.stdout
    assert result.stdout.strip().endswith("6 passed, 0 failed")


def test_a_start_at_an_unknown_step_is_reported_with_its_place_and_a_hint(
    tmp_path: Path,
) -> None:
    tests = MID_FLOW.replace("step: method", "step: methd").replace(
        "{order_id: B-54321}", "{order_id: B-54321, oder: x}"
    )
    folder = bot(tmp_path, tests=tests)
    for name in ("validate", "test"):
        result = command(name, str(folder))
        assert result.returncode == 1
        lines = result.stdout.strip().splitlines()
        assert lines[0].endswith(
            "tests/main.yaml:6:7: flow 'status' has no step 'methd' (did you mean 'method'?)"
        ), lines
        assert lines[1].endswith(
            "tests/main.yaml:7:34: unknown slot 'oder' (did you mean 'order_id'?)"
        ), lines
        assert len(lines) == 2, lines


def test_a_start_at_an_unknown_flow_and_at_a_later_step(tmp_path: Path) -> None:
    tests = MID_FLOW.replace("flow: status", "flow: stats")
    result = command("validate", str(bot(tmp_path / "a", tests=tests)))
    assert result.returncode == 1
    assert result.stdout.strip().endswith(
        "tests/main.yaml:5:7: unknown flow 'stats' (did you mean 'status'?)"
    )
    tests = MID_FLOW.replace("step: method", "step: '3'")
    result = command("test", str(bot(tmp_path / "b", tests=tests)), "--channel", "sms")
    assert result.returncode == 1, "the say step ran at once: the method was never asked"
    assert "tests/main.yaml:9:9: the method, once the order number is known [sms]" in result.stdout
    assert "  expected: How should we send it?\n  actual:   B-54321 by ." in result.stdout


CODE_TESTS = """
tests:
  - name: a code to a country the bot serves
    steps:
      - user: verify my phone
      - user: "+1 202 555 0143"
      - bot: What's the code we texted you?
  - name: no code elsewhere
    steps:
      - user: verify my phone
      - user: "+44 7911 123456"
      - bot: I couldn't send a code (country).
"""


def test_test_applies_the_bots_linking_settings_to_one_time_codes(tmp_path: Path) -> None:
    folder = bot(tmp_path, flows=LINKING_FLOWS, tests=CODE_TESTS)
    (folder / "bot.yaml").write_text(
        "name: Shop\nlanguages: [en]\nlinking: {code_countries: [US]}\n"
    )
    result = command("test", str(folder), "--channel", "webchat")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("2 passed, 0 failed")


def test_test_on_one_channel_runs_only_tests_for_it(tmp_path: Path) -> None:
    result = command("test", str(bot(tmp_path, tests=PASSING)), "--channel", "sms")
    assert result.returncode == 0
    assert result.stdout.strip().endswith("1 passed, 0 failed")


def test_chat_holds_a_conversation_in_the_terminal(tmp_path: Path) -> None:
    result = command(
        "chat", str(bot(tmp_path)), "--channel", "sms", stdin="where is my order\nA-12345\n2\n"
    )
    assert result.returncode == 0
    assert "bot> What's your order number?" in result.stdout
    assert "bot> How should we send it?\n1. Courier\n2. In a store" in result.stdout
    assert "bot> A-12345 by store." in result.stdout


def test_chat_on_whatsapp_shows_few_options_as_buttons(tmp_path: Path) -> None:
    result = command(
        "chat",
        str(bot(tmp_path)),
        "--channel",
        "whatsapp",
        stdin="where is my order\nA-12345\nIn a store\n",
    )
    assert result.returncode == 0
    assert "as a whatsapp customer" in result.stdout
    assert "bot> How should we send it?\n     [Courier]  [In a store]" in result.stdout
    assert "bot> A-12345 by store." in result.stdout


def test_chat_on_email_numbers_the_options_and_takes_the_number(tmp_path: Path) -> None:
    result = command(
        "chat", str(bot(tmp_path)), "--channel", "email", stdin="where is my order\nA-12345\n1\n"
    )
    assert result.returncode == 0
    assert "as an email customer" in result.stdout
    assert "bot> How should we send it?\n1. Courier\n2. In a store" in result.stdout
    assert "bot> A-12345 by courier." in result.stdout


EXPLAINED = """
flows:
  status:
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


def test_chat_explain_says_what_each_message_was_understood_as_before_the_answer(
    tmp_path: Path,
) -> None:
    typed = "where is my ordr\ntracking please\nwhen is it\nblorp\n"
    result = command("chat", str(bot(tmp_path, flows=EXPLAINED)), "--explain", stdin=typed)
    assert result.returncode == 0, result.stderr
    turns = result.stdout.split("you> ")[1:]
    assert turns[0].splitlines() == [
        "why> understood as flow 'status': example 'where is my order', score 0.82; "
        "runner-up FAQ 'hours' (example 'when are you open', score 0.10)",
        "bot> Let me look.",
    ]
    assert turns[1].splitlines() == [
        "why> understood as flow 'status': keyword 'tracking', score 1.00; no runner-up",
        "bot> Let me look.",
    ]
    assert turns[2].splitlines()[0] == (
        "why> understood as nothing: best FAQ 'hours' (example 'when are you open', "
        "score 0.39), under the threshold 0.50; runner-up flow 'status' "
        "(example 'where is my order', score 0.34)"
    )
    assert turns[2].splitlines()[1].startswith("bot> Sorry, I didn't get that.")
    assert turns[3].splitlines()[0] == (
        "why> understood as nothing: no trigger shares a word with it"
    )


def test_chat_without_explain_says_nothing_of_the_matcher(tmp_path: Path) -> None:
    result = command("chat", str(bot(tmp_path, flows=EXPLAINED)), stdin="tracking\n")
    assert result.returncode == 0
    assert "why>" not in result.stdout
    assert "bot> Let me look." in result.stdout


LABELLED = """
- {phrase: where is my order, language: en, expect: status}
- {phrase: when are you open, language: en, expect: status}
- {phrase: blorp, language: en, expect: none}
"""


@pytest.mark.parametrize(("thresholds", "status"), [("0.5", 0), ("0.6", 1)])
def test_evaluate_exits_1_under_the_bots_thresholds(
    tmp_path: Path, thresholds: str, status: int
) -> None:
    root = bot(tmp_path, flows=EXPLAINED)
    with (root / "bot.yaml").open("a") as config:
        config.write(f"understanding: {{min_recall: {thresholds}}}\n")
    (root / "tests").mkdir()
    (root / "tests" / "understanding.yaml").write_text(LABELLED)
    result = command("evaluate", str(root))
    assert result.returncode == status, result.stdout
    assert "flow 'status'                           1.00    0.50        2" in result.stdout
    assert "  flow 'status' → FAQ 'hours': \"when are you open\" (en)" in result.stdout


def test_evaluate_reads_another_file_and_reports_its_mistakes(tmp_path: Path) -> None:
    root = bot(tmp_path, flows=EXPLAINED)
    (tmp_path / "mine.yaml").write_text("- {phrase: hi, language: en, expect: statsu}\n")
    result = command("evaluate", str(root), str(tmp_path / "mine.yaml"))
    assert result.returncode == 1
    assert result.stdout.strip().endswith(
        "mine.yaml:1:30: unknown flow, FAQ or intent 'statsu' (did you mean 'status'?), "
        "or 'none' for out of scope"
    )


def test_evaluate_the_example_meets_its_own_thresholds() -> None:
    result = command("evaluate", "examples/store")
    assert result.returncode == 0, result.stdout
    assert "64 phrases (en 32, pt 32), 16 of them out of scope" in result.stdout


def test_schema_is_json_schema_for_flows_and_for_tests() -> None:
    flows = json.loads(command("schema").stdout)
    tests = json.loads(command("schema", "--tests").stdout)
    assert flows["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(flows["properties"]) == {
        "settings",
        "slots",
        "flows",
        "intents",
        "faqs",
        "actions",
        "messages",
    }
    assert "AskStep" in flows["$defs"]
    assert tests["properties"]["tests"]["type"] == "array"


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_draws_the_flows(tmp_path: Path, fmt: str) -> None:
    result = command("graph", str(bot(tmp_path)), "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert "order_id" in result.stdout


def test_run_refuses_a_broken_bot_folder_before_serving(tmp_path: Path) -> None:
    broken = FLOWS.replace("- ask: method", "- ask: methd")
    result = command("run", str(bot(tmp_path, flows=broken)), "--port", "0")
    assert result.returncode == 1
    assert "unknown slot 'methd'" in result.stderr
