"""YAML for bot designers: positions, YAML 1.2 booleans, duplicate keys and readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.app.config import BotConfig
from bot.yaml_source import (
    Position,
    YamlDocument,
    YamlSyntaxError,
    load,
    parse,
    validation_problems,
)

FLOW = """\
name: order
steps:
  - id: ask
    say: Which order?
  - id: done
tags: [shop, orders]
"""


def test_data_is_parsed_as_plain_python_values() -> None:
    assert parse(FLOW, "flow.yaml").data == {
        "name": "order",
        "steps": [{"id": "ask", "say": "Which order?"}, {"id": "done"}],
        "tags": ["shop", "orders"],
    }


def test_every_key_has_its_one_based_line_and_column() -> None:
    positions = parse(FLOW, "flow.yaml").positions
    assert positions[("name",)] == Position(1, 1)
    assert positions[("steps",)] == Position(2, 1)
    assert positions[("steps", 0, "id")] == Position(3, 5)
    assert positions[("steps", 0, "say")] == Position(4, 5)
    assert positions[("steps", 1, "id")] == Position(5, 5)
    assert positions[("tags",)] == Position(6, 1)


def test_every_list_item_has_its_position() -> None:
    positions = parse(FLOW, "flow.yaml").positions
    assert positions[("steps", 0)] == Position(3, 5)
    assert positions[("steps", 1)] == Position(5, 5)
    assert positions[("tags", 0)] == Position(6, 8)
    assert positions[("tags", 1)] == Position(6, 14)


def test_where_falls_back_to_the_nearest_ancestor_in_the_file() -> None:
    document = parse(FLOW, "flow.yaml")
    assert document.where(("steps", 1, "say")) == Position(5, 5)
    assert document.where(("steps", 7, "say")) == Position(2, 1)
    assert document.where(("nowhere",)) == Position(1, 1)


def test_where_of_a_document_without_positions_is_the_first_line() -> None:
    assert YamlDocument("x.yaml", {}).where(("a", 1)) == Position(1, 1)


def test_problem_is_one_file_line_col_message_line() -> None:
    document = parse(FLOW, "bots/shop/flows/order.yaml")
    assert (
        document.problem(("steps", 0, "say"), "unknown slot 'order_id'")
        == "bots/shop/flows/order.yaml:4:5: unknown slot 'order_id'"
    )


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF"])
def test_yaml_1_1_boolean_words_stay_text(word: str) -> None:
    assert parse(f"answer: {word}\n", "f.yaml").data == {"answer": word}


@pytest.mark.parametrize(
    ("word", "value"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False)],
)
def test_true_and_false_are_booleans(word: str, value: bool) -> None:
    assert parse(f"answer: {word}\n", "f.yaml").data == {"answer": value}


def test_boolean_words_stay_text_in_lists_and_keys_too() -> None:
    assert parse("on: [yes, no, true]\n", "f.yaml").data == {"on": ["yes", "no", True]}


def test_other_scalars_keep_their_usual_types() -> None:
    text = "int: 3\nfloat: 1.5\nnull1: ~\nnull2: null\nempty:\nquoted: 'true'\n"
    assert parse(text, "f.yaml").data == {
        "int": 3,
        "float": 1.5,
        "null1": None,
        "null2": None,
        "empty": None,
        "quoted": "true",
    }


def test_pyyaml_own_safe_loader_is_left_unchanged() -> None:
    parse("a: yes\n", "f.yaml")
    assert yaml.safe_load("a: yes\n") == {"a": True}


def test_duplicate_key_is_reported_at_its_second_occurrence() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse("name: shop\nlanguages: [en]\nname: store\n", "bot.yaml")
    assert caught.value.problem == "bot.yaml:3:1: 'name' is given twice in this mapping"
    assert str(caught.value) == caught.value.problem


def test_duplicate_key_in_a_nested_mapping_is_reported_with_its_position() -> None:
    text = "steps:\n  - id: ask\n    say: hi\n    id: again\n"
    with pytest.raises(YamlSyntaxError) as caught:
        parse(text, "flows/order.yaml")
    assert caught.value.problem == "flows/order.yaml:4:5: 'id' is given twice in this mapping"


def test_the_same_key_in_different_mappings_is_not_a_duplicate() -> None:
    assert parse("a: {id: 1}\nb: {id: 2}\n", "f.yaml").data == {"a": {"id": 1}, "b": {"id": 2}}


QUOTE_THE_COLON = "; a text with ': ' in it must be in quotes: say: \"Note: closed\""
NO_TABS = "; indent with spaces: YAML does not accept tabs"
INDENTED = (
    "; this line is indented differently from the lines above it: keys of one mapping, and "
    "items of one list, start in the same column"
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "name: a: b\n",
            "f.yaml:1:8: mapping values are not allowed here" + QUOTE_THE_COLON,
        ),
        ("tags: [a, b\n", "f.yaml:2:1: expected ',' or ']', but got '<stream end>'"),
        (
            "\tname: shop\n",
            "f.yaml:1:1: found character '\\t' that cannot start any token" + NO_TABS,
        ),
        ("name: *missing\n", "f.yaml:1:7: found undefined alias 'missing'"),
        (
            "a:\n  - x\n - y\n",
            "f.yaml:3:2: expected <block end>, but found '<block sequence start>'" + INDENTED,
        ),
        (
            "a: 1\n---\nb: 2\n",
            "f.yaml:2:1: expected a single document in the stream, but found another document",
        ),
    ],
)
def test_syntax_error_is_reported_as_file_line_col_message(text: str, problem: str) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse(text, "f.yaml")
    assert caught.value.problem == problem


def test_syntax_error_keeps_the_yaml_error_as_its_cause() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse("name: a: b\n", "f.yaml")
    assert isinstance(caught.value.__cause__, yaml.YAMLError)


def test_a_key_that_is_not_plain_text_is_reported() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse("name: shop\n? [a, b]\n: 1\n", "f.yaml")
    assert caught.value.problem == "f.yaml:2:3: a key must be plain text, not a list or a mapping"


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_empty_document_is_none_at_the_first_line(text: str) -> None:
    document = parse(text, "f.yaml")
    assert document.data is None
    assert document.where(()) == Position(1, 1)


MERGED = """\
base: &base
  retries: 3
  timeout: 10
child:
  timeout: 30
  <<: *base
other:
  <<: *base
  retries: 5
many:
  <<: [*base, {extra: true}]
"""


def test_merge_keys_merge_and_explicit_keys_win_wherever_they_are_written() -> None:
    assert parse(MERGED, "f.yaml").data == {
        "base": {"retries": 3, "timeout": 10},
        "child": {"retries": 3, "timeout": 30},
        "other": {"retries": 5, "timeout": 10},
        "many": {"retries": 3, "timeout": 10, "extra": True},
    }


def test_merged_keys_are_not_reported_as_duplicates() -> None:
    text = "base: &b\n  a: 1\nchild:\n  <<: *b\n  a: 2\n"
    assert parse(text, "f.yaml").data == {"base": {"a": 1}, "child": {"a": 2}}


def test_a_real_duplicate_next_to_a_merge_is_still_reported() -> None:
    text = "base: &b\n  a: 1\nchild:\n  <<: *b\n  a: 2\n  a: 3\n"
    with pytest.raises(YamlSyntaxError) as caught:
        parse(text, "f.yaml")
    assert caught.value.problem == "f.yaml:6:3: 'a' is given twice in this mapping"


def test_an_explicit_key_keeps_its_own_position_when_a_merge_follows_it() -> None:
    document = parse(MERGED, "f.yaml")
    assert document.where(("child", "timeout")) == Position(5, 3)
    assert document.where(("other", "retries")) == Position(9, 3)


def test_a_wrong_value_written_before_a_merge_is_reported_on_its_own_line() -> None:
    text = (
        "name: shop\n"
        "channels:\n"
        "  telegram: &on\n"
        "    enabled: true\n"
        "  sms:\n"
        "    enabled: maybe\n"
        "    <<: *on\n"
    )
    assert problems_of(text) == [
        "bot.yaml:6:5: enabled: input should be a valid boolean, unable to interpret input"
    ]


def test_load_reads_a_file_and_names_it_as_asked(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text("name: shop\nname: again\n", "utf-8")
    with pytest.raises(YamlSyntaxError) as caught:
        load(path, "mybot/bot.yaml")
    assert caught.value.problem == "mybot/bot.yaml:2:1: 'name' is given twice in this mapping"


def test_load_names_the_file_by_its_path_by_default(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text("name: shop\n", "utf-8")
    document = load(path)
    assert (document.path, document.data) == (str(path), {"name": "shop"})


def test_load_reports_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_bytes("name: café\n".encode("latin-1"))
    with pytest.raises(YamlSyntaxError) as caught:
        load(path, "mybot/bot.yaml")
    assert caught.value.problem == (
        "mybot/bot.yaml:1:10: byte 0xe9 is not UTF-8 text; save the file as UTF-8"
    )
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)


def problems_of(text: str) -> list[str]:
    """The ``file:line:col`` problems of ``text`` read as a bot.yaml."""
    document = parse(text, "bot.yaml")
    with pytest.raises(ValidationError) as caught:
        BotConfig.model_validate(document.data)
    return validation_problems(document, caught.value, BotConfig)


def test_unknown_key_gets_a_did_you_mean_hint() -> None:
    assert problems_of("name: shop\nlangauges: [en]\n") == [
        "bot.yaml:2:1: unknown key 'langauges' (did you mean 'languages'?)"
    ]


def test_unknown_nested_key_is_matched_against_its_own_section() -> None:
    assert problems_of("name: shop\nmemory:\n  retension_days: 30\n") == [
        "bot.yaml:3:3: unknown key 'retension_days' (did you mean 'retention_days'?)"
    ]


def test_unknown_key_deep_inside_sections_gets_a_hint() -> None:
    assert problems_of("name: shop\nchannels:\n  telegram:\n    enable: false\n") == [
        "bot.yaml:4:5: unknown key 'enable' (did you mean 'enabled'?)"
    ]


def test_unknown_key_without_a_close_match_lists_the_known_keys() -> None:
    assert problems_of("name: shop\nzzz: 1\n") == [
        "bot.yaml:2:1: unknown key 'zzz'; expected one of: "
        "agents, channels, default_language, description, handoff, languages, linking, memory, "
        "name, outreach, understanding"
    ]


def test_unknown_channel_lists_the_known_channels() -> None:
    assert problems_of("name: shop\nchannels:\n  fax: {}\n") == [
        "bot.yaml:3:3: unknown key 'fax'; "
        "expected one of: email, slack, sms, telegram, webchat, whatsapp"
    ]


def test_wrong_type_names_the_key_and_points_at_it() -> None:
    assert problems_of("name: shop\nmemory:\n  retention_days: forever\n") == [
        "bot.yaml:3:3: retention_days: "
        "input should be a valid number, unable to parse string as a number"
    ]


def test_wrong_list_item_points_at_the_item() -> None:
    assert problems_of("name: shop\nlanguages: [en, 5]\n") == [
        "bot.yaml:2:17: language 2: input should be a valid string"
    ]


def test_missing_required_key_is_reported_at_the_top_of_the_document() -> None:
    assert problems_of("# the shop bot\ndescription: a shop\n") == [
        "bot.yaml:2:1: 'name' is required"
    ]


def test_every_problem_is_reported_not_only_the_first() -> None:
    problems = problems_of("langauges: [en]\nmemory:\n  inbox_limit: 0\n")
    assert sorted(problems) == [
        "bot.yaml:1:1: 'name' is required",
        "bot.yaml:1:1: unknown key 'langauges' (did you mean 'languages'?)",
        "bot.yaml:3:3: inbox_limit: input should be greater than or equal to 1",
    ]
