"""The small pages behind the links in our mail (a button's confirmation, an unsubscribe):
one escaped, script-free HTML document in the visitor's language, with headers that keep the
token in the URL to itself (``no-referrer``, ``no-store``) and the page out of frames.

Each page's words come from its own table (``{"en": {...}, "pt": {...}}``), with at least a
``title`` and one text per refusal reason of :class:`~connectors.email.links.buttons.LinkRefused`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from html import escape

from aiohttp import web

from bot.connector import Core
from bot.errors import MemoryUnavailable
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


Act = Callable[[], Awaitable[None]]


class LinkRoutes(ABC):
    """``GET``/``POST`` ``<path>/<token>``, the shape of every link page of our mail: ``GET``
    asks and changes nothing (mail scanners fetch every link), ``POST`` acts once; a link that
    does nothing gets its refusal page. ``what`` names the link in the log."""

    def __init__(self, path: str, words: Words, what: str, log: logging.Logger) -> None:
        self._path = path
        self._words = words
        self._what = what
        self._log = log
        self._core: Core | None = None

    def start(self, core: Core) -> None:
        """The link's events go to ``core`` from now on."""
        self._core = core

    def routes(self) -> Sequence[web.RouteDef]:
        """The two routes."""
        return (
            web.get(self._path + "/{token}", self.ask, allow_head=False),
            web.post(self._path + "/{token}", self.act),
        )

    async def ask(self, request: web.Request) -> web.Response:
        """The page a person following the link sees: its question and one confirm button."""
        try:
            language, question, hidden = self._question(request.match_info["token"])
        except LinkRefused as refused:
            return self._refusal(refused, language_of(request))
        words = self._words[lang(language)]
        form = (
            f'<form method="post"><p id="q">{escape(question)}</p>{hidden}'
            f'<button type="submit" aria-describedby="q">{escape(words["confirm"])}</button>'
            "</form>"
        )
        return page(words, form, 200, language)

    async def act(self, request: web.Request) -> web.Response:
        """Check the link and do what it was issued for; the page that says what became of it."""
        language = language_of(request)
        try:
            language, work = self._opened(request)
            await work()
        except LinkRefused as refused:
            return self._refusal(refused, language)
        except MemoryUnavailable as exc:
            self._log.warning("%s not done, the memory is unavailable: %s", self._what, exc)
            return self._refusal(LinkRefused("busy", 503), language)
        words = self._words[lang(language)]
        return page(words, f"<p>{escape(words['done'])}</p>", 200, language)

    def core(self) -> Core:
        """The core, once started; before, the link is ``busy`` (503)."""
        if self._core is None:
            raise LinkRefused("busy", 503)
        return self._core

    @abstractmethod
    def _question(self, token: str) -> tuple[str, str, str]:
        """The language, the question and any hidden form fields of the page for ``token``;
        raises :class:`LinkRefused` for a link that does nothing."""

    @abstractmethod
    def _opened(self, request: web.Request) -> tuple[str, Act]:
        """The language of the link ``request`` posts to, and what doing it takes; raises
        :class:`LinkRefused` for a link (or a request) that does nothing."""

    def _refusal(self, refused: LinkRefused, language: str) -> web.Response:
        return refusal(refused, self._words, language, self._log, self._what)
