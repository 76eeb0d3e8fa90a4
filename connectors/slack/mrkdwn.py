"""Slack's text syntax, both ways.

Writing: the core's markup spans (:mod:`bot.format.markup`) become Slack *mrkdwn*, with the only
three characters Slack treats specially (``&``, ``<``, ``>``) escaped, so that no text a customer
or a bot designer wrote can turn into a mention, a ``<!channel>`` ping or a link.

Reading: Slack sends what a person typed with its own markup applied: ``&``, ``<`` and ``>``
escaped, and links, e-mail addresses and mentions wrapped in angle brackets
(``<mailto:ana@example.com|ana@example.com>``). :func:`read` gives back the visible text, which
is what a dialog expects when it asks for an e-mail address or an order number.
"""

from __future__ import annotations

import re

from bot.format.markup import Span, parse

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_URL_ESCAPES = str.maketrans({"&": "&amp;", "<": "%3C", ">": "%3E", "|": "%7C"})
_ANGLED = re.compile(r"<([^<>\n]*)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
_LINK_SCHEMES = ("mailto:", "tel:")


def escape(text: str) -> str:
    """``text`` as Slack shows it literally."""
    return text.translate(_ESCAPES)


def write(text: str, markdown: bool) -> str:
    """The mrkdwn for ``text``: its markup subset's spans when ``markdown``, else only escaped."""
    if not markdown:
        return escape(text)
    return "".join(_span(span) for span in parse(text))


def link(url: str, label: str) -> str:
    """A link showing ``label``; the URL's own ``|``, ``<`` and ``>`` are percent-encoded, as
    they would end the link early."""
    return f"<{url.translate(_URL_ESCAPES)}|{escape(label)}>"


def _span(span: Span) -> str:
    if span.url is not None:
        return link(span.url, span.text)
    body = escape(span.text)
    if span.code:
        return f"`{body}`"
    if span.bold:
        return f"*{body}*"
    if span.italic:
        return f"_{body}_"
    return body


def read(text: str) -> str:
    """The text a person typed, from the ``text`` of a Slack message."""
    visible = _ANGLED.sub(_visible, text)
    return visible.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _visible(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if label:
        prefix = target[0] if target[:1] in ("#", "@") else ""
        return f"{prefix}{label}"
    if target.startswith("!"):
        return _SPECIAL.get(target[1:], target[1:])
    for scheme in _LINK_SCHEMES:
        if target.startswith(scheme):
            return target.removeprefix(scheme)
    return target


def strip_mention(text: str, bot_user: str | None) -> str:
    """``text`` without the mention that addressed the bot (``<@U0BOT> where is my order?``).

    Every mention of the bot goes when its user id is known; otherwise only a leading mention,
    which is where Slack puts the one that triggered an ``app_mention``.
    """
    tail = r"(\|[^>]*)?>[:,]?\s*"
    if bot_user:
        return re.sub(rf"<@{re.escape(bot_user)}{tail}", "", text).strip()
    return re.sub(rf"^\s*<@[UW][A-Z0-9]+{tail}", "", text).strip()
