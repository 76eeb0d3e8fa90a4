"""The small markup subset that messages may use: **bold**, _italic_, `code` and [links](url).

The core parses it into spans once; each connector writes the spans in its channel's own syntax
(Telegram HTML, Slack mrkdwn) with its own escaping, and channels without markup get plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|(?<![\w_])_(?P<italic>[^_\n]+?)_(?![\w_])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)"
)


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style; ``url`` is set for a link."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    url: str | None = None


def parse(text: str) -> list[Span]:
    """Split markdown-subset text into styled spans; anything unrecognised stays literal."""
    spans: list[Span] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            spans.append(Span(text[position : match.start()]))
        spans.append(_span(match))
        position = match.end()
    if position < len(text):
        spans.append(Span(text[position:]))
    return spans


def _span(match: re.Match[str]) -> Span:
    if match.group("bold") is not None:
        return Span(match.group("bold"), bold=True)
    if match.group("italic") is not None:
        return Span(match.group("italic"), italic=True)
    if match.group("code") is not None:
        return Span(match.group("code"), code=True)
    return Span(match.group("label"), url=match.group("url"))


def to_plain(text: str) -> str:
    """The text as a channel without markup should show it; links keep their address."""
    return "".join(
        f"{span.text} ({span.url})" if span.url and span.url != span.text else span.text
        for span in parse(text)
    )
