"""Language tags as people write them (``pt-BR``, ``pt_br``, ``EN-gb``), read the BCP 47 way.

A bot speaks a list of languages; texts, triggers and customers name languages too. Tags are
compared case-insensitively, in their canonical form (``pt-BR``), and a tag without a region
stands for every region of its language: a text given for ``pt`` serves a ``pt-BR`` and a
``pt-PT`` customer, while a text given for ``pt-BR`` serves a ``pt-BR`` customer before ``pt``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import TypeVar

from babel import Locale, UnknownLocaleError

T = TypeVar("T")


@lru_cache(maxsize=1024)
def canonical(tag: str) -> str:
    """The BCP 47 form of ``tag``: language lowercase, script titlecase, region uppercase
    (``pt_br`` → ``pt-BR``, ``zh-hant-tw`` → ``zh-Hant-TW``). Remembered: a turn reads the
    bot's few tags a dozen times."""
    language, *subtags = tag.strip().replace("_", "-").split("-")
    return "-".join([language.lower(), *(_subtag(part) for part in subtags)])


def _subtag(part: str) -> str:
    if len(part) == 2 and part.isalpha():
        return part.upper()
    if len(part) == 4 and part.isalpha():
        return part.title()
    return part.lower()


def base(tag: str) -> str:
    """The language of ``tag`` without script or region: ``pt`` for ``pt-BR``."""
    return canonical(tag).split("-", 1)[0]


def lookup(language: str, fallback: str | None = None) -> Iterator[str]:
    """The tags to look a text up by for a customer speaking ``language``, best first: the tag
    itself, its base language, then ``fallback`` (the bot's first language) and its base."""
    seen: set[str] = set()
    for tag in (language, fallback):
        if tag is None:
            continue
        for candidate in (canonical(tag), base(tag)):
            if candidate not in seen:
                seen.add(candidate)
                yield candidate


def pick(texts: Mapping[str, T], language: str, fallback: str | None = None) -> T | None:
    """The entry of ``texts`` (keyed by language tags as written) that serves ``language``, in
    the order of :func:`lookup`; ``None`` when none does."""
    by_tag = {canonical(key): value for key, value in texts.items()}
    for tag in lookup(language, fallback):
        if tag in by_tag:
            return by_tag[tag]
    return None


def closest(tag: str, languages: Iterable[str]) -> str | None:
    """The one of ``languages`` a customer naming ``tag`` is best served in: the same tag, else
    the first with the same base language (``pt`` or ``pt-PT`` → a bot's ``pt-BR``)."""
    wanted = canonical(tag)
    spoken = list(languages)
    for language in spoken:
        if canonical(language) == wanted:
            return language
    for language in spoken:
        if base(language) == base(wanted):
            return language
    return None


def serves(key: str, language: str) -> bool:
    """Whether a text given for ``key`` serves a customer speaking ``language``: the same tag,
    or the base language of it (a ``pt`` text serves ``pt-BR``)."""
    return canonical(key) in (canonical(language), base(language))


def language_name(tag: str) -> str:
    """A language as its speakers name it (``en`` → *English*, ``pt-BR`` → *Português
    (Brasil)*); a tag Babel does not know, as it is."""
    try:
        name = Locale.parse(canonical(tag), sep="-").get_display_name()
    except (ValueError, TypeError, UnknownLocaleError):
        return tag
    return name[:1].upper() + name[1:] if name else tag
