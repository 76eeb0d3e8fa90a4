"""Telling which of a bot's languages a customer writes in, and admitting when it cannot tell."""

from __future__ import annotations

import unicodedata

import pytest

from dialogs.nlu.languages import detect

EN_PT = ("en", "pt")
SIX = ("en", "pt", "es", "fr", "de", "it")


@pytest.mark.parametrize(
    "text",
    [
        "onde esta meu pedido",
        "Onde está meu pedido?",
        "quero trocar um produto",
        "oi, tudo bem?",
        "bom dia",
        "meu pedido nao chegou ainda",
        "não chegou",
        "vc pode me ajudar",
        "preciso de ajuda",
        "posso pagar com pix?",
        "quero falar com atendente",
        "Olá! Gostaria de saber o status da minha encomenda",
        "cade a minha encomenda",
        "informação",
    ],
)
def test_portuguese_messages(text: str) -> None:
    assert detect(text, EN_PT) == "pt"
    assert detect(text, SIX) == "pt"


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",
        "I want to return a shirt",
        "thank you",
        "can you help me",
        "my package hasn't arrived yet",
        "Hello, I'd like to know the status of my order",
        "good morning",
        "I need the invoice",
        "wheres my order",
    ],
)
def test_english_messages(text: str) -> None:
    assert detect(text, EN_PT) == "en"
    assert detect(text, SIX) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¿dónde está mi pedido?", "es"),
        ("donde esta mi pedido", "es"),
        ("quiero cambiar un producto", "es"),
        ("je voudrais retourner ma commande", "fr"),
        ("où est mon colis ?", "fr"),
        ("wo ist meine Bestellung", "de"),
        ("ich möchte meine Bestellung stornieren", "de"),
        ("dov'è il mio ordine", "it"),
        ("vorrei fare un reso", "it"),
    ],
)
def test_other_known_languages(text: str, expected: str) -> None:
    assert detect(text, SIX) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ok",
        "Ok!!",
        "👍",
        "?",
        "123",
        "4521-7781",
        "a",
        "no",
        "e",
        "pedido 4521",
        "email",
        "Black Friday",
        "pix",
        "obrigado",
        "thanks",
        "ok obrigado",
        "hi",
        "oi",
        "Não",
    ],
)
def test_short_or_ambiguous_messages_give_no_answer(text: str) -> None:
    assert detect(text, EN_PT) is None


def test_a_word_common_to_both_languages_gives_no_answer() -> None:
    assert detect("no", ("en", "es")) is None
    assert detect("pedido", ("es", "pt")) is None
    assert detect("posso", ("pt", "it")) is None


def test_candidates_restrict_the_answer() -> None:
    assert detect("onde esta meu pedido", ("es", "pt")) == "pt"
    assert detect("donde esta mi pedido", ("es", "pt")) == "es"
    assert detect("quero trocar um produto", ("en",)) is None
    assert detect("where is my order", ("pt", "es")) is None
    assert detect("where is my order", ()) is None


def test_regional_candidates_are_returned_as_given() -> None:
    assert detect("onde esta meu pedido", ("en-US", "pt-BR")) == "pt-BR"
    assert detect("where is my order", ("en-US", "pt-BR")) == "en-US"
    assert detect("onde esta meu pedido", ("en", "PT_br")) == "PT_br"


def test_candidates_sharing_a_language_give_the_first_listed() -> None:
    assert detect("quero trocar um produto", ("pt-PT", "pt-BR", "en")) == "pt-PT"
    assert detect("quero trocar um produto", ("pt-BR", "pt-PT", "en")) == "pt-BR"


def test_a_language_without_a_profile_is_never_chosen() -> None:
    assert detect("where is my order", ("ja", "en")) == "en"
    assert detect("注文はどこですか", ("ja", "en")) is None
    assert detect("где мой заказ", ("ru",)) is None


def test_decomposed_accents_count_as_accents() -> None:
    """Some keyboards send "ã" as "a" plus a combining tilde."""
    assert detect(unicodedata.normalize("NFD", "informação"), EN_PT) == "pt"
    assert detect(unicodedata.normalize("NFD", "não recebi a informação"), EN_PT) == "pt"


RIGHT_QUOTE = "\u2019"


def test_typographic_apostrophes_count_like_straight_ones() -> None:
    assert detect(f"my package hasn{RIGHT_QUOTE}t arrived", EN_PT) == "en"
    assert detect(f"où est l{RIGHT_QUOTE}adresse", ("en", "fr")) == "fr"


@pytest.mark.parametrize("text", ["bom dia, good morning", "muito obrigado, thank you"])
def test_a_message_mixing_languages_evenly_gives_no_answer(text: str) -> None:
    assert detect(text, EN_PT) is None


def test_a_message_mostly_in_one_language_is_that_language() -> None:
    assert detect("oi, where is my order?", EN_PT) == "en"
    assert detect("hello, onde esta meu pedido?", EN_PT) == "pt"
