"""What is checked across a bot's files before the first customer arrives.

Unknown names with a "did you mean", steps that can never run, flows that can never start,
slots used before any step fills them (across ``run`` and ``flow``), translations, template and
pattern syntax, action arguments, and the rules on payloads, start flows and keywords. Each
test loads a real bot folder and checks the exact ``file:line:col: message`` lines.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from bot.app.config import load_bot_config
from bot.errors import ConfigError
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import load_flowset

PROBLEM = re.compile(r"(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<message>[^\n]+)")
UNFILLED = (
    "slot '{0}' is used here before any step can fill it "
    "(ask for it first, or write {{{{ slots.{0} | default('') }}}})"
)
LOOKUP = """\
from dialogs.actions.registry import action


@action
async def lookup(order_id: str, verbose: bool = False) -> dict[str, str]:
    return {"status": "shipped"}
"""


class BotFolder:
    """A bot folder being written by a test; the current directory is its root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.speaks("en")

    def speaks(self, *languages: str) -> None:
        (self.root / "bot.yaml").write_text(f"name: Test\nlanguages: [{', '.join(languages)}]\n")

    def flows(self, text: str, name: str = "main.yaml") -> None:
        path = self.root / "flows" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")

    def actions(self, source: str) -> None:
        (self.root / "actions.py").write_text(source)

    def load(self) -> FlowSet:
        return load_flowset(self.root, load_bot_config(self.root))

    def loads_cleanly(self) -> FlowSet:
        """Load with no problem and no warning: what the checks give a bot they find nothing
        wrong with."""
        flowset = self.load()
        assert flowset.warnings == []
        return flowset

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


def test_a_bot_without_mistakes_loads_without_warnings(bot: BotFolder) -> None:
    bot.speaks("en", "pt")
    bot.actions(LOOKUP)
    bot.flows("""\
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
            steps:
              - ask: order_id
              - call: lookup
                args: {order_id: "{{ slots.order_id }}"}
                into: order
              - branch:
                  - when: slots.order is none
                    goto: missing
              - say: {en: "It is {{ slots.order.status }}.", pt: "Está {{ slots.order.status }}."}
              - ask: method
              - end
              - id: missing
                say: {en: "No {{ slots.order_id }}.", pt: "Sem {{ slots.order_id }}."}
        """)
    flowset = bot.load()
    assert flowset.warnings == []
    assert set(flowset.flows) == {"welcome", "order_status"}


# Unknown names


def test_an_unknown_step_with_a_hint(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - branch:
                  - when: "true"
                    goto: fnish
              - id: finish
                say: Bye
        """)
    assert bot.problems() == [
        "flows/main.yaml:7:13: unknown step 'fnish' in flow 'main' (did you mean 'finish'?)"
    ]


def test_an_unknown_step_far_from_any_gets_no_hint(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - branch:
                  - when: "true"
                    goto: elsewhere
              - id: finish
                say: Bye
        """)
    assert bot.problems() == ["flows/main.yaml:7:13: unknown step 'elsewhere' in flow 'main'"]


def test_a_step_of_another_flow_is_unknown_here(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - ask: name
                fallback: {goto: done}
              - say: Thanks
          other:
            triggers: {en: [other]}
            steps:
              - id: done
                say: Done
        slots:
          name: {}
        """)
    assert bot.problems() == ["flows/main.yaml:6:20: unknown step 'done' in flow 'main'"]


def test_an_unknown_step_in_a_button(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say:
                  text: Pick
                  buttons: [{title: Done, goto: fnish}]
              - id: finish
                say: Bye
        """)
    assert bot.problems() == [
        "flows/main.yaml:7:35: unknown step 'fnish' in flow 'main' (did you mean 'finish'?)"
    ]


@pytest.mark.parametrize(
    ("step", "where"),
    [
        ("- flow: ordr", "5:9"),
        ("- run: ordr", "5:9"),
        ("- branch:\n    - when: 'true'\n      flow: ordr", "7:13"),
        ("- branch:\n    - when: 'true'\n      run: ordr", "7:13"),
        ("- branch:\n    - when: 'true'\n      end: true\n  else: {flow: ordr}", "8:16"),
        ("- ask: name\n  fallback: {flow: ordr}", "6:20"),
        ("- say:\n    text: Pick\n    buttons: [{title: Orders, flow: ordr}]", "7:37"),
    ],
    ids=["flow", "run", "branch flow", "branch run", "else flow", "fallback flow", "button"],
)
def test_an_unknown_flow_with_a_hint(bot: BotFolder, step: str, where: str) -> None:
    steps = textwrap.indent(step, "      ")
    bot.flows(
        "flows:\n  main:\n    triggers: {start: true}\n    steps:\n"
        f"{steps}\n"
        "  order:\n    triggers: {en: [order]}\n    steps: [say: Orders]\n"
        "slots:\n  name: {}\n"
    )
    assert bot.problems() == [
        f"flows/main.yaml:{where}: unknown flow 'ordr' (did you mean 'order'?)"
    ]


def test_an_unknown_start_flow_in_settings(bot: BotFolder) -> None:
    bot.flows("""\
        settings:
          start: mian
        flows:
          main:
            title: Main
            steps: [say: Hi]
        """)
    assert bot.problems() == ["flows/main.yaml:2:3: unknown flow 'mian' (did you mean 'main'?)"]


def test_an_unknown_slot_with_a_hint(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - ask: nmae
        slots:
          name: {}
        """)
    assert bot.problems() == ["flows/main.yaml:5:9: unknown slot 'nmae' (did you mean 'name'?)"]


def test_an_unknown_python_action_with_a_hint(bot: BotFolder) -> None:
    bot.actions(LOOKUP)
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - call: lokup
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:9: unknown action 'lokup' (did you mean 'lookup'?)"
    ]


def test_an_unknown_http_action_with_a_hint(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - call: get_ordr
        actions:
          get_order:
            http: {url: "https://shop.example/orders"}
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:9: unknown action 'get_ordr' (did you mean 'get_order'?)"
    ]


def test_an_action_without_actions_py(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - call: lookup
        """)
    assert bot.problems() == ["flows/main.yaml:5:9: unknown action 'lookup'"]


# Steps that can never run, flows that can never start


NEVER = (
    "step {0} of flow 'main' can never run: the step before always leaves, and no goto leads here"
)


@pytest.mark.parametrize(
    "leaving",
    [
        "- end",
        "- end: true\n  say: Bye",
        "- goto: '1'",
        "- flow: other",
        "- handoff: angry customer",
        "- branch:\n    - when: 'true'\n      end: true\n  else: {goto: '1'}",
        "- branch:\n    - when: 'true'\n      flow: other\n  else: {end: true}",
    ],
    ids=["end", "end with say", "goto", "flow", "handoff", "branch goto", "branch flow"],
)
def test_a_step_after_one_that_always_leaves(bot: BotFolder, leaving: str) -> None:
    steps = textwrap.indent(f"- say: Hi\n{leaving}\n- say: Never", "      ")
    bot.flows(
        "flows:\n  main:\n    triggers: {start: true}\n    steps:\n"
        f"{steps}\n"
        "  other:\n    triggers: {en: [other]}\n    steps: [say: Other]\n"
    )
    line = 6 + leaving.count("\n") + 1
    assert bot.problems() == [f"flows/main.yaml:{line}:9: {NEVER.format(3)}"]


@pytest.mark.parametrize(
    "leading",
    [
        "- say:\n    text: Again?\n    buttons: [{title: Yes, goto: again}]",
        "- ask: name\n  fallback: {goto: again}",
        "- branch:\n    - when: 'true'\n      goto: again",
    ],
    ids=["button", "fallback", "branch"],
)
def test_a_step_after_an_end_that_something_leads_to(bot: BotFolder, leading: str) -> None:
    steps = textwrap.indent(f"{leading}\n- end\n- id: again\n  say: Again", "      ")
    bot.flows(
        f"flows:\n  main:\n    triggers: {{start: true}}\n    steps:\n{steps}\n"
        "slots:\n  name: {}\n"
    )
    assert list(bot.load().flows["main"].ids)[-1] == "again"


def test_a_flow_that_can_never_start_is_a_warning(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [say: Hi]
          lonely:
            steps: [say: Nobody comes here]
        """)
    flowset = bot.load()
    assert flowset.warnings == [
        "flows/main.yaml:5:3: warning: flow 'lonely' can never start: "
        "it has no triggers and nothing leads to it"
    ]


def test_warnings_are_listed_with_the_errors_when_there_are_errors(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [ask: nmae]
          lonely:
            steps: [say: Nobody comes here]
        slots:
          name: {}
        """)
    assert bot.problems() == [
        "flows/main.yaml:4:13: unknown slot 'nmae' (did you mean 'name'?)",
        "flows/main.yaml:5:3: warning: flow 'lonely' can never start: "
        "it has no triggers and nothing leads to it",
    ]


@pytest.mark.parametrize(
    "main_steps",
    [
        "[run: helper]",
        "[flow: helper]",
        "[{say: {text: Go, buttons: [{title: Help, flow: helper}]}}]",
        "[{ask: name, fallback: {flow: helper}}]",
    ],
    ids=["run", "flow", "button", "fallback"],
)
def test_a_flow_that_something_leads_to_can_start(bot: BotFolder, main_steps: str) -> None:
    bot.flows(f"""\
        flows:
          main:
            triggers: {{start: true}}
            steps: {main_steps}
          helper:
            steps: [say: Helping]
        slots:
          name: {{}}
        """)
    assert bot.load().warnings == []


def test_the_start_flow_and_menu_flows_can_start(bot: BotFolder) -> None:
    bot.flows("""\
        settings:
          start: main
        flows:
          main:
            steps: [say: Hi]
          orders:
            title: Orders
            steps: [say: Orders]
        """)
    assert bot.load().warnings == []


# Slots used before any step can fill them


def _flows(main_steps: str, extra: str = "") -> str:
    steps = textwrap.indent(textwrap.dedent(main_steps).strip("\n"), "      ")
    return (
        "slots:\n  name: {}\n  age: {type: integer}\n"
        "flows:\n  main:\n    triggers: {start: true}\n    steps:\n"
        f"{steps}\n{extra}"
    )


def test_a_slot_shown_before_it_is_asked(bot: BotFolder) -> None:
    bot.flows(_flows("- say: 'Hi {{ slots.name }}'\n- ask: name"))
    assert bot.problems() == [f"flows/main.yaml:8:9: {UNFILLED.format('name')}"]


def test_a_slot_shown_after_it_is_asked(bot: BotFolder) -> None:
    bot.flows(_flows("- ask: name\n- say: 'Hi {{ slots.name }}'"))
    assert list(bot.loads_cleanly().flows) == ["main"]


@pytest.mark.parametrize(
    "text",
    [
        "{{ slots.name | default('there') }}",
        "{% if slots.name %}Welcome back{% endif %}",
        "{% if slots.name %}Welcome back, {{ slots.name }}{% endif %}",
        "{{ slots.name if slots.name else 'there' }}",
        "{% if slots.name is defined %}Welcome back, {{ slots.name }}{% endif %}",
    ],
    ids=["default", "if test", "if body", "conditional expression", "is defined"],
)
def test_a_guarded_use_before_the_ask_is_fine(bot: BotFolder, text: str) -> None:
    bot.flows(_flows(f'- say: "Hi {text}"\n- ask: name'))
    assert bot.load().warnings == []


def test_a_condition_may_test_a_slot_not_filled_yet(bot: BotFolder) -> None:
    bot.flows(_flows("- branch:\n    - when: slots.name == 'Bob'\n      end: true\n- ask: name"))
    assert list(bot.loads_cleanly().flows) == ["main"]


@pytest.mark.parametrize(
    ("steps", "where"),
    [
        ("- set: {greeting: 'Hi {{ slots.name }}'}\n- ask: name", "8:15"),
        ("- call: lookup\n  args: {order_id: '{{ slots.name }}'}\n- ask: name", "9:16"),
        ("- ask: age\n  prompt: 'How old are you, {{ slots.name }}?'\n- ask: name", "9:9"),
        ("- handoff: help\n  say: 'Passing {{ slots.name }} on'", "9:9"),
    ],
    ids=["set", "call args", "another ask's prompt", "handoff"],
)
def test_a_slot_used_early_in_other_places(bot: BotFolder, steps: str, where: str) -> None:
    bot.actions(LOOKUP)
    bot.flows(_flows(steps))
    assert bot.problems() == [f"flows/main.yaml:{where}: {UNFILLED.format('name')}"]


def test_an_ask_may_mention_its_own_slot_when_retrying(bot: BotFolder) -> None:
    bot.flows(_flows("- ask: age\n  retry: \"'{{ slots.age }}' is not an age\""))
    assert list(bot.loads_cleanly().flows) == ["main"]


@pytest.mark.parametrize(
    "filling",
    ["- set: {name: Bob}", "- set: {slots.name: Bob}", "- call: lookup\n  into: name"],
    ids=["set", "set slots.", "call into"],
)
def test_set_and_call_into_fill_a_slot(bot: BotFolder, filling: str) -> None:
    bot.actions(LOOKUP.replace("order_id: str, ", ""))
    bot.flows(_flows(f"{filling}\n- say: 'Hi {{{{ slots.name }}}}'"))
    assert "name" in bot.loads_cleanly().known_slots


def test_an_ask_that_may_be_skipped_does_not_fill(bot: BotFolder) -> None:
    bot.flows(_flows("- ask: name\n  fallback: {skip: true}\n- say: 'Hi {{ slots.name }}'"))
    assert bot.problems() == [f"flows/main.yaml:10:9: {UNFILLED.format('name')}"]


def test_a_goto_back_to_before_the_ask(bot: BotFolder) -> None:
    bot.flows(_flows("- id: top\n  say: 'Hi {{ slots.name }}'\n- ask: name\n- goto: top"))
    assert bot.problems() == [f"flows/main.yaml:9:9: {UNFILLED.format('name')}"]


GET_NAME = "  get_name:\n    steps:\n      - ask: name\n"
GREET = "  greet:\n    steps:\n      - say: 'Hi {{ slots.name }}'\n"


@pytest.mark.parametrize(
    ("steps", "other"),
    [
        pytest.param(
            "- run: get_name\n- say: 'Hi {{ slots.name }}'", GET_NAME, id="sub_flow_run_before"
        ),
        pytest.param("- ask: name\n- run: greet", GREET, id="flow_run_after_the_ask"),
        pytest.param(
            "- ask: name\n- branch:\n    - when: 'true'\n      flow: greet\n- flow: greet",
            GREET,
            id="flow_switched_to_after_the_ask",
        ),
    ],
)
def test_a_slot_filled_in_one_flow_before_another_uses_it(
    bot: BotFolder, steps: str, other: str
) -> None:
    bot.flows(_flows(steps, other))
    assert list(bot.loads_cleanly().flows) == ["main", other.split(":")[0].strip()]


@pytest.mark.parametrize(
    ("steps", "other", "where"),
    [
        pytest.param(
            "- branch:\n    - when: 'true'\n      run: get_name\n- say: 'Hi {{ slots.name }}'",
            GET_NAME,
            "11:9",
            id="sub_flow_run_only_in_a_branch",
        ),
        pytest.param(
            "- run: greet\n- ask: name\n- run: greet",
            GREET,
            "13:9",
            id="flow_run_from_two_places_one_before_the_ask",
        ),
    ],
)
def test_a_slot_filled_in_one_flow_only_on_some_ways_before_another_uses_it(
    bot: BotFolder, steps: str, other: str, where: str
) -> None:
    bot.flows(_flows(steps, other))
    assert bot.problems() == [f"flows/main.yaml:{where}: {UNFILLED.format('name')}"]


@pytest.mark.parametrize("entry", ["triggers: {en: [my name]}", "title: My name"])
@pytest.mark.parametrize("defined", ["before", "after"])
def test_a_sub_flow_that_can_also_start_on_its_own_still_fills_when_run(
    bot: BotFolder, entry: str, defined: str
) -> None:
    main = "  main:\n    triggers: {start: true}\n    steps:\n"
    main += "      - run: get_name\n      - say: 'Hi {{ slots.name }}'\n"
    helper = f"  get_name:\n    {entry}\n    steps:\n      - ask: name\n"
    flows = helper + main if defined == "before" else main + helper
    bot.flows(f"slots:\n  name: {{}}\nflows:\n{flows}")
    assert sorted(bot.loads_cleanly().flows) == ["get_name", "main"]


def test_a_flow_a_customer_can_start_knows_no_slot(bot: BotFolder) -> None:
    bot.flows(
        _flows(
            "- ask: name\n- run: greet",
            "  greet:\n    triggers: {en: [greet me]}\n    steps:\n"
            "      - say: 'Hi {{ slots.name }}'\n",
        )
    )
    assert bot.problems() == [f"flows/main.yaml:13:9: {UNFILLED.format('name')}"]


@pytest.mark.parametrize(
    ("leaving", "slot"),
    [
        ("- ask: age\n  fallback: {flow: rescue}", "age"),
        (
            "- call: lookup\n  args: {order_id: A-1}\n  into: name\n  on_error: {flow: rescue}",
            "name",
        ),
    ],
    ids=["ask fallback", "call on_error"],
)
def test_a_flow_reached_when_a_step_fails_has_not_got_that_slot(
    bot: BotFolder, leaving: str, slot: str
) -> None:
    bot.actions(LOOKUP)
    bot.flows(
        _flows(
            f"{leaving}\n- say: Thanks",
            f"  rescue:\n    steps:\n      - say: 'Sorry about {{{{ slots.{slot} }}}}'\n",
        )
    )
    [problem] = bot.problems()
    assert problem.endswith(UNFILLED.format(slot))
    assert problem.startswith(f"flows/main.yaml:{12 + leaving.count(chr(10))}:9: ")


# Unknown slots in templates


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("- say: 'Order {{ slots.oder_id }}'", "8:9"),
        ("- say: \"Order {{ slots['oder_id'] }}\"", "8:9"),
        ("- branch:\n    - when: slots.oder_id is none\n      end: true", "9:13"),
        ("- set: {shown: '= slots.oder_id | upper'}", "8:15"),
    ],
    ids=["say", "subscript", "when", "set expression"],
)
def test_a_misspelled_slot_in_a_flow_step(bot: BotFolder, text: str, where: str) -> None:
    steps = textwrap.indent(f"- ask: order_id\n{text}", "      ")
    bot.flows(
        "slots:\n  order_id: {}\n"
        f"flows:\n  main:\n    triggers: {{start: true}}\n    steps:\n{steps}\n"
    )
    assert bot.problems() == [
        f"flows/main.yaml:{where}: unknown slot 'oder_id' (did you mean 'order_id'?)"
    ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "faqs:\n  hours:\n    triggers: {en: [hours]}\n    say: 'Order {{ slots.oder_id }}'\n",
            "10:5",
        ),
        (
            "messages:\n  fallback: 'Sorry, {{ slots.oder_id }}?'\n",
            "8:3",
        ),
    ],
    ids=["faq answer", "built-in message"],
)
def test_a_misspelled_slot_outside_flows(bot: BotFolder, text: str, where: str) -> None:
    bot.flows(
        "slots:\n  order_id: {}\n"
        "flows:\n  main:\n    triggers: {start: true}\n    steps: [ask: order_id]\n" + text
    )
    assert bot.problems() == [
        f"flows/main.yaml:{where}: unknown slot 'oder_id' (did you mean 'order_id'?)"
    ]


def test_a_misspelled_slot_in_a_slot_prompt(bot: BotFolder) -> None:
    bot.flows("""\
        slots:
          order_id:
            prompt: "Your order, {{ slots.nmae }}?"
          name: {}
        flows:
          main:
            triggers: {start: true}
            steps: [ask: name, ask: order_id]
        """)
    assert bot.problems() == ["flows/main.yaml:3:5: unknown slot 'nmae' (did you mean 'name'?)"]


def test_a_misspelled_slot_in_a_resume_message(bot: BotFolder) -> None:
    bot.flows(_flows("- ask: name", "    resume: 'Back to you, {{ slots.nmae }}'\n"))
    assert bot.problems() == ["flows/main.yaml:9:5: unknown slot 'nmae' (did you mean 'name'?)"]


# Translations


def test_a_missing_translation(bot: BotFolder) -> None:
    bot.speaks("en", "pt")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: {en: Hello}
        """)
    assert bot.problems() == ["flows/main.yaml:5:9: missing the 'pt' text"]


def test_an_unknown_language_with_a_hint(bot: BotFolder) -> None:
    bot.speaks("en", "pt")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: {en: Hello, pr: Olá}
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:9: missing the 'pt' text",
        "flows/main.yaml:5:26: unknown language 'pr' (did you mean 'pt'?); the bot speaks en, pt",
    ]


def test_a_language_the_bot_does_not_speak(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: {en: Hello, pt: Olá}
        """)
    assert bot.problems() == ["flows/main.yaml:5:26: unknown language 'pt'; the bot speaks en"]


def test_a_pt_text_and_the_built_in_texts_serve_a_pt_br_bot(bot: BotFolder) -> None:
    bot.speaks("en", "pt-BR")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true, en: [hi], pt: [oi]}
            steps:
              - say: {en: Hello, pt: Olá, pt-br: Oi}
        """)
    assert bot.loads_cleanly().languages == ("en", "pt-BR")


def test_a_text_for_another_region_is_unknown_and_its_own_is_missing(bot: BotFolder) -> None:
    bot.speaks("en", "pt-BR")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: {en: Hello, pt-PT: Olá}
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:9: missing the 'pt-BR' text",
        "flows/main.yaml:5:26: unknown language 'pt-PT'; the bot speaks en, pt-BR",
    ]


def test_a_typo_of_a_regional_language_gets_a_hint(bot: BotFolder) -> None:
    bot.speaks("en", "pt-BR")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: {en: Hello, pr: Olá}
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:9: missing the 'pt-BR' text",
        "flows/main.yaml:5:26: unknown language 'pr' (did you mean 'pt'?);"
        " the bot speaks en, pt-BR",
    ]


def test_a_built_in_text_still_missing_for_a_language_it_lacks(bot: BotFolder) -> None:
    bot.speaks("en", "es-MX")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: {en: Hello, es: Hola}
        """)
    missing = [problem for problem in bot.problems() if "built-in message 'fallback'" in problem]
    assert missing == [
        "bot.yaml:1:1: the built-in message 'fallback' has no 'es-MX' text; give it under"
        " 'messages:' in a flows file"
    ]


def test_a_plain_text_in_a_bot_of_two_languages(bot: BotFolder) -> None:
    bot.speaks("en", "pt")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - say: Hello
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:9: give this text in each of the bot's languages (en, pt)"
    ]


def test_a_text_of_only_a_template_needs_no_translation(bot: BotFolder) -> None:
    bot.speaks("en", "pt")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true, en: [hi], pt: [oi]}
            steps:
              - set: {total: 3}
              - say: "{{ slots.total }} = 3!"
        """)
    assert bot.loads_cleanly().languages == ("en", "pt")


def test_titles_of_buttons_options_and_flows_need_every_language(bot: BotFolder) -> None:
    bot.speaks("en", "pt")
    bot.flows("""\
        slots:
          method:
            type: choice
            options:
              - {value: courier, title: {en: Courier}}
        flows:
          main:
            title: Main menu
            triggers: {start: true}
            steps:
              - say:
                  text: {en: Pick, pt: Escolha}
                  buttons: [{title: {pt: Sim}, payload: "yes"}]
              - ask: method
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:26: missing the 'pt' text",
        "flows/main.yaml:8:5: give this text in each of the bot's languages (en, pt)",
        "flows/main.yaml:13:22: missing the 'en' text",
    ]


def test_trigger_examples_missing_a_language_are_a_warning(bot: BotFolder) -> None:
    bot.speaks("en", "pt")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [say: {en: Hi, pt: Oi}]
          orders:
            triggers:
              en: [where is my order]
            steps: [say: {en: Orders, pt: Pedidos}]
        """)
    assert bot.load().warnings == [
        "flows/main.yaml:6:5: warning: no 'pt' examples: customers writing in it can't start this"
    ]


def test_trigger_examples_in_an_unknown_language(bot: BotFolder) -> None:
    bot.speaks("en", "pt")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true, en: [hi], pt: [oi], es: [hola]}
            steps: [say: {en: Hi, pt: Oi}]
        """)
    assert bot.problems() == ["flows/main.yaml:3:49: unknown language 'es'; the bot speaks en, pt"]


def test_built_in_messages_missing_a_language_point_at_bot_yaml(bot: BotFolder) -> None:
    bot.speaks("en", "de")
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [say: {en: Hi, de: Hallo}]
        """)
    problems = bot.problems()
    assert problems[0] == (
        "bot.yaml:1:1: the built-in message 'action_failed' has no 'de' text; "
        "give it under 'messages:' in a flows file"
    )
    assert all(problem.startswith("bot.yaml:1:1: the built-in message ") for problem in problems)


# Templates and patterns


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        (
            "- say: {en: 'Hi {{ slots.name', pt: Oi}",
            "5:15: template error: unexpected end of template, expected 'end of print statement'.",
        ),
        (
            "- say: {en: '{% iff x %}', pt: Oi}",
            "5:15: template error: Encountered unknown tag 'iff'.",
        ),
        (
            "- branch:\n    - when: 'slots.name =='\n      end: true",
            "6:13: expression error: unexpected 'end of template'",
        ),
        ("- set: {total: '= 1 +'}", "5:15: expression error: unexpected 'end of template'"),
    ],
    ids=["unclosed", "unknown tag", "when", "set expression"],
)
def test_a_broken_template_or_expression(bot: BotFolder, step: str, problem: str) -> None:
    bot.speaks("en", "pt")
    steps = textwrap.indent(step, "      ")
    bot.flows(f"flows:\n  main:\n    triggers: {{start: true}}\n    steps:\n{steps}\n")
    assert bot.problems() == [f"flows/main.yaml:{problem}"]


def test_a_broken_template_in_an_http_action(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [call: get_order]
        actions:
          get_order:
            http:
              url: "https://shop.example/{{ args.id"
              headers: {X-Key: "{{ oops"}
        """)
    error = "template error: unexpected end of template, expected 'end of print statement'."
    assert bot.problems() == [f"flows/main.yaml:8:7: {error}", f"flows/main.yaml:9:17: {error}"]


def test_an_http_actions_scheme_and_host_are_written_out(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [call: by_shop, call: anywhere, call: by_env]
        actions:
          by_shop:
            http:
              url: "https://{{ args.shop }}.example.com/orders"
          anywhere:
            http:
              url: "{{ args.url }}"
          by_env:
            http:
              url: "https://${API_HOST}/orders"
        """)
    error = (
        "the scheme and host of an HTTP action's url are written out, never a template or "
        "${NAME}: a value there could send the request anywhere"
    )
    assert bot.problems() == [
        f"flows/main.yaml:8:7: {error}",
        f"flows/main.yaml:11:7: {error}",
        f"flows/main.yaml:14:7: {error}",
    ]


def test_an_http_action_reads_the_environment_only_in_header_values(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [call: get_order]
        actions:
          get_order:
            http:
              url: "https://shop.example/orders?key=${SHOP_KEY}"
              headers:
                X-Key: '{{ "${SHOP_KEY}" }}'
                X-Token: "${shop_token}"
                Bad Name: "x"
        """)
    assert bot.problems() == [
        "flows/main.yaml:8:7: ${NAME} is read only in header values; send the secret in one",
        "flows/main.yaml:10:9: write ${NAME} outside {{ }} and {% %}: it is not a value",
        "flows/main.yaml:11:9: '${shop_token}' is not ${NAME}: capital letters, digits and _",
        "flows/main.yaml:12:9: 'Bad Name' is not a header name (letters, digits and - only)",
    ]


def test_an_invalid_regex_in_a_trigger(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers:
              start: true
              patterns: ['order \\d+', '(unclosed']
            steps: [say: Hi]
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:31: invalid pattern: missing ), unterminated subpattern at position 0"
    ]


def test_an_invalid_regex_in_a_pattern_slot(bot: BotFolder) -> None:
    bot.flows("""\
        slots:
          code:
            type: pattern
            pattern: "[a-"
        flows:
          main:
            triggers: {start: true}
            steps: [ask: code]
        """)
    assert bot.problems() == [
        "flows/main.yaml:4:5: invalid pattern: unterminated character set at position 0"
    ]


# Action arguments


_CALLS = """\
    flows:
      main:
        triggers: {{start: true}}
        steps:
          - call: lookup
            args: {args}
"""


def test_an_argument_the_action_does_not_take(bot: BotFolder) -> None:
    bot.actions(LOOKUP)
    bot.flows(_CALLS.format(args="{order_id: A-1, oder: x}"))
    assert bot.problems() == [
        "flows/main.yaml:6:31: action 'lookup' takes no argument 'oder' "
        "(it takes: order_id, verbose)"
    ]


def test_a_required_argument_that_is_missing(bot: BotFolder) -> None:
    bot.actions(LOOKUP)
    bot.flows(_CALLS.format(args="{verbose: true}"))
    assert bot.problems() == ["flows/main.yaml:5:9: action 'lookup' needs the argument 'order_id'"]


def test_an_action_without_parameters_takes_no_arguments(bot: BotFolder) -> None:
    bot.actions(LOOKUP.replace("order_id: str, verbose: bool = False", ""))
    bot.flows(_CALLS.format(args="{order_id: A-1}"))
    assert bot.problems() == [
        "flows/main.yaml:6:16: action 'lookup' takes no argument 'order_id' "
        "(it takes: no arguments)"
    ]


def test_an_action_with_keyword_arguments_takes_any(bot: BotFolder) -> None:
    bot.actions(LOOKUP.replace("verbose: bool = False", "**extra: str"))
    bot.flows(_CALLS.format(args="{order_id: A-1, anything: x}"))
    assert bot.loads_cleanly().actions.names == {"lookup"}


def test_the_context_is_not_an_argument_a_flow_gives(bot: BotFolder) -> None:
    source = LOOKUP.replace("@action", "@action(context=True)")
    bot.actions(source.replace("verbose: bool = False", "context: object"))
    bot.flows(_CALLS.format(args="{order_id: A-1}"))
    assert bot.loads_cleanly().actions.names == {"lookup"}


# Rules


@pytest.mark.parametrize("payload", ["goto:end", "flow:orders"])
def test_a_payload_that_looks_like_a_target(bot: BotFolder, payload: str) -> None:
    bot.flows(f"""\
        flows:
          main:
            triggers: {{start: true}}
            steps:
              - say:
                  text: Pick
                  buttons:
                    - {{title: A, payload: "{payload}"}}
        """)
    assert bot.problems() == [
        "flows/main.yaml:8:26: payloads starting with 'goto:' or 'flow:' are reserved; "
        "give the button a goto or a flow instead"
    ]


def test_two_flows_that_start_conversations(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps: [say: Hi]
          other:
            triggers: {start: true}
            steps: [say: Hello]
        """)
    assert bot.problems() == [
        "flows/main.yaml:6:16: only one flow can start conversations; 'main' does already"
    ]


def test_a_keyword_without_letters(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers:
              start: true
              keywords: {en: [help, "!!"]}
            steps: [say: Hi]
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:29: trigger 'flow:main': keyword '!!' has no letters or digits"
    ]


def test_an_option_given_twice(bot: BotFolder) -> None:
    bot.flows("""\
        slots:
          method:
            type: choice
            options:
              - {value: store, title: Store}
              - {value: store, title: Shop}
        flows:
          main:
            triggers: {start: true}
            steps: [ask: method]
        """)
    assert bot.problems() == ["flows/main.yaml:6:10: option 'store' is given twice"]


def test_a_step_id_used_twice(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - id: hello
                say: Hi
              - id: hello
                say: Hello
        """)
    assert bot.problems() == ["flows/main.yaml:7:9: step id 'hello' is used twice in this flow"]


def test_setting_something_that_is_not_a_slot_or_profile(bot: BotFolder) -> None:
    bot.flows("""\
        flows:
          main:
            triggers: {start: true}
            steps:
              - set: {session.total: 1}
        """)
    assert bot.problems() == [
        "flows/main.yaml:5:15: set 'slots.<name>', 'profile.<name>' or a slot name"
    ]
