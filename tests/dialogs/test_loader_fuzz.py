"""Whatever is written in ``flows/``, the loader answers with problem lines, never a traceback.

Three kinds of generated files: arbitrary text, random structures shaped loosely like flows files
(keys drawn from the real schema, plus noise), and small edits of a valid flows file. Each must
load, or raise :class:`ConfigError` whose every problem is one ``flows/main.yaml:LINE:COL:
message`` line pointing inside the file.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import get_args

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from bot.app.config import BotConfig
from bot.errors import ConfigError
from dialogs.design import schema
from dialogs.design.loader import load_flowset
from tests.yaml_edits import assert_problem_lines, line_edits

CONFIG = BotConfig(name="Fuzz", languages=["en", "pt"])
# The line breaks YAML knows (Python's str.splitlines knows more, e.g. form feed).
FUZZ = settings(max_examples=500, deadline=None)


def problems_for(content: bytes) -> list[str]:
    """Load a bot whose only flows file holds ``content``; the problems, or [] if it loads."""
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        root = Path(folder)
        (root / "flows").mkdir()
        (root / "flows" / "main.yaml").write_bytes(content)
        try:
            load_flowset(root, CONFIG)
        except ConfigError as exc:
            return exc.problems
    return []


def check(content: bytes) -> None:
    assert_problem_lines(content, problems_for(content), "flows/main.yaml")


# (a) Arbitrary text

TOKENS = [
    *("flows:", "slots:", "steps:", "settings:", "faqs:", "messages:", "triggers:"),
    *("say:", "ask:", "goto:", "branch:", "when:", "set:", "call:", "run:", "end"),
    *("main", "order", "en:", "pt:", "start: true", "- ", "\n", "  ", "    ", "\t", " "),
    *("{", "}", "[", "]", ":", ",", "'", '"', "#", "|", ">", "?", "%", "@", "`", "&a", "*a"),
    *("<<: ", "---", "...", "!", "!!str ", "~", "{{", "}}", "{%", "%}", "slots.x", "\\", "é"),
]

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=60).map("".join),
)


@FUZZ
@given(texts)
def test_arbitrary_text_gives_problem_lines_or_loads(text: str) -> None:
    check(text.encode("utf-8"))


@FUZZ
@given(st.binary(max_size=120))
def test_arbitrary_bytes_give_problem_lines_or_load(content: bytes) -> None:
    check(content)


# (b) Random structures shaped like flows files


def _schema_keys() -> list[str]:
    """The keys of every model a flows file can hold (the steps' and messages' too)."""
    keys: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo: list[object] = [schema.FlowFile]
    while todo:
        value = todo.pop()
        if isinstance(value, type) and issubclass(value, BaseModel):
            if value not in seen:
                seen.add(value)
                keys |= {info.alias or name for name, info in value.model_fields.items()}
                todo += [info.annotation for info in value.model_fields.values()]
        else:
            todo += get_args(value)
    return sorted(keys)


SCHEMA_KEYS = _schema_keys()
NAMES = ["main", "order", "name", "order_id", "method", "help", "cancel", "fallback", "x"]
WORDS = [
    *("Hello", "", "end", "true", "choice", "pattern", "text", "integer", "GET", "image"),
    *("{{ slots.name }}", "{{ slots.oder_id }}", "{% if slots.x %}", "{{", "= 1 +"),
    *("= slots.name", "slots.name is none", "goto:main", "flow:order", "(", "[a-", "^\\d+$"),
    *("!!", "en", "pt", "pr", "slots.name", "profile.city", "https://x.example/{{ args.id }}"),
]
# Noise: keys a designer would not write on purpose, but a typo or a paste can produce.
ODD_KEYS = ["", " ", "~x", "a b", "type\n", "<<", "1", "Ç", "Main", "order-id", "${X}"]
keys = st.sampled_from(SCHEMA_KEYS + NAMES + ODD_KEYS) | st.text(max_size=6)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 100),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(WORDS + NAMES),
    st.text(max_size=8),
)
trees = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)
texts_per_language = st.dictionaries(st.sampled_from(["en", "pt", "pr"]), scalars, max_size=3)
steps = st.one_of(
    st.just("end"),
    st.dictionaries(
        st.sampled_from([*schema.STEP_KINDS, "id", "prompt", "args", "into", "else"]) | keys,
        st.one_of(scalars, texts_per_language, trees),
        min_size=1,
        max_size=3,
    ),
    trees,
)
flows = st.fixed_dictionaries(
    {"steps": st.lists(steps, max_size=5) | trees},
    optional={"triggers": trees, "title": texts_per_language | scalars, "resume": trees},
)
flow_files = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "flows": st.dictionaries(st.sampled_from(NAMES) | keys, flows | trees, max_size=3),
            "slots": st.dictionaries(st.sampled_from(NAMES) | keys, trees, max_size=3),
            "settings": trees,
            "faqs": trees,
            "messages": st.dictionaries(st.sampled_from(NAMES) | keys, trees, max_size=2),
            "actions": trees,
            "intents": trees,
        },
    ),
    st.dictionaries(keys, trees, max_size=3),
    trees,
)


@FUZZ
@given(flow_files)
def test_random_flows_structures_give_problem_lines_or_load(data: object) -> None:
    check(yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8"))


# (c) Small edits of a valid flows file

VALID = """\
slots:
  order_id:
    type: pattern
    pattern: "^[A-Z]-\\\\d{5}$"
    prompt: {en: "Your order number?", pt: "Número do pedido?"}
  method:
    type: choice
    options:
      - {value: courier, title: {en: Courier, pt: Entregador}}
      - {value: store, title: {en: In a store, pt: Na loja}}
settings:
  attempts: 2
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say: {en: "Hi!", pt: "Oi!"}
  order_status:
    title: {en: Order status, pt: Status do pedido}
    triggers:
      en: [where is my order]
      pt: [onde está meu pedido]
      patterns: ['pedido \\d+']
    steps:
      - ask: order_id
        fallback: {goto: missing}
      - set: {shown: "{{ slots.order_id }}"}
      - branch:
          - when: slots.shown == 'A-00000'
            goto: missing
        else: {run: choose}
      - say:
          text: {en: "Thanks {{ slots.method }}", pt: "Obrigado {{ slots.method }}"}
          buttons:
            - {title: {en: Again, pt: De novo}, goto: order_id}
      - end
      - id: missing
        say: {en: "No {{ slots.order_id | default('') }}.", pt: "Sem pedido."}
  choose:
    steps:
      - ask: method
faqs:
  hours:
    triggers: {en: [opening hours], pt: [horário]}
    say: {en: "Nine to six.", pt: "Das nove às seis."}
"""
REPLACEMENTS = [
    *("", " ", "-", ":", "{", "}", "[", "]", "'", '"', "&a", "*a", "!x", "<<", "~", "%", "\t"),
    *("goto", "ask", "say", "end", "run", "flow", "{{", "}}", "slots.x", "pr", "en", "pt", "#"),
]


edited = line_edits(VALID, REPLACEMENTS)


def test_the_file_the_edits_start_from_is_valid() -> None:
    assert problems_for(VALID.encode("utf-8")) == []


@FUZZ
@given(edited)
def test_edits_of_a_valid_file_give_problem_lines_or_load(text: str) -> None:
    check(text.encode("utf-8"))
