"""Drawing a bot's flows: the nodes, edges and entry points a designer sees, in Mermaid and DOT."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from bot.app.config import load_bot_config
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import load_flowset
from dialogs.tools.graph import GraphvizFailed, GraphvizMissing, dot, draw, mermaid, svg

SHOP = """
slots:
  order_id: {type: text}
actions:
  lookup_order:
    http: {url: "https://shop.example/orders/{{ order_id }}"}
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say:
          text: "Hi! I'm the store bot, here to help with your orders."
          buttons:
            - {title: Track an order, flow: order_status}
            - {title: Talk to us, goto: human}
      - end
      - id: human
        handoff: customer asked
  order_status:
    title: Order status
    triggers:
      en: [where is my order, track my order]
    steps:
      - ask: order_id
      - call: lookup_order
        args: {order_id: "{{ slots.order_id }}"}
        into: order
      - branch:
          - when: slots.order is none
            goto: missing
          - when: 'slots.order.tags[0] == "<vip>"'
            run: apology
      - say: "Order {{ slots.order_id }} is {{ slots.order.status }}."
      - end
      - id: missing
        say: I can't find that order.
      - flow: welcome
  apology:
    steps:
      - say: Sorry for the delay!
faqs:
  hours:
    triggers: {en: [opening hours]}
    say: "We're open 9 to 6."
"""

# The ids of the steps above, as the drawing names their nodes.
ASK_ORDER = "f_order_status__order_id"
CALL = "f_order_status__2"
BRANCH = "f_order_status__3"
STATUS = "f_order_status__4"
END_STEP = "f_order_status__5"
MISSING = "f_order_status__missing"
SWITCH = "f_order_status__7"
GREETING = "f_welcome__1"
HUMAN = "f_welcome__human"
SORRY = "f_apology__1"

NODE = re.compile(
    r"(?P<id>[a-z][a-z0-9_]*)"
    r"(?P<open>\(\[|\[\[|\[/|\(\(|\{\{|[\[({>])"
    r"\"(?P<label>[^\"]*)\""
    r"(?P<close>[\])}/]{1,2})"
)
EDGE = re.compile(
    r"(?P<source>\S+) (?P<arrow>-->|-\.->|==>)(?:\|\"(?P<label>[^\"]*)\"\|)? (?P<target>\S+)"
)
SUBGRAPH = re.compile(r"subgraph (?P<id>[a-z][a-z0-9_]*) \[\"(?P<title>[^\"]*)\"\]")
CLOSING = {
    "([": "])",
    "[[": "]]",
    "[/": "/]",
    "((": "))",
    "{{": "}}",
    "[": "]",
    "(": ")",
    "{": "}",
    ">": "]",
}
# Inside a quoted label: anything but the characters Mermaid would read, or an entity code.
SAFE_LABEL = re.compile(r"(?:[^\"#<>\[\]{}|`&\n]|#\w+;)*")


def mermaid_problems(chart: str) -> list[str]:
    """What would stop Mermaid from reading ``chart``: a small check of the subset we write."""
    lines = chart.splitlines()
    problems = [] if lines[:1] == ["flowchart TD"] else ["does not start with 'flowchart TD'"]
    declared: set[str] = set()
    edges: list[tuple[str, str]] = []
    depth = 0
    for number, line in enumerate(lines[1:], start=2):
        text = line.strip()
        node, edge, subgraph = NODE.fullmatch(text), EDGE.fullmatch(text), SUBGRAPH.fullmatch(text)
        if text == "end":
            depth -= 1
            if depth < 0:
                problems.append(f"line {number}: 'end' without a subgraph")
        elif subgraph:
            depth += 1
            problems += _label_problems(number, subgraph["title"])
        elif node:
            if node["id"] in declared:
                problems.append(f"line {number}: node {node['id']} declared twice")
            declared.add(node["id"])
            if CLOSING[node["open"]] != node["close"]:
                problems.append(
                    f"line {number}: shape opened {node['open']} closed {node['close']}"
                )
            problems += _label_problems(number, node["label"])
        elif edge:
            edges.append((edge["source"], edge["target"]))
            problems += _label_problems(number, edge["label"] or "")
        else:
            problems.append(f"line {number}: not a node, an edge or a subgraph: {text!r}")
    problems += [f"{depth} subgraph(s) left open"] if depth > 0 else []
    for source, target in edges:
        problems += [f"edge to undeclared node {n}" for n in (source, target) if n not in declared]
    return problems


def _label_problems(number: int, label: str) -> list[str]:
    return [] if SAFE_LABEL.fullmatch(label) else [f"line {number}: unescaped label {label!r}"]


def dot_problems(graph: str) -> list[str]:
    """What would stop Graphviz from reading ``graph``: unclosed strings and braces."""
    outside = re.sub(r'"(?:[^"\\\n]|\\.)*"', "S", graph)
    problems = ['a stray or unclosed "'] if '"' in outside else []
    depth = 0
    for char in outside:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            problems.append("a '}' closes nothing")
            depth = 0
    return problems + ([f"{depth} brace(s) left open"] if depth > 0 else [])


def lines_of(drawing: str) -> list[str]:
    """A drawing's lines, without their indentation."""
    return [line.strip() for line in drawing.splitlines()]


def load(tmp_path: Path, flows: str) -> FlowSet:
    (tmp_path / "bot.yaml").write_text("name: Shop\nlanguages: [en]\n", "utf-8")
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "main.yaml").write_text(textwrap.dedent(flows), "utf-8")
    return load_flowset(tmp_path, load_bot_config(tmp_path))


@pytest.fixture
def shop(tmp_path: Path) -> FlowSet:
    return load(tmp_path, SHOP)


@pytest.fixture
def chart(shop: FlowSet) -> list[str]:
    return lines_of(mermaid(shop))


def test_mermaid_output_passes_the_syntax_check(shop: FlowSet) -> None:
    assert mermaid_problems(mermaid(shop)) == []


def test_the_syntax_check_catches_broken_charts() -> None:
    broken = 'flowchart TD\nsubgraph a ["A"]\nx["say: "hi""]\nx --> y\nq[oops\n'
    problems = mermaid_problems(broken)
    assert 'line 3: not a node, an edge or a subgraph: \'x["say: "hi""]\'' in problems
    assert "line 5: not a node, an edge or a subgraph: 'q[oops'" in problems
    assert "1 subgraph(s) left open" in problems
    assert "edge to undeclared node x" in problems
    assert "edge to undeclared node y" in problems
    assert mermaid_problems('flowchart TD\nend\nx["a <b>"]') == [
        "line 2: 'end' without a subgraph",
        "line 3: unescaped label 'a <b>'",
    ]


def test_one_subgraph_per_flow_and_one_for_the_faqs(chart: list[str]) -> None:
    subgraphs = [line for line in chart if line.startswith("subgraph ")]
    assert subgraphs == [
        'subgraph cluster_welcome ["welcome"]',
        'subgraph cluster_order_status ["order_status: Order status"]',
        'subgraph cluster_apology ["apology"]',
        'subgraph cluster__faqs ["FAQs: answered anywhere"]',
    ]
    assert chart.count("end") == len(subgraphs)
    assert 'faq_hours["hours: We\'re open 9 to 6."]' in chart


def test_each_step_shows_its_kind_and_key_content(chart: list[str]) -> None:
    assert f'{ASK_ORDER}[/"ask order_id"/]' in chart
    assert f'{CALL}["call lookup_order → order"]' in chart
    assert f'{BRANCH}{{"branch"}}' in chart
    assert f'{END_STEP}("end")' in chart
    assert f'{MISSING}["say: I can\'t find that order."]' in chart
    assert f'{SWITCH}>"flow: welcome"]' in chart
    assert f'{HUMAN}{{{{"handoff: customer asked"}}}}' in chart


def test_a_long_message_is_cut_to_about_forty_characters(chart: list[str]) -> None:
    assert f'{GREETING}["say: Hi! I\'m the store bot, here to…"]' in chart


def test_steps_in_sequence_are_joined(chart: list[str]) -> None:
    assert f"{ASK_ORDER} --> {CALL}" in chart
    assert f"{CALL} --> {BRANCH}" in chart
    assert f"{MISSING} --> {SWITCH}" in chart


def test_branch_cases_are_labelled_with_their_condition(chart: list[str]) -> None:
    assert f'{BRANCH} -->|"slots.order is none"| {MISSING}' in chart
    assert f'{BRANCH} -->|"else"| {STATUS}' in chart


def test_quotes_and_brackets_in_a_condition_are_escaped(chart: list[str]) -> None:
    condition = "slots.order.tags#91;0#93; == #quot;#lt;vip#gt;#quot;"
    assert f'{BRANCH} -.->|"{condition}"| {SORRY}' in chart


def test_buttons_lead_where_they_point_labelled_with_their_title(chart: list[str]) -> None:
    assert f'{GREETING} -->|"Talk to us"| {HUMAN}' in chart
    assert f'{GREETING} ==>|"Track an order"| {ASK_ORDER}' in chart


def test_a_sub_flow_is_entered_dashed_and_returns_after_the_step(chart: list[str]) -> None:
    assert 'subgraph cluster_apology ["apology"]' in chart
    assert 'f_apology__end(("end"))' in chart
    assert f"{SORRY} --> f_apology__end" in chart
    assert f'f_apology__end -.->|"return"| {STATUS}' in chart


def test_flow_switches_and_ends(chart: list[str]) -> None:
    assert f"{SWITCH} ==> {GREETING}" in chart
    assert f"{END_STEP} --> f_order_status__end" in chart
    assert 'f_order_status__end(("end"))' in chart
    assert not any(line.startswith(f"{HUMAN} ") for line in chart), "a handoff leaves the bot"


def test_entry_points_are_labelled_start_nodes(chart: list[str]) -> None:
    assert 'in__start(["conversation starts"])' in chart
    assert f"in__start --> {GREETING}" in chart
    assert 'in_order_status(["trigger: where is my order / track my…"])' in chart
    assert f"in_order_status --> {ASK_ORDER}" in chart
    assert not any(line.startswith("in_apology") for line in chart)


def test_dot_draws_the_same_graph(shop: FlowSet) -> None:
    graph = lines_of(dot(shop))
    assert graph[0] == "digraph flows {"
    assert graph[-1] == "}"
    assert [line for line in graph if line.startswith("subgraph ")] == [
        'subgraph "cluster_welcome" {',
        'subgraph "cluster_order_status" {',
        'subgraph "cluster_apology" {',
        'subgraph "cluster__faqs" {',
    ]
    assert 'label="order_status: Order status";' in graph
    assert f'"{ASK_ORDER}" [label="ask order_id", shape=parallelogram];' in graph
    assert f'"{HUMAN}" [label="handoff: customer asked", shape=hexagon];' in graph
    assert f'"{BRANCH}" -> "{MISSING}" [label="slots.order is none"];' in graph
    assert f'"{GREETING}" -> "{ASK_ORDER}" [label="Track an order", style=bold];' in graph
    assert f'"f_apology__end" -> "{STATUS}" [label="return", style=dotted];' in graph
    assert '"in__start" -> "f_welcome__1";' in graph
    assert dot_problems(dot(shop)) == []


def test_dot_escapes_quotes_and_backslashes(tmp_path: Path) -> None:
    flowset = load(
        tmp_path,
        r"""
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: 'Type "yes" or C:\temp'
        """,
    )
    assert r'[label="say: Type \"yes\" or C:\\temp", shape=box];' in dot(flowset)
    assert dot_problems(dot(flowset)) == []
    assert 'f_main__1["say: Type #quot;yes#quot; or C:\\temp"]' in mermaid(flowset)


def test_the_syntax_check_of_dot_catches_an_unclosed_string() -> None:
    assert dot_problems('digraph { "a [label="x"]; }') == ['a stray or unclosed "']
    assert dot_problems('digraph { "a\\"" -> "b"; ') == ["1 brace(s) left open"]


def test_hashes_angle_brackets_and_newlines_in_labels_are_escaped(tmp_path: Path) -> None:
    flowset = load(
        tmp_path,
        """
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: "Ticket #42;\\n<b>done</b> | [ok]"
        """,
    )
    chart = mermaid(flowset)
    label = "say: Ticket #35;42; #lt;b#gt;done#lt;/b#gt; #124; #91;ok#93;"
    assert f'f_main__1["{label}"]' in lines_of(chart)
    assert mermaid_problems(chart) == []


def test_branch_ends_else_gotos_and_fallbacks_are_labelled(tmp_path: Path) -> None:
    flowset = load(
        tmp_path,
        """
        slots:
          age: {type: integer}
        flows:
          main:
            triggers: {start: true}
            steps:
              - ask: age
                attempts: 2
                fallback: {goto: sorry}
              - branch:
                  - when: slots.age < 18
                    end: true
                  - when: slots.age > 120
                    flow: other
                else: {goto: welcome}
              - id: welcome
                say: Welcome!
              - id: sorry
                say: Sorry.
          other:
            steps:
              - set: {checked: true}
              - goto: done
              - id: done
                end: true
                say: Bye
        """,
    )
    chart = lines_of(mermaid(flowset))
    assert 'f_main__age -->|"fallback"| f_main__sorry' in chart
    assert 'f_main__2 -->|"slots.age #lt; 18"| f_main__end' in chart
    assert 'f_main__2 ==>|"slots.age #gt; 120"| f_other__1' in chart
    assert 'f_main__2 -->|"else"| f_main__welcome' in chart
    assert 'f_other__1["set checked"]' in chart
    assert 'f_other__2["goto done"]' in chart
    assert "f_other__2 --> f_other__done" in chart
    assert 'f_other__done("end: Bye")' in chart
    assert mermaid_problems("\n".join(chart)) == []


def test_node_ids_stay_unique_when_names_contain_double_underscores(tmp_path: Path) -> None:
    flowset = load(
        tmp_path,
        """
        flows:
          a:
            triggers: {start: true}
            steps:
              - id: b__c
                run: a__b
              - id: end
                say: Done.
          a__b:
            steps:
              - id: c
                say: Inner.
        """,
    )
    chart = mermaid(flowset)
    assert mermaid_problems(chart) == []
    lines = lines_of(chart)
    assert 'f_a__b__c[["run a__b"]]' in lines
    assert 'f_a__b__c_2["say: Inner."]' in lines
    assert 'f_a__end["say: Done."]' in lines
    assert 'f_a__end_2(("end"))' in lines
    assert 'f_a__b__c -.->|"run"| f_a__b__c_2' in lines
    assert 'f_a__b__end -.->|"return"| f_a__end' in lines


def test_the_buttons_of_an_ask_step_are_drawn_too(tmp_path: Path) -> None:
    flowset = load(
        tmp_path,
        """
        slots:
          size: {type: text}
        flows:
          main:
            triggers: {start: true}
            steps:
              - id: hello
                say: Hello!
              - ask: size
                buttons:
                  - {title: Start over, goto: hello}
                  - {title: Ask a person, flow: human}
          human:
            steps:
              - handoff: asked from the size question
        """,
    )
    chart = lines_of(mermaid(flowset))
    assert 'f_main__size -->|"Start over"| f_main__hello' in chart
    assert 'f_main__size ==>|"Ask a person"| f_human__1' in chart


def test_no_return_is_drawn_from_a_sub_flow_that_never_ends(tmp_path: Path) -> None:
    flowset = load(
        tmp_path,
        """
        flows:
          main:
            triggers: {start: true}
            steps:
              - run: outer
              - say: Back again.
          outer:
            steps:
              - say: Outer.
              - run: inner
          inner:
            steps:
              - handoff: nothing more to do
        """,
    )
    chart = mermaid(flowset)
    lines = lines_of(chart)
    assert 'f_outer__2 -.->|"run"| f_inner__1' in lines
    assert not any("return" in line or "f_outer__end" in line for line in lines)
    assert not any("f_inner__end" in line for line in lines)
    assert mermaid_problems(chart) == []


def test_draw_dispatches_on_the_format(shop: FlowSet) -> None:
    assert draw(shop, "mermaid") == mermaid(shop)
    assert draw(shop, "dot") == dot(shop)
    with pytest.raises(ValueError, match="unknown drawing format 'png'"):
        draw(shop, "png")


def test_svg_without_graphviz_says_how_to_install_it(
    shop: FlowSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GraphvizMissing, match=r"apt-get install graphviz.*--format mermaid"):
        draw(shop, "svg")


def test_svg_is_drawn_by_graphviz(shop: FlowSet) -> None:
    assert shutil.which("dot"), "Graphviz's dot is needed: scripts/system-packages installs it"
    drawing = svg(shop)
    assert drawing.startswith(("<?xml", "<svg"))
    assert "order_status: Order status" in drawing


def fake_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Put a stand-in for Graphviz's ``dot`` first on the PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    program = folder / "dot"
    program.write_text(f"#!/bin/sh\n{script}\n", "utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_svg_hands_the_dot_text_to_graphviz(
    shop: FlowSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dot(tmp_path, monkeypatch, 'echo "<svg><!-- $1"; cat; echo "--></svg>"')
    drawing = svg(shop)
    assert drawing.startswith("<svg><!-- -Tsvg\ndigraph flows {")
    assert drawing.endswith("}--></svg>")


def test_svg_reports_a_graphviz_failure(
    shop: FlowSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dot(tmp_path, monkeypatch, 'echo "syntax error in line 3" >&2; exit 1')
    with pytest.raises(GraphvizFailed, match="could not draw the flows: syntax error in line 3"):
        svg(shop)


FALLBACKS = """
settings:
  fallback:
    say: Let me find you a person.
    handoff: true
slots:
  age: {type: integer}
  email: {type: email}
actions:
  lookup:
    http: {url: "https://shop.example/lookup"}
intents:
  help:
    triggers:
      en: [help, menu]
  cancel: {}
  human: {}
  restart: {enabled: false}
flows:
  main:
    title: Main
    triggers: {start: true}
    steps:
      - ask: age
        fallback: {say: Never mind.}
      - ask: email
        fallback: {handoff: true}
      - call: lookup
        on_error: {say: Oops, flow: other}
      - call: lookup
        on_error: {goto: bye}
      - say: Looked up.
      - id: bye
        say: Bye.
  other:
    steps:
      - say: Other.
"""


@pytest.fixture
def fallbacks(tmp_path: Path) -> FlowSet:
    return load(tmp_path, FALLBACKS)


def test_fallbacks_and_on_errors_lead_to_a_person_or_the_end(fallbacks: FlowSet) -> None:
    chart = mermaid(fallbacks)
    lines = lines_of(chart)
    assert 'out__handoff{{"a person takes over"}}' in lines
    assert 'out__ends(("conversation ends"))' in lines
    assert 'f_main__age -->|"fallback"| out__ends' in lines
    assert 'f_main__email -->|"fallback"| out__handoff' in lines
    assert 'f_main__3 ==>|"on error"| f_other__1' in lines
    assert 'f_main__4 -->|"on error"| f_main__bye' in lines
    assert "f_main__4 --> f_main__5" in lines
    assert mermaid_problems(chart) == []


def test_the_bots_fallback_and_declared_intents_are_entry_nodes(fallbacks: FlowSet) -> None:
    lines = lines_of(mermaid(fallbacks))
    assert 'in__fallback(["fallback (settings)"])' in lines
    assert "in__fallback --> out__handoff" in lines
    assert 'in__intent_help(["intent help: help / menu"])' in lines
    assert 'in__intent_help ==>|"Main"| f_main__age' in lines
    assert 'in__intent_cancel(["intent cancel: cancel / cancel that /…"])' in lines
    assert "in__intent_cancel --> out__ends" in lines
    assert "in__intent_human --> out__handoff" in lines
    assert not any("intent_restart" in line or "intent_elsewhere" in line for line in lines)


def test_an_intent_that_starts_over_leads_to_the_start_flow(tmp_path: Path) -> None:
    flowset = load(
        tmp_path,
        """
        intents:
          restart:
            triggers: {en: [from the top]}
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: Hello!
        """,
    )
    lines = lines_of(mermaid(flowset))
    assert 'in__intent_restart(["intent restart: from the top"])' in lines
    assert "in__intent_restart ==> f_main__1" in lines


def test_dot_draws_fallback_paths_in_red(fallbacks: FlowSet) -> None:
    graph = lines_of(dot(fallbacks))
    red = "color=firebrick, fontcolor=firebrick"
    assert f'"f_main__age" -> "out__ends" [label="fallback", {red}];' in graph
    assert f'"f_main__4" -> "f_main__bye" [label="on error", {red}];' in graph
    assert f'"in__fallback" -> "out__handoff" [{red}];' in graph
    assert '"in__intent_help" [label="intent help: help / menu", shape=oval, style=bold];' in graph
    assert '"out__handoff" [label="a person takes over", shape=hexagon];' in graph
    assert dot_problems(dot(fallbacks)) == []


def test_a_bot_without_fallbacks_or_intents_draws_no_exits(shop: FlowSet) -> None:
    drawing = mermaid(shop) + dot(shop)
    assert not any(word in drawing for word in ("out__", "in__fallback", "in__intent_"))
    assert "firebrick" not in drawing


OUTREACH = """
slots:
  rating: {type: integer, prompt: "Rate us, 1 to 5?"}
flows:
  cart_reminder:
    triggers: {event: cart.abandoned}
    steps:
      - wait:
          until: order.placed
          at_most: 1h
          on_timeout:
            - say: You left something in your cart
  delivery_rating:
    triggers:
      event: order.delivered
      en: [rate my delivery]
    steps:
      - wait: {at: "10:00", day: next}
      - ask: rating
        timeout: 1d
        on_timeout:
          - say: Just checking
          - end
      - say: Thank you!
  pause:
    steps:
      - wait: 2h
      - wait: {until: order.paid}
      - say: Paid.
"""
REMIND = "f_cart_reminder__1_wait_on_timeout_1"
CHECKING = "f_delivery_rating__rating_on_timeout_1"
GIVE_UP = "f_delivery_rating__rating_on_timeout_2"


@pytest.fixture
def timed(tmp_path: Path) -> FlowSet:
    return load(tmp_path, OUTREACH)


def test_a_flow_a_business_event_starts_has_an_event_entry_node(timed: FlowSet) -> None:
    chart = lines_of(mermaid(timed))
    assert 'in_cart_reminder__event(["event: cart.abandoned"])' in chart
    assert "in_cart_reminder__event --> f_cart_reminder__1" in chart
    # a flow with words and an event has both entries
    assert 'in_delivery_rating(["trigger: rate my delivery"])' in chart
    assert 'in_delivery_rating__event(["event: order.delivered"])' in chart
    assert "in_delivery_rating__event --> f_delivery_rating__1" in chart
    assert not any(line.startswith("in_pause") for line in chart)


def test_a_wait_says_what_it_goes_on_after(timed: FlowSet) -> None:
    chart = lines_of(mermaid(timed))
    assert 'f_cart_reminder__1["wait until order.placed, at most 1h"]' in chart
    assert 'f_cart_reminder__1 -->|"order.placed"| f_cart_reminder__end' in chart
    assert 'f_delivery_rating__1 -->|"at next 10:00"| f_delivery_rating__rating' in chart
    assert 'f_pause__1 -->|"after 2h"| f_pause__2' in chart
    assert 'f_pause__2 -->|"order.paid"| f_pause__3' in chart


def test_on_timeout_steps_are_boxes_reached_when_the_time_comes(timed: FlowSet) -> None:
    chart = lines_of(mermaid(timed))
    assert f'{REMIND}["say: You left something in your cart"]' in chart
    assert f'f_cart_reminder__1 -.->|"after 1h"| {REMIND}' in chart
    assert f"{REMIND} --> f_cart_reminder__end" in chart
    assert 'f_delivery_rating__rating[/"ask rating (timeout 1d)"/]' in chart
    assert f'f_delivery_rating__rating -.->|"no answer in 1d"| {CHECKING}' in chart
    assert f"{CHECKING} --> {GIVE_UP}" in chart
    assert f'{GIVE_UP}("end")' in chart
    assert f"{GIVE_UP} --> f_delivery_rating__end" in chart
    # the answer goes on; the end inside on_timeout is not drawn as the ask's own way
    assert "f_delivery_rating__rating --> f_delivery_rating__3" in chart
    assert "f_delivery_rating__rating --> f_delivery_rating__end" not in chart
    assert mermaid_problems(mermaid(timed)) == []


def test_dot_draws_timeouts_dashed_in_orange(timed: FlowSet) -> None:
    graph = dot(timed)
    assert dot_problems(graph) == []
    assert (
        f'"f_cart_reminder__1" -> "{REMIND}" [label="after 1h", style=dashed, '
        "color=darkorange, fontcolor=darkorange];"
    ) in graph
    assert '"in_cart_reminder__event" [label="event: cart.abandoned", shape=oval' in graph
