"""Slack's text syntax both ways, without a server."""

from __future__ import annotations

import pytest

from connectors.slack.mrkdwn import escape, link, read, strip_mention, write


def test_only_ampersand_and_angle_brackets_are_escaped() -> None:
    assert escape("Tom & Jerry <3 > *all*") == "Tom &amp; Jerry &lt;3 &gt; *all*"


@pytest.mark.parametrize(
    ("source", "mrkdwn"),
    [
        ("**bold** and _italic_ and `code`", "*bold* and _italic_ and `code`"),
        ("**a & b**", "*a &amp; b*"),
        ("`x < y`", "`x &lt; y`"),
        (
            "[the shop](https://shop.example/?a=1&b=2)",
            "<https://shop.example/?a=1&amp;b=2|the shop>",
        ),
        ("[<odd> label](https://x.example/a|b)", "<https://x.example/a%7Cb|&lt;odd&gt; label>"),
        ("no markup, <@U123> stays text", "no markup, &lt;@U123&gt; stays text"),
    ],
)
def test_markdown_spans_become_mrkdwn(source: str, mrkdwn: str) -> None:
    assert write(source, markdown=True) == mrkdwn


def test_plain_text_is_only_escaped() -> None:
    assert write("**not bold** <!here>", markdown=False) == "**not bold** &lt;!here&gt;"


def test_a_link_cannot_be_closed_early_by_its_url() -> None:
    assert link("https://x.example/<script>", "go") == "<https://x.example/%3Cscript%3E|go>"


@pytest.mark.parametrize(
    ("slack", "typed"),
    [
        ("<mailto:ana@example.com|ana@example.com>", "ana@example.com"),
        ("<mailto:ana@example.com>", "ana@example.com"),
        ("see <https://shop.example/a?b=1&amp;c=2>", "see https://shop.example/a?b=1&c=2"),
        ("<https://shop.example|shop.example>", "shop.example"),
        ("call <tel:+5511987654321|+55 11 98765-4321>", "call +55 11 98765-4321"),
        ("ask <#C0STORE|store>", "ask #store"),
        ("ask <@U0BRUNO>", "ask @U0BRUNO"),
        ("<!here> hi", "@here hi"),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2", "1 < 2 && 3 > 2"),
        ("&amp;lt;", "&lt;"),
    ],
)
def test_reading_gives_back_what_was_typed(slack: str, typed: str) -> None:
    assert read(slack) == typed


@pytest.mark.parametrize(
    ("text", "bot", "left"),
    [
        ("<@U0BOT> where is my order?", "U0BOT", "where is my order?"),
        ("<@U0BOT|store>: A-10001", "U0BOT", "A-10001"),
        ("hey <@U0BOT>, help", "U0BOT", "hey help"),
        ("<@U0OTHER> <@U0BOT> hi", "U0BOT", "<@U0OTHER> hi"),
        ("<@U0OTHER> hi", None, "hi"),
        ("<@U0BOT> hi", None, "hi"),
        ("<@W0BOT>, hi", None, "hi"),
    ],
)
def test_the_bots_mention_is_taken_out(text: str, bot: str | None, left: str) -> None:
    assert strip_mention(text, bot) == left
