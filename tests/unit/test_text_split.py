"""Splitting long texts at the most natural boundary that keeps chunks within the limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.format.text_split import split_text


def without_whitespace(text: str) -> str:
    return "".join(text.split())


def test_short_text_is_one_chunk() -> None:
    assert split_text("Hello there", 11) == ["Hello there"]


def test_surrounding_whitespace_is_trimmed() -> None:
    assert split_text("\n  Hello there \n", 11) == ["Hello there"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t "])
def test_blank_text_gives_no_chunks(text: str) -> None:
    assert split_text(text, 10) == []


@pytest.mark.parametrize("limit", [0, -5])
def test_limit_must_be_positive(limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be positive"):
        split_text("text", limit)


def test_paragraph_break_is_preferred_to_line_sentence_and_word() -> None:
    text = "One. Two three\nfour five\n\nsix. Seven\neight nine ten"
    assert split_text(text, 30) == ["One. Two three\nfour five", "six. Seven\neight nine ten"]


def test_line_break_is_preferred_to_sentence_and_word() -> None:
    text = "Alpha beta. Gamma\ndelta. Epsilon zeta eta"
    assert split_text(text, 30) == ["Alpha beta. Gamma", "delta. Epsilon zeta eta"]


def test_sentence_end_is_preferred_to_a_word_boundary() -> None:
    text = "Your order shipped today. It arrives on Monday morning"
    assert split_text(text, 40) == ["Your order shipped today.", "It arrives on Monday morning"]


@pytest.mark.parametrize("end", ["!", "?", "…", '."', ".)"])
def test_sentence_may_end_in_other_marks_and_closing_quotes(end: str) -> None:
    text = f"Your order shipped today{end} It arrives on Monday"
    assert split_text(text, 40) == [f"Your order shipped today{end}", "It arrives on Monday"]


def test_word_boundary_is_used_when_there_is_no_sentence_end() -> None:
    text = "the quick brown fox jumps over the lazy dog"
    assert split_text(text, 20) == ["the quick brown fox", "jumps over the lazy", "dog"]


def test_only_a_word_longer_than_the_limit_is_cut() -> None:
    assert split_text("abcdefghijklm", 5) == ["abcde", "fghij", "klm"]


def test_an_over_long_word_is_cut_but_the_short_words_around_it_are_not() -> None:
    text = "see https://example.com/a/very/long/path ok"
    assert split_text(text, 16) == ["see https://exam", "ple.com/a/very/l", "ong/path ok"]


def test_a_boundary_in_the_first_half_of_the_window_is_not_used() -> None:
    assert split_text("ab cdefghijkl", 10) == ["ab cdefghi", "jkl"]


def test_a_paragraph_that_exactly_fills_the_limit_is_kept_whole() -> None:
    text = "First paragraph here\n\nSecond one."
    assert split_text(text, 20) == ["First paragraph here", "Second one."]


def test_a_line_that_exactly_fills_the_limit_is_kept_whole() -> None:
    assert split_text("One two three.\nFour", 14) == ["One two three.", "Four"]


def test_a_word_that_exactly_fills_the_limit_is_not_cut() -> None:
    assert split_text("abcde fghij", 5) == ["abcde", "fghij"]


TEXTS = st.text(alphabet=st.sampled_from("ab xyz.!?…\n\t\"')é。"), max_size=400) | st.text(
    max_size=200
)
LIMITS = st.integers(min_value=1, max_value=60)


@given(text=TEXTS, limit=LIMITS)
def test_every_chunk_fits_the_limit_and_is_not_empty(text: str, limit: int) -> None:
    for chunk in split_text(text, limit):
        assert 0 < len(chunk) <= limit


@given(text=TEXTS, limit=LIMITS)
def test_splitting_loses_no_visible_character(text: str, limit: int) -> None:
    assert without_whitespace("".join(split_text(text, limit))) == without_whitespace(text)


@given(text=TEXTS, limit=LIMITS)
def test_chunks_have_no_surrounding_whitespace(text: str, limit: int) -> None:
    for chunk in split_text(text, limit):
        assert chunk == chunk.strip()


@given(text=TEXTS, limit=LIMITS)
def test_text_that_fits_is_left_as_one_chunk(text: str, limit: int) -> None:
    trimmed = text.strip()
    if 0 < len(trimmed) <= limit:
        assert split_text(text, limit) == [trimmed]
