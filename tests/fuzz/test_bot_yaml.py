"""Whatever ``bot.yaml`` holds, loading it gives a configuration or problem lines
(``bot.yaml:LINE:COL: message``, pointing inside the file), never another exception.

The flows' loader has the same guarantee, fuzzed in ``tests/dialogs/test_loader_fuzz.py``.
Three kinds of generated files here too: arbitrary text and bytes, random structures built from
the keys of the real schema, and small edits of a complete, valid ``bot.yaml``.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from bot.app.config import BotConfig, load_bot_config
from bot.errors import ConfigError
from tests.fuzz.strategies import fuzz, mostly
from tests.yaml_edits import assert_problem_lines, line_edits


def problems_for(content: bytes) -> list[str]:
    """Load a bot folder whose ``bot.yaml`` holds ``content``: its problems, [] if it loads."""
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        Path(folder, "bot.yaml").write_bytes(content)
        try:
            load_bot_config(Path(folder))
        except ConfigError as exc:
            return exc.problems
    return []


def check(content: bytes) -> None:
    assert_problem_lines(content, problems_for(content), "bot.yaml")


def _keys(model: type[BaseModel], found: set[str]) -> set[str]:
    for name, info in model.model_fields.items():
        found.add(info.alias or name)
        for kind in getattr(info.annotation, "__args__", (info.annotation,)):
            if isinstance(kind, type) and issubclass(kind, BaseModel) and kind is not model:
                _keys(kind, found)
    return found


KEYS = sorted(_keys(BotConfig, set()))
WORDS = [
    *("Store", "en", "pt-BR", "xx_YY", "", "true", "false", "yes", "0", "-1", "1e9", "nan"),
    *("America/Sao_Paulo", "America", "Etc", "../../etc/passwd", "x" * 300, "UTC\x00"),
    *("09:00-18:00", "25:00-26:00", "18:00-09:00", "C0123ABCD", "agents.txt", "/etc/shadow"),
    *("phone", "email", "external_id", "webchat", "~", "{}", "[]", "&a", "*a", "!!binary"),
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
trees = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def shaped(model: type[BaseModel]) -> st.SearchStrategy[dict[str, object]]:
    """A mapping with ``model``'s own keys: every section (as a mapping of its own keys, or
    anything now and then), and some of the settings, each a word from the list or anything."""
    sections: dict[str, st.SearchStrategy[object]] = {}
    settings: dict[str, st.SearchStrategy[object]] = {}
    for name, info in model.model_fields.items():
        kinds = getattr(info.annotation, "__args__", (info.annotation,))
        models = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
        if models:
            sections[info.alias or name] = mostly(shaped(models[0]), trees)
        else:
            settings[info.alias or name] = mostly(st.sampled_from(WORDS), scalars)
    return st.fixed_dictionaries(sections, optional=settings)


documents = shaped(BotConfig)

VALID = """\
name: Store
description: An online store's customer service.
languages: [en, pt-BR]
default_language: en
memory:
  namespace: store
  retention_days: 30
  transcript_limit: 500
channels:
  webchat: {rate_burst: 5, rate_per_second: 0.5}
  telegram: {enabled: false}
  sms:
    help_text: {en: "Reply STOP to stop.", pt-BR: "Responda SAIR."}
linking:
  automatic: [phone, email]
  code_digits: 8
handoff:
  hours:
    timezone: America/Sao_Paulo
    mon: "09:00-18:00"
    sat: "09:00-13:00"
  acknowledge_minutes: 5
agents:
  session_hours: 12
  slack: {channel: C0123ABCD}
"""
REPLACEMENTS = ["", " ", "-", ":", "{", "}", "[", "]", "'", '"', "&a", "*a", "!x", "<<", "~"]
REPLACEMENTS += ["America", "Etc", "x" * 300, "25:00-26:00", "true", "nan", "\t", "#"]
edited = line_edits(VALID, REPLACEMENTS, ("delete", "duplicate", "indent", "replace", "replace"), 3)


def test_the_file_the_edits_start_from_is_valid() -> None:
    assert problems_for(VALID.encode()) == []


@fuzz(100)
@given(
    text=st.text(max_size=200)
    | st.lists(st.sampled_from([*WORDS, *KEYS, ": ", "\n  ", "- "]), max_size=40).map("".join)
)
def test_arbitrary_text_gives_problem_lines_or_loads(text: str) -> None:
    check(text.encode("utf-8"))


@fuzz(100)
@given(content=st.binary(max_size=120))
def test_arbitrary_bytes_give_problem_lines_or_load(content: bytes) -> None:
    check(content)


@fuzz(100)
@given(document=documents | trees)
def test_random_structures_give_problem_lines_or_load(document: object) -> None:
    check(yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode("utf-8"))


@fuzz(100)
@given(text=edited)
def test_edits_of_a_valid_file_give_problem_lines_or_load(text: str) -> None:
    check(text.encode("utf-8"))


@pytest.mark.parametrize("zone", ["America", "Etc", "x" * 300])
def test_a_time_zone_that_is_no_file_of_the_database_is_a_problem_line(
    tmp_path: Path, zone: str
) -> None:
    (tmp_path / "bot.yaml").write_text(f"name: Shop\nhandoff:\n  hours:\n    timezone: {zone}\n")
    with pytest.raises(ConfigError) as error:
        load_bot_config(tmp_path)
    [problem] = error.value.problems
    expected = f"timezone: {zone!r} is not a time zone like 'America/Sao_Paulo'"
    assert problem.endswith(f"bot.yaml:4:5: {expected}")
