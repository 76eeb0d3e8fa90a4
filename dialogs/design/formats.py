"""Customers' formats: template filters that write a date, a time or an amount of money the way
the customer's locale does (``23/11/2026`` and ``R$ 100,00`` in Brazil, ``11/23/2026`` and
``R$100.00`` in the United States), and show a choice by its title in the customer's language.

Babel (CLDR's data) is imported on first use, so a bot that never formats pays nothing for it at
start-up. Babel's non-breaking spaces become plain ones: a conversation test a designer types
compares equal, and an SMS stays in the GSM alphabet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from difflib import get_close_matches
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Undefined, pass_context
from jinja2.filters import do_title
from jinja2.runtime import Context

from bot.format import language_tags

if TYPE_CHECKING:
    from babel import Locale

DATE_STYLES = ("numeric", "short", "medium", "long", "full")
TIME_STYLES = ("short", "medium", "long", "full")

_NUMERIC_DATE = "yMd"  # CLDR's skeleton for day, month and four-digit year, in locale order
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


@dataclass(frozen=True)
class Formats:
    """What the filters need to know of a bot: the languages it speaks (a customer speaking
    ``pt`` is formatted as the bot's ``pt-BR``), its first language (when a template has no
    customer), its time zone (for ``now``), and the titles of its choice slots' values."""

    languages: tuple[str, ...] = ()
    fallback: str = "en"
    timezone: str = "UTC"
    titles: Mapping[str, str | dict[str, str]] = field(default_factory=dict)

    def filters(self) -> dict[str, Callable[..., str]]:
        """The filters, by the name templates use."""
        return {
            "date": self.show_date,
            "time": self.show_time,
            "money": self.show_money,
            "title": self.show_title,
        }

    @pass_context
    def show_date(self, context: Context, value: Any, style: str = "numeric") -> str:
        """``{{ slots.day | date }}``: ``23/11/2026``; ``date('long')``: ``23 de novembro de
        2026``; also ``short``, ``medium``, ``full`` or a CLDR pattern (``'EEEE, d MMMM'``)."""
        day = self._moment(value)
        if day is None:
            return _shown(value)
        from babel.dates import format_date, format_skeleton

        locale = self.locale(context)
        if isinstance(day, datetime):
            day = day.date()
        if style == "numeric":
            return _plain(format_skeleton(_NUMERIC_DATE, day, locale=locale))
        return _plain(format_date(day, style, locale=locale))

    @pass_context
    def show_time(self, context: Context, value: Any, style: str = "short") -> str:
        """``{{ now | time }}``: ``14:30`` in Brazil, ``2:30 PM`` in the United States; also
        ``medium`` (with seconds) or a CLDR pattern."""
        moment = _time_of(value) or self._moment(value)
        if moment is None:
            return _shown(value)
        from babel.dates import format_time

        if isinstance(moment, datetime):
            moment = moment.timetz()
        elif isinstance(moment, date):
            return _shown(value)
        return _plain(format_time(moment, style, locale=self.locale(context)))

    @pass_context
    def show_money(self, context: Context, value: Any, currency: str) -> str:
        """``{{ slots.total | money('BRL') }}``: ``R$ 100,00`` in Brazil, ``R$100.00`` in
        English; the currency is an ISO 4217 code."""
        amount = _amount(value)
        if amount is None:
            return _shown(value)
        from babel.numbers import format_currency

        code = str(currency).strip().upper()
        return _plain(format_currency(amount, code, locale=self.locale(context)))

    @pass_context
    def show_title(self, context: Context, value: Any) -> str:
        """``{{ slots.size | title }}``: the title of a choice slot's value in the customer's
        language (``Grande`` for ``large``); any other text with each word capitalised, as
        Jinja's own ``title`` does."""
        if isinstance(value, Undefined) or value is None:
            return ""
        titles = self.titles.get(value) if isinstance(value, str) else None
        if titles is None:
            return do_title(str(value))
        if isinstance(titles, str):
            return titles
        chosen = language_tags.pick(titles, self.language(context), self.fallback)
        return chosen if chosen is not None else next(iter(titles.values()), str(value))

    def language(self, context: Context) -> str:
        """The customer's language for formats: their tag when it names a region, else the
        bot's language closest to it (a ``pt`` customer of a ``pt-BR`` bot is Brazilian)."""
        named = context.get("language")
        tag = named if isinstance(named, str) and named else self.fallback
        if language_tags.canonical(tag) != language_tags.base(tag):
            return tag  # a region of its own (en-GB) says more than the bot's (en)
        return language_tags.closest(tag, self.languages) or tag

    def locale(self, context: Context) -> Locale:
        """Babel's locale for the customer's language."""
        return babel_locale(self.language(context))

    def _moment(self, value: Any) -> date | None:
        """A date, or a date and time in the bot's time zone; a slot's ISO text too
        (``2026-11-23``, ``2026-11-23T14:30:00+00:00``)."""
        if isinstance(value, str):
            value = _iso(value.strip())
        if isinstance(value, datetime):
            return value.astimezone(ZoneInfo(self.timezone)) if value.tzinfo else value
        return value if isinstance(value, date) else None


def call_problem(name: str, arguments: list[object]) -> str | None:
    """What is wrong with a call of the filter ``name`` whose first arguments are ``arguments``
    (constants as written, else ``...``): a ``money`` without a currency or with one ISO 4217
    does not know, a misspelt date or time style. ``None`` when nothing is."""
    if name == "money":
        return _currency_problem(arguments[0] if arguments else None)
    styles = {"date": DATE_STYLES, "time": TIME_STYLES}.get(name)
    if styles is None or not arguments or not isinstance(arguments[0], str):
        return None
    style = arguments[0]
    close = get_close_matches(style, styles, n=1, cutoff=0.7)
    if style in styles or not close or not style.isalpha() or not style.islower():
        return None  # a pattern ('EEEE d MMMM', 'yyyy') is CLDR's to read
    return f"unknown {name} style '{style}' (did you mean '{close[0]}'?)"


def _currency_problem(currency: object) -> str | None:
    if currency is None:
        return "money needs the currency, as its ISO 4217 code: money('BRL')"
    if not isinstance(currency, str):
        return None  # computed when the template renders
    from babel.numbers import list_currencies

    known = list_currencies()
    if currency.strip().upper() in known:
        return None
    close = get_close_matches(currency.strip().upper(), sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown currency '{currency}'{hint}; money takes an ISO 4217 code such as 'BRL'"


@lru_cache(maxsize=64)
def babel_locale(tag: str) -> Locale:
    """Babel's locale for a language tag: ``pt-BR`` is pt_BR, ``pt`` is CLDR's ``pt`` (Brazil's);
    a region Babel does not know falls back to the language, an unknown language to English."""
    from babel import Locale, UnknownLocaleError

    for candidate in (language_tags.canonical(tag), language_tags.base(tag)):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def _iso(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        return None


def _time_of(value: Any) -> time | None:
    """A time of day: a ``time``, or a text such as ``14:30``."""
    if isinstance(value, time):
        return value
    if isinstance(value, str) and ":" in value and "-" not in value.strip()[:5]:
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _amount(value: Any) -> Decimal | None:
    """An amount: a number, or a text of one written the machine way (``100.5``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _shown(value: Any) -> str:
    """A value the filter cannot read, shown as it is (nothing for a missing one): a designer's
    slip never loses the customer the whole message."""
    return "" if value is None or isinstance(value, Undefined) else str(value)


def _plain(text: str) -> str:
    return text.translate(_SPACES)
