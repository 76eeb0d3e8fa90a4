"""The markup subset: parsing into styled spans, and the plain text a markup-less channel shows."""

from __future__ import annotations

import pytest

from bot.format.markup import Span, parse, to_plain


def test_plain_text_is_one_unstyled_span() -> None:
    assert parse("Where is my order?") == [Span("Where is my order?")]


def test_empty_text_has_no_spans() -> None:
    assert parse("") == []


def test_each_style_becomes_its_own_span() -> None:
    assert parse("**Hi** _Ana_ `A-1` [track](https://t.example/1)") == [
        Span("Hi", bold=True),
        Span(" "),
        Span("Ana", italic=True),
        Span(" "),
        Span("A-1", code=True),
        Span(" "),
        Span("track", url="https://t.example/1"),
    ]


def test_text_around_a_style_is_kept_in_order() -> None:
    assert parse("Order **A-1** shipped.") == [
        Span("Order "),
        Span("A-1", bold=True),
        Span(" shipped."),
    ]


@pytest.mark.parametrize("text", ["snake_case_name", "a_b_c", "_a_b", "file_"])
def test_underscores_inside_words_are_not_italic(text: str) -> None:
    assert parse(text) == [Span(text)]


def test_italic_may_sit_next_to_punctuation() -> None:
    assert parse("(_really_)") == [Span("("), Span("really", italic=True), Span(")")]


@pytest.mark.parametrize(
    "text",
    [
        "**unclosed bold",
        "a * b * c",
        "**across\nlines**",
        "`unclosed code",
        "[label](ftp://files.example/x)",
        "[label](https://has space.example)",
        "[label] (https://x.example)",
        "****",
    ],
)
def test_unrecognised_markup_stays_literal(text: str) -> None:
    assert parse(text) == [Span(text)]


def test_markup_inside_code_is_not_parsed() -> None:
    assert parse("`**x**`") == [Span("**x**", code=True)]


def test_links_keep_query_strings_and_stop_at_the_closing_parenthesis() -> None:
    assert parse("[pay](https://p.example/c?id=1&x=2).") == [
        Span("pay", url="https://p.example/c?id=1&x=2"),
        Span("."),
    ]


def test_to_plain_drops_the_markers() -> None:
    assert to_plain("**Hi** _Ana_, run `status`") == "Hi Ana, run status"


def test_to_plain_keeps_the_address_of_a_link() -> None:
    assert to_plain("See [the docs](https://d.example/x).") == "See the docs (https://d.example/x)."


def test_to_plain_does_not_repeat_a_link_whose_label_is_its_address() -> None:
    assert to_plain("[https://d.example](https://d.example)") == "https://d.example"


def test_to_plain_leaves_unrecognised_markup_alone() -> None:
    assert to_plain("2 * 3 = 6, snake_case") == "2 * 3 = 6, snake_case"


def test_to_plain_of_empty_text_is_empty() -> None:
    assert to_plain("") == ""
