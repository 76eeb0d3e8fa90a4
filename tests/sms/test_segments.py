"""What an SMS costs: GSM-7 and UCS-2 segment counts, exact, and splitting by segments."""

from __future__ import annotations

import pytest

from connectors.sms.segments import Cost, Encoding, cost, gsm_friendly, split_by_segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("ã" * 70, Encoding.UCS2, 70, 1),
        ("ã" * 71, Encoding.UCS2, 71, 2),
        ("ã" * 134, Encoding.UCS2, 134, 2),
        ("ã" * 135, Encoding.UCS2, 135, 3),
        ("€" * 80, Encoding.GSM7, 160, 1),
        ("€" * 81, Encoding.GSM7, 162, 2),
        ("😀" * 35, Encoding.UCS2, 70, 1),
        ("😀" * 36, Encoding.UCS2, 72, 2),
        ("Prices in {brackets} [and] ~tildes~ | pipes ^ \\", Encoding.GSM7, 47 + 9, 1),
        ("é è ù ì ò Ç Ø ø Å å Ä Ö Ñ Ü ä ö ñ ü à É ß Æ æ £ ¥ § ¿ ¡", Encoding.GSM7, 55, 1),
    ],
    ids=[
        "empty",
        "160 GSM-7 fit one SMS",
        "161 need two segments of 153",
        "306 fit two",
        "307 need three",
        "70 UCS-2 fit one SMS",
        "71 need two segments of 67",
        "134 fit two",
        "135 need three",
        "80 euro signs are 160 septets",
        "81 are 162: two segments",
        "35 emoji are 70 UTF-16 units",
        "36 are 72: two segments",
        "extension characters count double",
        "the accents GSM-7 has",
    ],
)
def test_costs(text: str, encoding: Encoding, units: int, segments: int) -> None:
    assert cost(text) == Cost(encoding, units, segments)


def test_one_accent_turns_the_whole_text_into_ucs2() -> None:
    english = "Your order has shipped and should arrive on Friday. We will text you then."
    portuguese = "Seu pedido já foi enviado e deve chegar na sexta. Avisaremos você então."
    assert (len(english), len(portuguese)) == (74, 72)
    assert cost(english) == Cost(Encoding.GSM7, 74, 1)
    assert cost(portuguese) == Cost(Encoding.UCS2, 72, 2)


def test_gsm7_has_some_accents_but_not_the_portuguese_tildes() -> None:
    assert cost("até é à").encoding is Encoding.GSM7
    assert cost("não").encoding is Encoding.UCS2
    assert cost("ç").encoding is Encoding.UCS2  # GSM-7 has only the capital Ç


def test_an_escape_pair_is_never_cut_between_segments() -> None:
    # 152 septets, then a two-septet euro sign that does not fit in the first 153.
    text = "a" * 152 + "€" + "a" * 10
    assert cost(text).units == 164
    assert cost(text).segments == 2
    assert cost("a" * 151 + "€" + "a" * 160).segments == 3  # 153 | 153 | 7


def test_a_surrogate_pair_is_never_cut_between_segments() -> None:
    assert cost("ã" * 66 + "😀" + "ã" * 10).segments == 2  # 68 | 10: the emoji moves on
    assert cost("ã" * 66 + "😀" + "ã" * 70).segments == 3


def test_typographic_punctuation_becomes_gsm7_when_that_is_all_it_takes() -> None:
    text = "It\u2019s \u201cready\u201d \u2014 pick it up\u2026 today"
    assert cost(text).encoding is Encoding.UCS2
    friendly = gsm_friendly(text)
    assert friendly == 'It\'s "ready" - pick it up... today'
    assert cost(friendly).encoding is Encoding.GSM7


def test_accented_text_keeps_its_own_characters() -> None:
    text = "Não é “isso” — é aquilo"
    assert gsm_friendly(text) == text


def test_a_text_that_fits_is_one_body() -> None:
    assert split_by_segments("  Hello there.  ", 4) == ["Hello there."]


def test_a_long_text_is_split_at_sentences_within_the_segment_budget() -> None:
    sentence = "Your order left our warehouse today and should arrive on Friday. "
    text = (sentence * 12).strip()  # 779 GSM-7 characters: 6 segments in one message
    parts = split_by_segments(text, 4)
    assert [cost(part).segments for part in parts] == [4, 2]
    assert all(part.endswith("Friday.") for part in parts)
    assert " ".join(parts) == text


def test_accented_text_is_split_sooner() -> None:
    sentence = "Seu pedido saiu do centro de distribuição hoje e chega na sexta. "
    text = (sentence * 6).strip()  # 389 UCS-2 characters
    parts = split_by_segments(text, 4)
    assert [len(part) for part in parts] == [259, 129]
    assert [cost(part).segments for part in parts] == [4, 2]
    assert " ".join(parts) == text


def test_each_part_is_costed_on_its_own() -> None:
    english = "Your order has shipped. " * 12
    text = f"{english.strip()}\n\nObrigado pela preferência!"
    parts = split_by_segments(text, 2)
    assert cost(parts[0]).encoding is Encoding.GSM7
    assert cost(parts[-1]).encoding is Encoding.UCS2
    assert all(cost(part).segments <= 2 for part in parts)


def test_a_word_longer_than_the_budget_is_cut() -> None:
    parts = split_by_segments("x" * 400, 1)
    assert [len(part) for part in parts] == [160, 160, 80]


def test_the_budget_must_allow_one_segment() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        split_by_segments("hi", 0)
