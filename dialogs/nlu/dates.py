"""Reading the dates customers type, in English or Portuguese, as calendar dates.

Understood forms: ISO (``2026-11-22``); numeric with ``/``, ``-`` or ``.`` (``22/11/2026``,
``11/22/26``, ``22/11``); month names and abbreviations in either language (``22 Nov 2026``,
``November 22, 2026``, ``22 de novembro``); a bare day of the month (``dia 22``, ``the 22nd``);
relative words (``today``, ``amanhã``, ``depois de amanhã``, ``in 3 days``, ``há 2 semanas``);
and weekday names (``friday``, ``próxima sexta``, ``segunda-feira passada``). Accents are optional.

Answers that leave something out are completed towards the future: a missing year or month gives
the next such date, today included, and a weekday gives the next such day, never today. When the
caller looks back (a slot that takes only past dates) they are completed towards the past instead.
"next" and "last" ("próxima", "passada") always point forward and backward.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta


class DateError(ValueError):
    """The text is not a date, or names a day the calendar does not have; the message says which."""


def fold(text: str) -> str:
    """``text`` in lower case without accents, so that "Amanhã" and "amanha" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def read_date(text: str, *, today: date, day_first: bool, look_back: bool = False) -> date:
    """The date that ``text`` names, as seen on ``today``.

    ``day_first`` settles numeric dates that could be read either way ("03/04"); one that can only
    be read one way ("25/12") is read that way. ``look_back`` completes partial dates towards the
    past. Raises :class:`DateError` when the text is not a date or names an impossible one.
    """
    anchor = _Anchor(today, day_first, look_back)
    tidy = _tidy(text)
    found = _read(tidy, anchor)
    if found is None:
        found = _read_after_weekday(tidy, anchor)
    if found is None:
        raise DateError("not a date")
    return found


@dataclass(frozen=True, slots=True)
class _Anchor:
    today: date
    day_first: bool
    look_back: bool

    @property
    def step(self) -> int:
        """The direction in which partial dates are completed: +1 forward, -1 backward."""
        return -1 if self.look_back else 1


_Reader = Callable[[str, _Anchor], date | None]

_MONTHS: Mapping[str, int] = {
    name: number
    for names in (
        "january february march april may june july august september october november december",
        "janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro",
    )
    for number, name in enumerate(names.split(), start=1)
}
_WEEKDAYS: Mapping[str, int] = {
    name: number
    for names in (
        "monday tuesday wednesday thursday friday saturday sunday",
        "segunda terca quarta quinta sexta sabado domingo",
    )
    for number, name in enumerate(names.split())
}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RELATIVE_DAYS: Mapping[str, int] = {
    "today": 0,
    "hoje": 0,
    "tomorrow": 1,
    "amanha": 1,
    "yesterday": -1,
    "ontem": -1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    "depois de amanha": 2,
    "day before yesterday": -2,
    "the day before yesterday": -2,
    "anteontem": -2,
    "antes de ontem": -2,
}
_AMOUNT = r"(?P<count>\d{1,4}|an?|one|uma?) (?P<unit>days?|weeks?|dias?|semanas?)"
_AHEAD = (
    re.compile(rf"(?:in|within|daqui a|daqui|em|dentro de) {_AMOUNT}"),
    re.compile(rf"{_AMOUNT} (?:from now|from today)"),
)
_BEHIND = (
    re.compile(rf"{_AMOUNT} ago"),
    re.compile(rf"(?:ha|faz) {_AMOUNT}(?: atras)?"),
    re.compile(rf"{_AMOUNT} atras"),
)
_NEXT_WORDS = frozenset({"next", "coming", "proxima", "proximo"})
_LAST_WORDS = frozenset({"last", "previous", "past", "passada", "passado", "ultima", "ultimo"})
_WEEKDAY_FILLERS = frozenset(
    {"on", "this", "a", "o", "na", "no", "nesta", "neste", "nessa", "nesse", "esta", "este"}
    | {"essa", "esse", "feira"}
)
_DATE_FILLERS = frozenset({"on", "the", "of", "day", "de", "do", "da", "dia", "no", "em"})
_ISO = re.compile(r"(?P<year>\d{4})([-/.])(?P<month>\d{1,2})\2(?P<day>\d{1,2})")
_NUMERIC = re.compile(r"(?P<first>\d{1,2})([-/.])(?P<second>\d{1,2})(?:\2(?P<year>\d{4}|\d{2}))?")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|o)\b")
_PT_NUMBERED_WEEKDAY = re.compile(r"([2-6])a")


def _tidy(text: str) -> str:
    """Folded, with sentence punctuation, commas, ordinal suffixes and extra spaces gone."""
    tidy = fold(text).strip().rstrip(".!?;,…")
    tidy = re.sub(r"(?<=[a-z])\.", "", tidy.replace(",", " "))  # "nov." -> "nov"
    tidy = re.sub(r"(?<=[a-z])-|-(?=[a-z])", " ", tidy)  # "segunda-feira", "22-nov-2026"
    tidy = _ORDINAL.sub(r"\1", tidy)
    return " ".join(tidy.split())


def _read(tidy: str, anchor: _Anchor) -> date | None:
    readers: tuple[_Reader, ...] = (_relative, _counted, _weekday, _iso, _numeric, _worded)
    for reader in readers:
        found = reader(tidy, anchor)
        if found is not None:
            return found
    return None


def _read_after_weekday(tidy: str, anchor: _Anchor) -> date | None:
    """A date after a weekday, as in "sexta, 27/11": the weekday must agree with the date."""
    first, _, rest = tidy.partition(" ")
    weekday = _weekday_number(first)
    rest = rest.removeprefix("feira ")
    if weekday is None or not rest:
        return None
    found = _read(rest, anchor)
    if found is not None and found.weekday() != weekday:
        actual, said = _WEEKDAY_NAMES[found.weekday()], _WEEKDAY_NAMES[weekday]
        raise DateError(f"{found.isoformat()} is a {actual}, not a {said}")
    return found


def _relative(tidy: str, anchor: _Anchor) -> date | None:
    offset = _RELATIVE_DAYS.get(tidy)
    return None if offset is None else _shift(anchor.today, offset)


def _counted(tidy: str, anchor: _Anchor) -> date | None:
    """ "in 3 days", "daqui a 2 semanas", "3 days ago", "há 1 semana"."""
    for patterns, sign in ((_AHEAD, 1), (_BEHIND, -1)):
        for pattern in patterns:
            match = pattern.fullmatch(tidy)
            if match is not None:
                count = int(match["count"]) if match["count"].isdecimal() else 1
                days = count * (7 if match["unit"].startswith(("week", "semana")) else 1)
                return _shift(anchor.today, sign * days)
    return None


def _weekday(tidy: str, anchor: _Anchor) -> date | None:
    """ "friday", "next friday", "segunda-feira", "próxima sexta", "sexta que vem"."""
    direction, weekday = anchor.step, None
    for word in tidy.replace("que vem", "next").split():
        if word in _NEXT_WORDS or word in _LAST_WORDS:
            direction = 1 if word in _NEXT_WORDS else -1
        elif weekday is None and (number := _weekday_number(word)) is not None:
            weekday = number
        elif word not in _WEEKDAY_FILLERS:
            return None
    if weekday is None:
        return None
    # Never today: "monday" said on a Monday means the one a week away (or a week ago).
    days = ((weekday - anchor.today.weekday()) * direction) % 7 or 7
    return _shift(anchor.today, days * direction)


def _iso(tidy: str, anchor: _Anchor) -> date | None:
    match = _ISO.fullmatch(tidy)
    if match is None:
        return None
    return _calendar_date(int(match["year"]), int(match["month"]), int(match["day"]))


def _numeric(tidy: str, anchor: _Anchor) -> date | None:
    """ "22/11/2026", "11-22-26", "22.11": the date order decides only when both readings work."""
    match = _NUMERIC.fullmatch(re.sub(r" ?([-/.]) ?", r"\1", tidy))
    if match is None:
        return None
    first, second = int(match["first"]), int(match["second"])
    day_first = anchor.day_first
    if (second if day_first else first) > 12 >= (first if day_first else second):
        day_first = not day_first
    day, month = (first, second) if day_first else (second, first)
    return _complete(anchor, match["year"], month, day)


def _worded(tidy: str, anchor: _Anchor) -> date | None:
    """ "22 nov 2026", "november 22", "22 de novembro de 2026", "dia 22", "the 22nd"."""
    words = [word for word in tidy.split() if word not in _DATE_FILLERS]
    kinds = "".join(_kind(word) for word in words)
    if kinds == "d":
        return _complete_day(anchor, int(words[0]))
    if re.fullmatch("dm[dy]?|md[dy]?", kinds):
        day, month = (words[0], words[1]) if kinds[0] == "d" else (words[1], words[0])
        year = words[2] if len(words) == 3 else None
        return _complete(anchor, year, _month_number(month) or 0, int(day))
    if kinds in ("m", "my"):
        raise DateError("missing the day")
    return None


def _kind(word: str) -> str:
    """What a word can be in a date: "d" a day (or short year), "y" a year, "m" a month."""
    if word.isdecimal():
        return {1: "d", 2: "d", 4: "y"}.get(len(word), "?")
    return "m" if _month_number(word) is not None else "?"


def _month_number(word: str) -> int | None:
    return _by_prefix(word, _MONTHS)


def _weekday_number(word: str) -> int | None:
    match = _PT_NUMBERED_WEEKDAY.fullmatch(word)  # "2ª" (segunda) is Monday, "6ª" is Friday
    return int(match[1]) - 2 if match else _by_prefix(word, _WEEKDAYS)


def _by_prefix(word: str, names: Mapping[str, int]) -> int | None:
    """The number of the only name ``word`` begins (at least three letters: "nov", "sex")."""
    if len(word) < 3 or not word.isalpha():
        return None
    found = {number for name, number in names.items() if name.startswith(word)}
    return found.pop() if len(found) == 1 else None


def _complete(anchor: _Anchor, year: str | None, month: int, day: int) -> date:
    """The date, with a two-digit year widened and a missing year filled in from ``anchor``."""
    if year is None:
        return _complete_year(anchor, month, day)
    number = int(year)
    if len(year) == 2:
        number = _widen_year(number, anchor.today)
    return _calendar_date(number, month, day)


def _widen_year(short: int, today: date) -> int:
    """A two-digit year placed within 80 years before and 20 years after ``today``."""
    year = today.year // 100 * 100 + short
    if year > today.year + 20:
        return year - 100
    if year <= today.year - 80:
        return year + 100
    return year


def _complete_year(anchor: _Anchor, month: int, day: int) -> date:
    """The next (or last) ``day`` of ``month`` counted from today, today included."""
    _calendar_date(2000, month, day)  # rejects 31/02 and 30/02 at once; 29/02 waits a leap year
    year = anchor.today.year
    for _ in range(9):
        if _fits(year, month, day):
            found = date(year, month, day)
            if (found - anchor.today).days * anchor.step >= 0:
                return found
        year += anchor.step
    raise DateError("too far away")


def _complete_day(anchor: _Anchor, day: int) -> date:
    """The next (or last) ``day`` of a month counted from today, today included."""
    if not 1 <= day <= 31:
        raise DateError("no such day of the month")
    year, month = anchor.today.year, anchor.today.month
    for _ in range(13):
        if _fits(year, month, day):
            found = date(year, month, day)
            if (found - anchor.today).days * anchor.step >= 0:
                return found
        year, month = divmod(year * 12 + month - 1 + anchor.step, 12)
        month += 1
    raise DateError("too far away")


def _fits(year: int, month: int, day: int) -> bool:
    return date.min.year <= year <= date.max.year and day <= calendar.monthrange(year, month)[1]


def _calendar_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateError("not a real calendar date") from exc


def _shift(today: date, days: int) -> date:
    try:
        return today + timedelta(days=days)
    except OverflowError as exc:
        raise DateError("too far away") from exc
