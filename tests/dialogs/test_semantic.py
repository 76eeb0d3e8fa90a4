"""The semantic stage of understanding, with the real model: paraphrases that share no word with
any example start the right flow, out-of-scope messages and near-ties are refused, and the
lexical stage still decides what its keywords, patterns and close examples are sure of.

Each message below was chosen well clear of the bars it has to pass or fail (the stage's
threshold, margin and out-of-scope margin), so that it says something about the stage rather
than about the third decimal of the model.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.yaml_source import parse
from dialogs.design.flowset import FlowSet
from dialogs.nlu.explanation import Understood
from dialogs.nlu.matching import normalise
from dialogs.tools.commands import evaluate
from tests.dialogs.kit import bot_folder, flowset_of, talk
from tests.server_process import EXAMPLE, ROOT, clean_env, omnibot

FLOWS = """
settings:
  semantic: {{model: e5-small{rules}}}
flows:
  order:
    triggers:
      en: [where is my order, track my order, order status]
      pt: [onde está meu pedido, rastrear meu pedido, status do pedido]
      keywords: {{en: [parcel]}}
    steps:
      - say: {{en: Looking., pt: Vendo.}}
  returns:
    triggers:
      en: [return a product, I want a refund, send an item back]
      pt: [devolver um produto, quero um reembolso, trocar um item]
      patterns: ['\\bnota fiscal\\b']
    steps:
      - say: {{en: Returns., pt: Trocas.}}
faqs:
  hours:
    triggers:
      en: [opening hours, when do you open]
      pt: [horário de funcionamento, quando vocês abrem]
    say: {{en: Nine to six., pt: Das nove às seis.}}
"""

PARAPHRASES = [
    ("tracking info please", "en", "flow:order"),
    ("money returned please", "en", "flow:returns"),
    ("rastreio da encomenda", "pt", "flow:order"),
    ("me reembolsa por favor", "pt", "flow:returns"),
]


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Phrase vectors go to a folder of this module's, never to the home directory."""
    folder = tmp_path_factory.getbasetemp() / "phrase-cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMNIBOT_CACHE_DIR", str(folder))
        yield folder


def shop(root: Path, rules: str = "", flows: str = FLOWS) -> FlowSet:
    """The shop bot in English and Portuguese, its ``semantic:`` settings given ``rules``."""
    return flowset_of(bot_folder(root, flows.format(rules=rules), languages=("en", "pt")))


def shop_settings(root: Path, settings: str) -> FlowSet:
    """The shop bot with ``settings`` in place of its ``semantic:`` line."""
    flows = FLOWS.format(rules="").replace("semantic: {model: e5-small}", settings)
    return flowset_of(bot_folder(root, flows, languages=("en", "pt")))


def example_words(flows: str = FLOWS) -> set[str]:
    """Every normalised word of every example phrase of ``flows``."""
    data = parse(flows.format(rules=""), "flows").data
    assert isinstance(data, dict)
    words: set[str] = set()
    for section in ("flows", "faqs"):
        for item in data[section].values():
            for key, phrases in item["triggers"].items():
                if key not in ("keywords", "patterns"):
                    words.update(word for phrase in phrases for word in normalise(phrase).split())
    return words


@pytest.fixture(scope="module")
def shop_on(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> FlowSet:
    return shop(tmp_path_factory.mktemp("on"))


@pytest.mark.parametrize(("text", "language", "target"), PARAPHRASES)
def test_a_paraphrase_sharing_no_word_with_any_example_is_understood_by_the_semantic_stage(
    shop_on: FlowSet, text: str, language: str, target: str
) -> None:
    assert not set(normalise(text).split()) & example_words()
    decision = shop_on.matcher.decide(text, language)
    assert decision.candidates[0].how == "semantic"
    assert decision.chosen is not None
    assert decision.chosen.target == target


@pytest.mark.parametrize(
    ("text", "language"), [("tracking info please", "en"), ("rastreio da encomenda", "pt")]
)
def test_words_alone_miss_what_the_stage_understands(
    shop_on: FlowSet, tmp_path: Path, text: str, language: str
) -> None:
    assert shop_on.matcher.match(text, language) is not None
    words_only = shop_settings(tmp_path, "semantic: {model: off}")
    assert words_only.matcher.match(text, language) is None  # best example under 0.42


async def test_the_paraphrase_starts_the_flow_in_a_conversation(tmp_path: Path) -> None:
    root = bot_folder(tmp_path, FLOWS.format(rules=""), languages=("en", "pt"))
    customer = talk(root)
    assert await customer.say("money returned please") == ["Returns."]


@pytest.mark.parametrize(
    ("text", "language", "phrase"),
    [
        ("tell me a joke", "en", "tell me something funny"),
        ("me conta uma piada", "pt", "me fala uma coisa engraçada"),
    ],
)
def test_an_out_of_scope_message_is_refused_naming_the_phrase_it_is_nearest(
    shop_on: FlowSet, tmp_path: Path, text: str, language: str, phrase: str
) -> None:
    decision = shop_on.matcher.decide(text, language)
    assert decision.chosen is None
    assert decision.out_of_scope is not None
    assert decision.out_of_scope.phrase == phrase
    # With the threshold and the margin out of the way, being out of scope is what refuses it.
    lenient = shop(tmp_path, rules=", threshold: 0.5, margin: 0")
    decision = lenient.matcher.decide(text, language)
    assert decision.candidates[0].score >= 0.5
    assert decision.chosen is None
    assert decision.out_of_scope is not None
    assert decision.refusal() == (
        f"not 0.050 ahead of the out-of-scope phrase '{phrase}' ({decision.out_of_scope.score:.2f})"
    )


@pytest.mark.parametrize(
    ("text", "language", "phrase"),
    [
        ("track my gym membership", "en", "track my gym membership status"),
        ("onde está meu cachorro", "pt", "onde está o meu cachorro perdido"),
    ],
)
def test_a_designers_out_of_scope_phrase_refuses_what_would_otherwise_be_taken(
    shop_on: FlowSet, tmp_path: Path, text: str, language: str, phrase: str
) -> None:
    taken = shop_on.matcher.decide(text, language).chosen
    assert taken is not None
    assert (taken.how, taken.target) == ("semantic", "flow:order")
    rules = f", out_of_scope: {{{language}: [{phrase}]}}"
    refused = shop(tmp_path, rules=rules).matcher.decide(text, language)
    assert refused.chosen is None
    assert refused.out_of_scope is not None
    assert refused.out_of_scope.phrase == phrase
    assert f"out-of-scope phrase '{phrase}'" in (refused.refusal() or "")


TWINS = """
settings:
  semantic: {{model: e5-small, threshold: 0.75, margin: 0.03}}
flows:
  order:
    triggers: {{en: [where is my order, track my order]}}
    steps: [{{say: Looking.}}]
{twin}
"""
TWIN = """
  package:
    triggers: {en: [where is my package, track my package]}
    steps: [{say: Package.}]
"""


def test_two_flows_that_fit_alike_are_a_guess_refused_for_the_margin(tmp_path: Path) -> None:
    alone = flowset_of(bot_folder(tmp_path / "alone", TWINS.format(twin="")))
    chosen = alone.matcher.match("tracking info please", "en")
    assert chosen is not None
    assert (chosen.how, chosen.target) == ("semantic", "flow:order")
    twins = flowset_of(bot_folder(tmp_path / "twins", TWINS.format(twin=TWIN)))
    decision = twins.matcher.decide("tracking info please", "en")
    assert decision.chosen is None
    assert decision.runner_up is not None
    assert {m.target for m in decision.candidates} == {"flow:order", "flow:package"}
    assert decision.refusal() == "not 0.030 ahead of the runner-up"


@pytest.mark.parametrize(
    ("text", "language", "how", "target"),
    [
        ("my parcel is late", "en", "keyword", "flow:order"),
        ("cadê a nota fiscal", "pt", "pattern", "flow:returns"),
        ("where is my order", "en", "example", "flow:order"),
        ("Where is my ordr?", "en", "example", "flow:order"),  # 0.90: SURE with a typo
        ("quando vocês abrem", "pt", "example", "faq:hours"),
    ],
)
def test_keywords_patterns_and_close_examples_are_decided_by_the_lexical_stage(
    shop_on: FlowSet, text: str, language: str, how: str, target: str
) -> None:
    assert shop_on.matcher.semantic is not None
    chosen = shop_on.matcher.decide(text, language).chosen
    assert chosen is not None
    assert (chosen.how, chosen.target) == (how, target)


@pytest.mark.parametrize("semantic", ["semantic: {model: off}", "match_threshold: 0.5"])
def test_without_the_stage_no_decision_is_semantic(tmp_path: Path, semantic: str) -> None:
    words_only = shop_settings(tmp_path, semantic)
    assert words_only.matcher.semantic is None
    for text, language in [*((t, lang) for t, lang, _ in PARAPHRASES), ("tell me a joke", "en")]:
        decision = words_only.matcher.decide(text, language)
        assert all(match.how != "semantic" for match in decision.candidates)
        assert decision.out_of_scope is None


def test_decisions_are_remembered(shop_on: FlowSet) -> None:
    matcher = shop_on.matcher
    first = matcher.decide("money returned please", "en")
    assert matcher.decide("money returned please", "en") is first
    assert matcher.decide("money returned please", "pt") is not first


PT_ONLY_RETURNS = FLOWS.replace(
    "      en: [return a product, I want a refund, send an item back]\n", ""
)


def test_a_trigger_in_another_language_takes_no_part(tmp_path: Path) -> None:
    flowset = shop(tmp_path, flows=PT_ONLY_RETURNS)
    portuguese = flowset.matcher.decide("me reembolsa por favor", "pt")
    assert portuguese.chosen is not None
    assert (portuguese.chosen.how, portuguese.chosen.target) == ("semantic", "flow:returns")
    english = flowset.matcher.decide("me reembolsa por favor", "en")
    assert english.candidates
    assert all(match.how == "semantic" for match in english.candidates)
    assert "flow:returns" not in {match.target for match in english.candidates}
    assert english.chosen is None or english.chosen.target != "flow:returns"


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        (
            "semantic: {model: e6-small}",
            "3:14: model: input should be 'e5-small' or 'off' (did you mean 'e5-small'?)",
        ),
        ("semantic: {threshold: 1.5}", "3:14: threshold: input should be less than or equal to 1"),
        ("semantic: {threshold: 0}", "3:14: threshold: input should be greater than 0"),
        (
            "semantic: {margin: -0.1}",
            "3:14: margin: input should be greater than or equal to 0",
        ),
        (
            "semantic: {out_of_scope_margin: 2}",
            "3:14: out_of_scope_margin: input should be less than or equal to 1",
        ),
        (
            "semantic: {out_of_scop: {en: [hi]}}",
            "3:14: unknown key 'out_of_scop' (did you mean 'out_of_scope'?)",
        ),
    ],
)
def test_mistakes_in_the_semantic_settings_are_positioned_with_a_hint(
    tmp_path: Path, rules: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        shop_settings(tmp_path, rules)
    assert f"{tmp_path}/flows/main.yaml:{problem}" in caught.value.problems


SCORE = r"score \d\.\d\d"


def test_an_explanation_names_the_semantic_phrase_and_the_nearest_out_of_scope(
    shop_on: FlowSet,
) -> None:
    decision = shop_on.matcher.decide("money returned please", "en")
    line = Understood("topic", decision, decision.chosen).line()
    assert re.fullmatch(
        rf"understood as flow 'returns': semantic '(return a product|I want a refund|"
        rf"send an item back)', {SCORE}; runner-up .+ \(semantic '.+', {SCORE}\); "
        r"nearest out of scope '.+' \(\d\.\d\d\)",
        line,
    ), line


def test_an_explanation_of_an_out_of_scope_refusal_names_the_phrase(tmp_path: Path) -> None:
    lenient = shop(tmp_path, rules=", threshold: 0.5, margin: 0")
    decision = lenient.matcher.decide("tell me a joke", "en")
    line = Understood("topic", decision, None).line()
    assert re.fullmatch(
        rf"understood as nothing: best .+ \(semantic '.+', {SCORE}\), not 0\.050 ahead of the "
        r"out-of-scope phrase 'tell me something funny' \(\d\.\d\d\); runner-up .+",
        line,
    ), line


def test_chat_explain_tells_a_semantic_decision_and_an_out_of_scope_one(
    tmp_path: Path, cache_dir: Path
) -> None:
    root = bot_folder(tmp_path, FLOWS.format(rules=""), languages=("en", "pt"))
    result = subprocess.run(
        omnibot("chat", str(root), "--explain"),
        input="money returned please\ntell me a joke\n",
        capture_output=True,
        text=True,
        env=clean_env(OMNIBOT_CACHE_DIR=str(cache_dir)),
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    turns = result.stdout.split("you> ")[1:]
    assert re.match(r"why> understood as flow 'returns': semantic '.+', score", turns[0])
    assert "bot> Returns." in turns[0]
    assert turns[1].startswith("why> understood as nothing: best ")
    assert "out of scope 'tell me something funny'" in turns[1]


def test_the_example_bot_understands_its_labelled_phrases_well_enough() -> None:
    out = io.StringIO()
    status = evaluate(EXAMPLE, None, out)
    lines = out.getvalue().splitlines()
    assert status == 0, "\n".join(lines)
    overall = next(line for line in lines if line.startswith("overall"))
    precision, recall = (float(value) for value in overall.split()[1:3])
    assert recall >= 0.90, overall
    assert precision >= 0.95, overall
