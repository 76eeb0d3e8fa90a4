"""Parsers for typed slots: they read a customer's answer, check it and normalise its value.

Every parser takes the raw answer and a :class:`ParseContext` and returns :class:`Valid` with the
value to store, or :class:`Invalid` with a short English reason for the bot designer. Answers are
read with English or Portuguese conventions (any other language falls back to English); words such
as "yes", "sim", "tomorrow" or "amanhã" are understood in both languages whatever the setting,
because customers mix them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeAlias

import phonenumbers
from pydantic import JsonValue

from bot.format.language_tags import base, canonical
from dialogs.nlu.dates import DateError, fold, read_date


@dataclass(frozen=True, slots=True)
class Valid:
    """An accepted answer and the normalised value to store in the slot."""

    value: JsonValue


@dataclass(frozen=True, slots=True)
class Invalid:
    """A rejected answer, with a short English reason such as "not a number"."""

    reason: str


Parsed: TypeAlias = Valid | Invalid


@dataclass(frozen=True, slots=True)
class ChoiceOption:
    """One answer to a choice slot: the value stored and every title or synonym, any language."""

    value: str
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser needs to know about the customer and the bot.

    ``today`` should be the customer's date, passed by the runtime; it defaults to the server's.
    ``region`` is the phone region assumed for numbers without a country code. ``date_order`` is
    "DMY" or "MDY"; None follows the language (Portuguese and English outside the United States
    day first, anything else month first).
    """

    language: str = "en"
    today: date = field(default_factory=date.today)
    region: str = "US"
    date_order: str | None = None

    def __post_init__(self) -> None:
        if self.date_order not in (None, "DMY", "MDY"):
            raise ValueError(f"date_order must be 'DMY' or 'MDY', not {self.date_order!r}")
        if self.region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {self.region!r}")


def parse_text(
    text: str, ctx: ParseContext, *, min_length: int = 1, max_length: int = 500
) -> Parsed:
    """Free text, trimmed; its length in characters must lie within the bounds."""
    # NFC, so that an accent typed as a separate combining mark counts and compares as one letter.
    value = unicodedata.normalize("NFC", text.strip())
    if len(value) < min_length:
        return Invalid(f"too short: at least {min_length} characters" if value else "empty answer")
    if len(value) > max_length:
        return Invalid(f"too long: at most {max_length} characters")
    return Valid(value)


def parse_number(
    text: str, ctx: ParseContext, *, minimum: float | None = None, maximum: float | None = None
) -> Parsed:
    """A number, stored as a float: the language's decimal mark, optional thousands separators
    (",", "." or a space) and an optional currency symbol ("$ 12.50", "R$ 12,50")."""
    amount = _read_decimal(text, ctx)
    if amount is None:
        return Invalid("not a number")
    number = float(amount) + 0.0  # adding 0.0 stores "-0" as 0.0, not as -0.0
    return _bounded(number, minimum, maximum)


def parse_integer(
    text: str, ctx: ParseContext, *, minimum: int | None = None, maximum: int | None = None
) -> Parsed:
    """A whole number: "3" and "3.0" are 3, "2.5" is rejected."""
    amount = _read_decimal(text, ctx)
    if amount is None:
        return Invalid("not a number")
    if amount != amount.to_integral_value():
        return Invalid("not a whole number")
    return _bounded(int(amount), minimum, maximum)


def parse_email(text: str, ctx: ParseContext) -> Parsed:
    """An email address, by a pragmatic check; the domain is lower-cased, the local part kept."""
    address = _trim(text).removeprefix("<").removesuffix(">")
    problem = _email_problem(address)
    if problem is not None:
        return Invalid(problem)
    local, _, domain = address.rpartition("@")
    return Valid(f"{local}@{domain.lower()}")


def parse_phone(text: str, ctx: ParseContext) -> Parsed:
    """A valid phone number, in E.164; numbers without "+" are read in ``ctx.region``."""
    try:
        number = phonenumbers.parse(_trim(text), ctx.region.upper())
    except phonenumbers.NumberParseException:
        return Invalid("not a phone number")
    if not phonenumbers.is_valid_number(number):
        return Invalid("not a valid phone number")
    return Valid(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parse_date(text: str, ctx: ParseContext, *, past: bool = True, future: bool = True) -> Parsed:
    """A date, stored as ISO "YYYY-MM-DD"; ``past`` and ``future`` allow either side of today.

    Partial answers ("Nov 22", "dia 22", "friday") are completed towards the future, or towards
    the past when the slot takes no future dates; see :mod:`dialogs.nlu.dates` for the forms read.
    """
    day_first = ctx.date_order == "DMY" if ctx.date_order else _day_first(ctx)
    try:
        found = read_date(text, today=ctx.today, day_first=day_first, look_back=not future)
    except DateError as exc:
        return Invalid(str(exc))
    if not past and found < ctx.today:
        return Invalid("must not be in the past")
    if not future and found > ctx.today:
        return Invalid("must not be in the future")
    return Valid(found.isoformat())


def parse_choice(text: str, ctx: ParseContext, options: Sequence[ChoiceOption]) -> Parsed:
    """One of ``options``, stored as its value.

    Matched, in order, by a title or the value (ignoring case, accents and punctuation), by its
    1-based number ("2", "#2", "option 2"), or by the start of a title of at least 4 characters.
    """
    answer = _loose(text)
    if not answer:
        return Invalid("empty answer")
    keys = [{_loose(title) for title in (option.value, *option.titles)} for option in options]
    exact = [option for option, names in zip(options, keys, strict=True) if answer in names]
    if exact:
        return _only(exact)
    numbered = _by_number(answer, options)
    if numbered is not None:
        return numbered
    if len(answer) >= 4:
        starts = [o for o, names in zip(options, keys, strict=True) if _starts(names, answer)]
        if starts:
            return _only(starts)
    return Invalid("not one of the options")


def choice_namer(options: Sequence[ChoiceOption]) -> Callable[[str], Parsed]:
    """A reader of text as one of ``options`` only when it is one of its titles, synonyms or its
    value (ignoring case, accents and punctuation): how a sentence that mentions an option in
    passing is read, where "2" or the start of a word name nothing. The names are folded once,
    as a sentence is read window by window."""
    named: dict[str, list[ChoiceOption]] = {}
    for option in options:
        for name in {_loose(title) for title in (option.value, *option.titles)}:
            named.setdefault(name, []).append(option)

    def read(text: str) -> Parsed:
        found = named.get(_loose(text))
        return _only(found) if found else Invalid("not one of the options")

    return read


def parse_yes_no(text: str, ctx: ParseContext) -> Parsed:
    """Yes (True) or no (False), in English or Portuguese words, or as 👍 / 👎."""
    symbols = set(_EMOJI_MODIFIERS.sub("", "".join(_trim(text).split())))
    if symbols and symbols <= _YES_SYMBOLS:
        return Valid(True)
    if symbols and symbols <= _NO_SYMBOLS:
        return Valid(False)
    answer = _POLITENESS.sub("", _loose(text))
    if answer in _YES:
        return Valid(True)
    if answer in _NO:
        return Valid(False)
    return Invalid("not a yes or no answer")


def parse_pattern(
    text: str, ctx: ParseContext, *, pattern: re.Pattern[str], transform: str | None = None
) -> Parsed:
    """Text that fully matches ``pattern`` once transformed ("upper", "lower", "strip_spaces").

    The value is the transformed text. Raises ValueError for an unknown transform.
    """
    convert = _transform(transform)
    for candidate in dict.fromkeys((text.strip(), _trim(text))):
        value = convert(candidate)
        if pattern.fullmatch(value):
            return Valid(value)
    return Invalid("does not match the expected format")


_TRAILING_PUNCTUATION = ".!?;,…"
_MAX_NUMBER_LENGTH = 100  # far beyond any real answer; keeps float() finite
_CURRENCY = r"(?:r\$|us\$|\$|€|£|brl|usd|eur|gbp)"
_NUMBER = re.compile(
    rf"(?P<sign>[-+\u2212]?)\s*(?:{_CURRENCY}\s*)?(?P<inner_sign>[-+\u2212]?)\s*"
    rf"(?P<body>[\d.,\s]*\d)(?:\s*{_CURRENCY})?",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"[1-9]\d{0,2}(?P<sep>[., ])\d{3}(?:(?P=sep)\d{3})*")
_DOMAIN_LABEL = re.compile(r"(?!-)[\w-]+(?<!-)")
_INDEX = re.compile(
    r"(?:(?:option|opcao|number|numero|num|item|n|no) )?(\d{1,3})(?:st|nd|rd|th|o|a)?"
)
_EMOJI_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")  # skin tones, emoji presentation
_YES_SYMBOLS = frozenset("👍✅✔")
_NO_SYMBOLS = frozenset("👎❌✖")
_POLITENESS = re.compile(r"(?: (?:please|thanks|thank you|por favor|obrigad[oa]|valeu))+$")
_YES = frozenset(
    {"yes", "y", "ya", "yeah", "yea", "yep", "yup", "sure", "ok", "okay", "of course", "correct"}
    | {"right", "that s right", "that is right", "that s correct", "absolutely", "definitely"}
    | {"sim", "s", "claro", "claro que sim", "com certeza", "isso", "isso mesmo", "certo"}
    | {"correto", "pode ser", "pode", "positivo", "exato", "exatamente", "beleza"}
)
_NO = frozenset(
    {"no", "n", "nope", "nah", "not really", "no way", "of course not", "absolutely not"}
    | {"definitely not", "not at all", "negative", "incorrect", "wrong"}
    | {"nao", "de jeito nenhum", "negativo", "nem pensar", "claro que nao", "de modo algum"}
    | {"nao mesmo", "errado", "incorreto"}
)
_TRANSFORMS: dict[str | None, Callable[[str], str]] = {
    None: lambda text: text,
    "upper": str.upper,
    "lower": str.lower,
    "strip_spaces": lambda text: "".join(text.split()),
}


def _trim(text: str) -> str:
    """``text`` without surrounding spaces or sentence punctuation after it ("42." -> "42")."""
    return text.strip().rstrip(_TRAILING_PUNCTUATION).rstrip()


def _loose(text: str) -> str:
    """``text`` folded, with punctuation and symbols turned into single spaces, for matching."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


def _is_portuguese(ctx: ParseContext) -> bool:
    return base(ctx.language) == "pt"


def _day_first(ctx: ParseContext) -> bool:
    """Whether "03/04" is the 3rd of April: in Portuguese, and in English outside the United
    States (``en-GB``, ``en-AU``); in plain ``en``, as in American English, the month comes
    first."""
    tag = canonical(ctx.language)
    return _is_portuguese(ctx) or (base(tag) == "en" and tag not in ("en", "en-US"))


def _read_decimal(text: str, ctx: ParseContext) -> Decimal | None:
    """The number in ``text``, with an optional sign and currency, or None if it is not one."""
    trimmed = _trim(text)
    match = _NUMBER.fullmatch(trimmed) if len(trimmed) <= _MAX_NUMBER_LENGTH else None
    if match is None or (match["sign"] and match["inner_sign"]):
        return None
    plain = _plain_number(match["body"], "," if _is_portuguese(ctx) else ".")
    if plain is None:
        return None
    negative = (match["sign"] or match["inner_sign"]) in ("-", "\u2212")  # typographic minus
    # copy_negate, because unary minus would round to the context's 28 digits
    return Decimal(plain).copy_negate() if negative else Decimal(plain)


def _plain_number(body: str, decimal_mark: str) -> str | None:
    """``body`` (digits and separators) as "1234.5", or None if its grouping is wrong."""
    body = re.sub(r"\s", " ", body)
    mark = _decimal_mark(body, decimal_mark)
    whole, fraction = body.rsplit(mark, 1) if mark else (body, "")
    if whole and not whole.isdecimal() and not _GROUPED.fullmatch(whole):
        return None
    if mark and not fraction.isdecimal():
        return None
    digits = re.sub(r"\D", "", whole) or "0"
    return f"{digits}.{fraction}" if fraction else digits


def _decimal_mark(body: str, preferred: str) -> str | None:
    """Which of "." and "," is the decimal mark in ``body``, if any.

    With both, the last one is. A mark repeated is a thousands separator. A single mark is the
    decimal one if it is the language's or spaces already group the thousands; the other mark is
    taken as a thousands separator only where it groups exactly three digits ("1,234" in English,
    "1.234" in Portuguese), so "1.5" still means one and a half to a Portuguese speaker.
    """
    marks = [char for char in body if char in ".,"]
    if not marks:
        return None
    if len(set(marks)) == 2:
        return marks[-1]
    mark = marks[0]
    if len(marks) > 1:
        return None
    if mark == preferred or " " in body:
        return mark
    return None if _GROUPED.fullmatch(body) else mark


def _bounded(value: float, minimum: float | None, maximum: float | None) -> Parsed:
    if minimum is not None and value < minimum:
        return Invalid(f"must be at least {_show(minimum)}")
    if maximum is not None and value > maximum:
        return Invalid(f"must be at most {_show(maximum)}")
    return Valid(value)


def _show(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _email_problem(address: str) -> str | None:
    """Why ``address`` is not an email address, or None if it passes the pragmatic check."""
    if any(char.isspace() for char in address):
        return "an email address has no spaces"
    if address.count("@") != 1:
        return "an email address has exactly one @"
    local, _, domain = address.partition("@")
    if not local:
        return "nothing before the @"
    labels = domain.split(".")
    if len(labels) < 2:
        return "the domain has no dot"
    if not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        return "not a valid domain"
    return None


def _by_number(answer: str, options: Sequence[ChoiceOption]) -> Parsed | None:
    """The option ``answer`` picks by its 1-based number, Invalid if out of range, or None."""
    number = _INDEX.fullmatch(answer)
    if number is None:
        return None
    index = int(number[1])
    if 1 <= index <= len(options):
        return Valid(options[index - 1].value)
    return Invalid(f"there is no option {index}")


def _starts(names: set[str], answer: str) -> bool:
    return any(name.startswith(answer) for name in names)


def _only(options: list[ChoiceOption]) -> Parsed:
    """The one value ``options`` share, or Invalid naming the candidates."""
    values = list(dict.fromkeys(option.value for option in options))
    if len(values) == 1:
        return Valid(values[0])
    return Invalid(f"matches more than one option: {', '.join(values)}")


def _transform(name: str | None) -> Callable[[str], str]:
    try:
        return _TRANSFORMS[name]
    except KeyError:
        known = ", ".join(str(key) for key in _TRANSFORMS if key)
        raise ValueError(f"unknown transform {name!r}; expected one of {known}") from None
