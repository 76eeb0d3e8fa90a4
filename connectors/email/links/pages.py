"""The small pages behind the links in our mail (a button's confirmation, an unsubscribe):
one escaped, script-free HTML document in the visitor's language, with headers that keep the
token in the URL to itself (``no-referrer``, ``no-store``) and the page out of frames.

Each page's words come from its own table (``{"en": {...}, "pt": {...}}``), with at least a
``title`` and one text per refusal reason of :class:`~connectors.email.links.buttons.LinkRefused`.
"""

from __future__ import annotations

import logging
from html import escape

from aiohttp import web

from connectors.email.links.sealed import LinkRefused

Words = dict[str, dict[str, str]]

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
_STYLE = (
    "body{font:1.1rem/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;"
    "padding:0 1rem}button{font:inherit;padding:.6rem 1.2rem}"
)


def lang(language: str) -> str:
    """The page language for ``language``: Portuguese for any ``pt``, else English."""
    return "pt" if language.strip().lower().startswith("pt") else "en"


def language_of(request: web.Request) -> str:
    """The visitor's language, from ``Accept-Language``'s first choice."""
    return lang(request.headers.get("Accept-Language", ""))


def page(words: dict[str, str], content: str, status: int, language: str) -> web.Response:
    """The page: ``words['title']`` as its heading and ``content`` (HTML the caller escaped)."""
    title = escape(words["title"])
    html = (
        f'<!doctype html><html lang="{lang(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{title}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{title}</h1>{content}</main></body></html>"
    )
    headers = dict(HEADERS)
    if status == 503:
        headers["Retry-After"] = "60"
    return web.Response(text=html, status=status, content_type="text/html", headers=headers)


def refusal(
    refused: LinkRefused, words: Words, language: str, log: logging.Logger, what: str
) -> web.Response:
    """The page for a link that did nothing, and one INFO line (``what`` names the link)."""
    log.info("%s refused: %s (%s)", what, refused.reason, refused.status)
    said = words[lang(language)]
    return page(
        said, f'<p role="alert">{escape(said[refused.reason])}</p>', refused.status, language
    )
