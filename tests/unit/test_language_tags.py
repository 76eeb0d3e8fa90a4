"""Language tags: compared case-insensitively, written the BCP 47 way, ``pt`` serving ``pt-*``."""

from __future__ import annotations

import pytest

from bot.app.config import BotConfig
from bot.format.language_tags import base, canonical, closest, lookup, pick, serves


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("pt-BR", "pt-BR"),
        ("pt-br", "pt-BR"),
        ("PT_br", "pt-BR"),
        ("en-gb", "en-GB"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        (" en ", "en"),
    ],
)
def test_tags_are_written_the_bcp47_way(written: str, expected: str) -> None:
    assert canonical(written) == expected


def test_the_base_language_drops_script_and_region() -> None:
    assert [base(tag) for tag in ("pt-BR", "PT_pt", "en", "zh-Hant-TW")] == ["pt", "pt", "en", "zh"]


def test_a_text_is_looked_up_exact_then_base_then_the_first_language() -> None:
    assert list(lookup("pt-BR", "en")) == ["pt-BR", "pt", "en"]
    assert list(lookup("en-GB", "en-US")) == ["en-GB", "en", "en-US"]
    assert list(lookup("pt", "pt")) == ["pt"]


def test_a_text_for_pt_serves_every_portuguese_customer() -> None:
    texts = {"en": "Hi", "pt": "Oi"}
    assert pick(texts, "pt-BR", "en") == "Oi"
    assert pick(texts, "pt-PT", "en") == "Oi"
    assert pick(texts, "en-GB", "en") == "Hi"


def test_a_regional_text_comes_before_the_base_one_whatever_its_case() -> None:
    texts = {"en": "Hi", "pt": "Olá", "pt-br": "Oi"}
    assert pick(texts, "pt-BR", "en") == "Oi"
    assert pick(texts, "pt-PT", "en") == "Olá"


def test_without_the_language_the_first_language_answers_and_then_nothing() -> None:
    assert pick({"en": "Hi"}, "fr", "en") == "Hi"
    assert pick({"en": "Hi"}, "fr") is None


def test_a_regional_text_serves_only_its_region() -> None:
    assert serves("pt", "pt-BR")
    assert serves("PT-br", "pt-BR")
    assert not serves("pt-PT", "pt-BR")
    assert not serves("pt-BR", "pt")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("pt-BR", "pt-BR"), ("pt", "pt-BR"), ("pt-pt", "pt-BR"), ("EN", "en"), ("es", None)],
)
def test_a_named_language_maps_to_the_closest_the_bot_speaks(
    tag: str, expected: str | None
) -> None:
    assert closest(tag, ("en", "pt-BR")) == expected


def test_the_exact_region_is_preferred_to_the_first_of_its_language() -> None:
    assert closest("pt-PT", ("pt-BR", "pt-PT")) == "pt-PT"
    assert closest("pt", ("pt-BR", "pt-PT")) == "pt-BR"


def test_bot_yaml_keeps_languages_in_their_bcp47_form() -> None:
    config = BotConfig(name="Shop", languages=["en-gb", "pt-br"], default_language="pt-br")
    assert config.languages == ["en-GB", "pt-BR"]
    assert config.language == "pt-BR"


def test_bot_yaml_refuses_a_language_listed_twice() -> None:
    with pytest.raises(ValueError, match="pt-BR listed more than once"):
        BotConfig(name="Shop", languages=["pt-BR", "pt-br"])
