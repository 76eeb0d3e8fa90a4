"""Matching customer messages to flows, FAQs and intents: keywords, patterns, example phrases."""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.nlu.matching import Match, Matcher, Trigger, normalise

SHOP = (
    Trigger(
        "order_status",
        "en",
        keywords=("tracking number",),
        examples=(
            "where is my order",
            "track my order",
            "has my package shipped",
            "when will my order arrive",
            "my order has not arrived yet",
        ),
    ),
    Trigger(
        "order_status",
        "pt",
        examples=(
            "onde está meu pedido",
            "rastrear meu pedido",
            "quando chega minha encomenda",
            "meu pedido ainda não chegou",
        ),
    ),
    Trigger(
        "returns",
        "en",
        examples=(
            "I want to return a shirt",
            "how do I return an item",
            "what is your return policy",
            "can I exchange this for another size",
        ),
    ),
    Trigger(
        "returns",
        "pt",
        examples=(
            "quero trocar um produto",
            "como faço para devolver",
            "qual a política de troca",
            "quero devolver um item",
        ),
    ),
    Trigger(
        "cancel_order",
        "en",
        keywords=("cancel",),
        examples=("I want to cancel my order", "please stop my order"),
    ),
    Trigger(
        "cancel_order",
        "pt",
        keywords=("cancelar", "cancelamento"),
        examples=("quero cancelar meu pedido", "desistir da compra"),
    ),
    Trigger(
        "change_address",
        "en",
        examples=("I need to change my delivery address", "update my shipping address"),
    ),
    Trigger(
        "change_address",
        "pt",
        examples=("quero mudar o endereço de entrega", "alterar meu endereço"),
    ),
    Trigger(
        "faq:opening_hours",
        "en",
        examples=("what are your opening hours", "when are you open", "are you open on sunday"),
    ),
    Trigger(
        "faq:opening_hours",
        "pt",
        examples=(
            "qual o horário de funcionamento",
            "vocês abrem no domingo",
            "que horas vocês abrem",
        ),
    ),
    Trigger(
        "faq:shipping_cost",
        "en",
        examples=("how much is shipping", "do you offer free delivery"),
    ),
    Trigger("faq:shipping_cost", "pt", examples=("quanto custa o frete", "o frete é grátis")),
    Trigger(
        "faq:payment",
        "en",
        examples=("which payment methods do you accept", "can I pay with a credit card"),
    ),
    Trigger(
        "faq:payment",
        "pt",
        examples=(
            "quais as formas de pagamento",
            "posso pagar com pix",
            "aceita cartão de crédito",
        ),
    ),
    Trigger("faq:invoice", "en", patterns=(re.compile(r"\b(invoice|receipt)s?\b"),)),
    Trigger("faq:invoice", "pt", patterns=(re.compile(r"\bnota fiscal\b"),)),
    Trigger(
        "intent:agent",
        "en",
        examples=(
            "talk to a human",
            "I want to speak to an agent",
            "can I talk to a real person",
        ),
    ),
    Trigger(
        "intent:agent",
        "pt",
        examples=("quero falar com um atendente", "falar com uma pessoa"),
    ),
    Trigger(
        "intent:greeting",
        None,
        examples=("hi", "hello", "good morning", "oi", "olá", "bom dia"),
    ),
    Trigger(
        "intent:thanks",
        None,
        examples=("thank you", "thanks", "obrigado", "obrigada", "valeu"),
    ),
)


THRESHOLD = 0.5


@pytest.fixture(scope="module")
def shop() -> Matcher:
    return Matcher(SHOP, threshold=THRESHOLD)


def target(match: Match | None) -> str | None:
    return None if match is None else match.target


# normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Onde está meu PEDIDO?!", "onde esta meu pedido"),
        ("  where's   my\torder…  ", "where s my order"),
        ("Ação—já, por favor", "acao ja por favor"),
        ("Straße", "strasse"),
        ("pedido nº 4521/B", "pedido no 4521 b"),
        ("ordem_de_compra", "ordem de compra"),
        ("émoji 🎉 ok", "emoji ok"),
        ("Привет, мир!", "привет мир"),
        ("注文はどこ\uff1f", "注文はとこ"),  # the question mark is full width
        ("한국어 주문", "한국어 주문"),
        ("", ""),
        (" ?! ", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_normalise_treats_composed_and_decomposed_accents_alike() -> None:
    composed = "informação"
    assert normalise(unicodedata.normalize("NFD", composed)) == normalise(composed) == "informacao"


@given(st.text())
def test_normalise_is_idempotent_and_leaves_only_words_and_single_spaces(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert all(char == " " or unicodedata.category(char)[0] in "LNM" for char in once)


# keywords


def test_keyword_matches_a_whole_word_anywhere_in_the_message(shop: Matcher) -> None:
    assert shop.match("Please CANCEL it!", "en") == Match("cancel_order", 1.0, "en", "keyword")


def test_keyword_does_not_match_inside_a_longer_word() -> None:
    matcher = Matcher([Trigger("cancel_order", "en", keywords=("cancel",))])
    assert matcher.match("what is the cancellation fee") is None
    assert matcher.match("uncancel") is None


def test_keyword_is_not_stemmed_so_a_plural_does_not_match() -> None:
    matcher = Matcher([Trigger("orders", "en", keywords=("order",))])
    assert matcher.match("my orders") is None
    assert target(matcher.match("my order")) == "orders"


def test_keyword_phrase_matches_across_punctuation_case_and_accents(shop: Matcher) -> None:
    assert shop.match("what's my Tracking-Number?", "en") == Match(
        "order_status", 1.0, "en", "keyword"
    )
    assert target(shop.match("qual o prazo do CANCELAMENTO", "pt")) == "cancel_order"
    accented = Matcher([Trigger("cancel_order", "pt", keywords=("cancelação",))])
    assert target(accented.match("quero a cancelacao")) == "cancel_order"


@pytest.mark.parametrize("keyword", ["", "   ", "!!!", "🎉"])
def test_a_keyword_without_letters_or_digits_is_refused(keyword: str) -> None:
    with pytest.raises(ValueError, match=r"trigger 'cancel': keyword .* has no letters or digits"):
        Trigger("cancel", "en", keywords=(keyword,))


def test_an_example_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(ValueError, match=r"example '\.\.\.' has no letters or digits"):
        Trigger("cancel", "en", examples=("...",))


# patterns


def test_pattern_is_searched_in_the_normalised_message(shop: Matcher) -> None:
    assert shop.match("Preciso da NOTA-FISCAL, urgente", "pt") == Match(
        "faq:invoice", 1.0, "pt", "pattern"
    )
    assert target(shop.match("Can you send me the receipts?", "en")) == "faq:invoice"


def test_pattern_written_against_raw_text_does_not_match() -> None:
    matcher = Matcher([Trigger("faq:invoice", "pt", patterns=(re.compile(r"Nota-Fiscal"),))])
    assert matcher.match("Nota-Fiscal") is None


# examples


def test_exact_example_after_normalisation_scores_one(shop: Matcher) -> None:
    assert shop.match("ONDE ESTÁ MEU PEDIDO???", "pt") == Match(
        "order_status", 1.0, "pt", "example"
    )


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("wheres my oder", "en", "order_status"),
        ("whre is my ordr", "en", "order_status"),
        ("hi, could you tell me where my order is?", "en", "order_status"),
        ("my package has not arrived", "en", "order_status"),
        ("onde esta meu pedido", "pt", "order_status"),
        ("oi, onde esta o meu pedido?", "pt", "order_status"),
        ("cade meu pedido", "pt", "order_status"),
        ("quero devolver", "pt", "returns"),
        ("quero trocar um produto que comprei", "pt", "returns"),
        ("I want to return my order", "en", "returns"),
        ("qual horario voces abrem", "pt", "faq:opening_hours"),
        ("vcs abrem domingo?", "pt", "faq:opening_hours"),
        ("are u open on sundays", "en", "faq:opening_hours"),
        ("how much is the shipping", "en", "faq:shipping_cost"),
        ("can i pay by credit card", "en", "faq:payment"),
        ("posso pagar com cartao", "pt", "faq:payment"),
        ("can i talk to a person", "en", "intent:agent"),
        ("I want to change my address", "en", "change_address"),
        ("mudar endereco", "pt", "change_address"),
        ("thank you so much", "en", "intent:thanks"),
        ("hello there", "en", "intent:greeting"),
    ],
)
def test_casual_messages_reach_the_intended_target(
    shop: Matcher, text: str, language: str, expected: str
) -> None:
    match = shop.match(text, language)
    assert target(match) == expected
    assert match is not None
    assert match.how == "example"
    assert THRESHOLD <= match.score <= 1.0


def test_a_typo_costs_some_score_but_not_the_match(shop: Matcher) -> None:
    match = shop.match("wheres my oder", "en")
    assert match is not None
    assert 0.5 <= match.score < 1.0


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ok", "en"),
        ("yes", "en"),
        ("my", "en"),
        ("is it", "en"),
        ("orders", "en"),
        ("my cat is sick", "en"),
        ("is it raining in paris today", "en"),
        ("do you sell gift cards", "en"),
        ("what is the meaning of life", "en"),
        ("sim", "pt"),
        ("quero", "pt"),
        ("meu", "pt"),
        ("o que", "pt"),
        ("eu quero saber", "pt"),
        ("cancellation", "en"),
    ],
)
def test_messages_about_nothing_in_particular_match_nothing(
    shop: Matcher, text: str, language: str
) -> None:
    assert shop.match(text, language) is None


@pytest.mark.parametrize("text", ["hi", "ok", "yes", "thanks", "Ok!", "hi, ok"])
def test_common_words_alone_do_not_match_a_long_example_that_contains_them(text: str) -> None:
    matcher = Matcher(
        [
            Trigger("intent:agent", "en", examples=("hi there, I need help with my order please",)),
            Trigger("confirm_cancel", "en", examples=("yes, ok, cancel the whole order now",)),
            Trigger(
                "feedback", "en", examples=("thanks, the delivery was fast and the box intact",)
            ),
            Trigger("order_status", "en", examples=("where is my order",)),
        ]
    )
    candidates = matcher.ranked(text, "en")
    assert candidates, "the message shares features with an example, so it is ranked"
    assert candidates[0].score < THRESHOLD
    assert matcher.match(text, "en") is None


def test_a_word_many_examples_share_weighs_less_than_a_rare_one() -> None:
    target_only = [Trigger("cancel_order", "en", examples=("please stop my order",))]
    everyday = [
        Trigger("returns", "en", examples=("please help me return this",)),
        Trigger("intent:agent", "en", examples=("please let me talk to someone",)),
        Trigger("order_status", "en", examples=("please check where my parcel is",)),
        Trigger("faq:payment", "en", examples=("can I pay by card please",)),
    ]
    alone = Matcher(target_only).ranked("please")[0]
    shared = Matcher([*target_only, *everyday]).ranked("please")
    assert alone.target == "cancel_order"
    assert alone.score >= 0.5
    assert all(match.score < 0.5 for match in shared)
    assert Matcher([*target_only, *everyday]).match("please") is None


def test_threshold_decides_how_close_an_example_must_be() -> None:
    triggers = [Trigger("order_status", "en", examples=("where is my order",))]
    score = Matcher(triggers).ranked("wheres my oder")[0].score
    assert target(Matcher(triggers, threshold=score).match("wheres my oder")) == "order_status"
    assert Matcher(triggers, threshold=min(score + 0.01, 1.0)).match("wheres my oder") is None


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.01])
def test_threshold_must_be_within_zero_and_one(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold must be in"):
        Matcher([], threshold=threshold)


# languages


def test_a_regional_customer_matches_base_language_triggers(shop: Matcher) -> None:
    assert shop.match("onde está meu pedido", "pt-BR") == Match(
        "order_status", 1.0, "pt", "example"
    )
    assert target(shop.match("quero cancelar", "PT_br")) == "cancel_order"


def test_a_base_language_customer_matches_regional_triggers() -> None:
    matcher = Matcher([Trigger("order_status", "pt-BR", keywords=("cadê",))])
    assert target(matcher.match("cade meu pedido", "pt")) == "order_status"
    assert matcher.match("cade meu pedido", "pt-PT") is None


def test_triggers_of_other_languages_are_not_considered(shop: Matcher) -> None:
    assert shop.match("onde está meu pedido", "en") is None
    assert shop.match("where is my order", "pt") is None
    assert shop.match("please cancel", "pt") is None
    assert shop.match("por favor cancelar", "en") is None
    assert all(match.language in ("en", None) for match in shop.ranked("order", "en", 20))


def test_without_a_language_every_trigger_is_considered(shop: Matcher) -> None:
    assert shop.match("onde está meu pedido") == Match("order_status", 1.0, "pt", "example")
    assert shop.match("where is my order") == Match("order_status", 1.0, "en", "example")


def test_language_neutral_triggers_serve_every_language(shop: Matcher) -> None:
    for language in ("en", "pt", "pt-BR", "ja", None):
        assert shop.match("Olá!", language) == Match("intent:greeting", 1.0, None, "example")


def test_any_language_code_works() -> None:
    matcher = Matcher(
        [
            Trigger("order_status", "ja", examples=("注文はどこですか",)),
            Trigger("order_status", "ru", examples=("где мой заказ",)),
        ]
    )
    assert matcher.match("Где мой заказ?", "ru") == Match("order_status", 1.0, "ru", "example")
    assert target(matcher.match("где мои заказ", "ru")) == "order_status"
    assert target(matcher.match("注文はどこですか", "ja-JP")) == "order_status"
    assert matcher.match("где мой заказ", "ja") is None


# precedence


def test_keyword_beats_an_exact_example_of_an_earlier_trigger() -> None:
    matcher = Matcher(
        [
            Trigger("order_status", "en", examples=("cancel my order",)),
            Trigger("cancel_order", "en", keywords=("cancel",)),
        ]
    )
    assert matcher.match("cancel my order") == Match("cancel_order", 1.0, "en", "keyword")
    assert [match.how for match in matcher.ranked("cancel my order")] == ["keyword", "example"]


def test_pattern_beats_an_example() -> None:
    matcher = Matcher(
        [
            Trigger("order_status", "en", examples=("where is my invoice",)),
            Trigger("faq:invoice", "en", patterns=(re.compile(r"\binvoice\b"),)),
        ]
    )
    assert matcher.match("where is my invoice") == Match("faq:invoice", 1.0, "en", "pattern")


def test_among_rule_matches_the_first_declared_trigger_wins() -> None:
    matcher = Matcher(
        [
            Trigger("faq:refunds", "en", patterns=(re.compile(r"refund"),)),
            Trigger("returns", "en", keywords=("refund",)),
        ]
    )
    assert matcher.match("refund please") == Match("faq:refunds", 1.0, "en", "pattern")
    assert [match.target for match in matcher.ranked("refund please")] == [
        "faq:refunds",
        "returns",
    ]


def test_among_equal_example_scores_the_first_declared_trigger_wins() -> None:
    matcher = Matcher(
        [
            Trigger("first", "en", examples=("where is my order",)),
            Trigger("second", "en", examples=("where is my order",)),
        ]
    )
    for _ in range(3):
        assert target(matcher.match("where is my ordr")) == "first"


def test_a_trigger_with_keywords_and_patterns_reports_the_keyword() -> None:
    matcher = Matcher(
        [Trigger("cancel_order", "en", keywords=("cancel",), patterns=(re.compile("cancel"),))]
    )
    assert matcher.match("cancel") == Match("cancel_order", 1.0, "en", "keyword")


# ranked


def test_ranked_lists_each_target_once_best_first(shop: Matcher) -> None:
    ranked = shop.ranked("I want to cancel my order", "en", limit=3)
    # cancel_order fires twice (keyword, and an example word for word) but is listed once.
    assert [match.target for match in ranked] == ["cancel_order", "intent:agent", "returns"]
    assert ranked[0] == Match("cancel_order", 1.0, "en", "keyword")
    assert ranked[1].score >= ranked[2].score


def test_ranked_includes_near_misses_under_the_threshold(shop: Matcher) -> None:
    ranked = shop.ranked("my cat is sick", "en")
    assert ranked
    assert all(match.score < THRESHOLD for match in ranked)


def test_match_is_the_top_ranked_when_it_reaches_the_threshold(shop: Matcher) -> None:
    for text in ("wheres my oder", "quero devolver", "vcs abrem domingo", "cancel"):
        assert shop.match(text) == shop.ranked(text)[0]


def test_ranked_respects_the_limit(shop: Matcher) -> None:
    assert len(shop.ranked("my order", "en", limit=2)) == 2
    everything = shop.ranked("my order", "en", limit=100)
    targets = [match.target for match in everything]
    assert len(targets) == len(set(targets))
    assert set(targets) <= {trigger.target for trigger in SHOP if trigger.language != "pt"}


@pytest.mark.parametrize("limit", [0, -1])
def test_ranked_limit_must_be_positive(shop: Matcher, limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        shop.ranked("order", limit=limit)


@pytest.mark.parametrize("text", ["", "   ", "?!", "🎉🎉"])
def test_a_message_without_words_matches_nothing(shop: Matcher, text: str) -> None:
    assert shop.ranked(text) == []
    assert shop.match(text) is None


def test_a_matcher_without_triggers_matches_nothing() -> None:
    assert Matcher([]).match("where is my order") is None
    assert Matcher([]).ranked("where is my order") == []


# scale

_SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu", "ba", "de", "fi")
_PRODUCTS = tuple("".join(parts) for parts in itertools.product(_SYLLABLES, repeat=3))[:400]
_OPENERS = (
    "how do i use the {} product",
    "can you tell me about the {} product",
    "i want to know the price of the {} product",
    "where can i find the {} product",
    "please help me with the {} product",
)


@pytest.fixture(scope="module")
def catalogue() -> Matcher:
    """2,000 example phrases: five per product FAQ, alternating English and Portuguese."""
    triggers = [
        Trigger(
            f"faq:{product}",
            "en" if index % 2 == 0 else "pt",
            examples=tuple(opener.format(product) for opener in _OPENERS),
        )
        for index, product in enumerate(_PRODUCTS)
    ]
    assert sum(len(trigger.examples) for trigger in triggers) == 2000
    return Matcher(triggers)


def test_a_large_catalogue_finds_the_exact_example(catalogue: Matcher) -> None:
    for index in (0, 1, 137, 398, 399):
        product = _PRODUCTS[index]
        match = catalogue.match(f"Where can I find the {product.upper()} product?")
        assert match is not None
        assert match.target == f"faq:{product}"
        assert match.score == 1.0


def test_a_large_catalogue_tolerates_a_typo_in_the_distinguishing_word(
    catalogue: Matcher,
) -> None:
    for index in range(0, 400, 7):
        product = _PRODUCTS[index]
        misspelt = product[:-1] + "x"
        match = catalogue.match(f"tell me about {misspelt} please")
        assert target(match) == f"faq:{product}", product


def test_a_large_catalogue_applies_the_language_filter(catalogue: Matcher) -> None:
    english, portuguese = _PRODUCTS[10], _PRODUCTS[11]
    assert target(catalogue.match(f"the {english} product", "en-GB")) == f"faq:{english}"
    assert target(catalogue.match(f"the {portuguese} product", "pt-BR")) == f"faq:{portuguese}"
    assert all(match.language == "pt" for match in catalogue.ranked(f"the {english} product", "pt"))


def test_a_remembered_answer_is_the_answer_and_the_memory_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("dialogs.nlu.matching.REMEMBERED", 3)
    messages = ["where is my order", "wehre is my oder", "hours?", "hello", "tell me a joke"]
    fresh = [Matcher(SHOP, threshold=THRESHOLD).ranked(text, "en") for text in messages]
    matcher = Matcher(SHOP, threshold=THRESHOLD)
    for _ in range(3):  # asked again and again, in an order that evicts and refills
        for text, expected in zip(messages, fresh, strict=True):
            got = matcher.ranked(text, "en")
            assert got == expected
            got.clear()  # what a caller does with its list is not remembered
            assert matcher.ranked(text, "en") == expected
            assert matcher.remembered <= 3
    assert matcher.ranked("where is my order", "en", limit=1) == fresh[0][:1]
    assert matcher.ranked("where is my order", "de") == Matcher(SHOP, threshold=THRESHOLD).ranked(
        "where is my order", "de"
    )
