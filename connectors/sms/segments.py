"""What an SMS costs: GSM-7 versus UCS-2 encoding, segments, and splitting by segments.

A text that uses only the GSM 03.38 alphabet travels as 7-bit septets: 160 in one SMS, 153 per
segment once it is split (the rest of each segment is the concatenation header). One character
outside that alphabet (``ã``, ``ç``, an emoji) turns the whole message into UCS-2: 70 code units
in one SMS, 67 per segment. Characters of the GSM extension table (``€``, ``[``, ``{``...) take
two septets, and neither an escape pair nor a surrogate pair is ever cut between segments.
Carriers bill every segment, so these numbers are what a long or accented text costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.format.text_split import split_text

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet (the escape code itself left out: it is no character)."""

GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
"""Characters reached through the escape code: two septets each."""

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

_LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",  # typographic single quotes, apostrophes and primes
        "\u2019": "'",
        "\u201a": ",",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',  # typographic double quotes and the double prime
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",  # hyphens, dashes and the minus sign
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "-",  # a bullet
        "\u00a0": " ",  # no-break, thin and narrow spaces
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
        "\u200b": None,  # zero-width space
    }
)


class Encoding(StrEnum):
    """How a text travels over SMS."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class Cost:
    """A text's encoding, its length in that encoding's units, and the segments it is billed as."""

    encoding: Encoding
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM-7 alphabet or its extension."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def cost(text: str) -> Cost:
    """What ``text`` costs as one SMS body (0 segments for an empty text)."""
    if is_gsm7(text):
        widths = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        return Cost(Encoding.GSM7, sum(widths), _segments(widths, GSM_SINGLE, GSM_PART))
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return Cost(Encoding.UCS2, sum(widths), _segments(widths, UCS2_SINGLE, UCS2_PART))


def _segments(widths: list[int], single: int, part: int) -> int:
    """Segments needed for characters of these widths, never cutting one between two."""
    total = sum(widths)
    if total == 0:
        return 0
    if total <= single:
        return 1
    count, used = 1, 0
    for width in widths:
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return count


def gsm_friendly(text: str) -> str:
    """``text`` with typographic punctuation replaced by GSM-7 look-alikes, but only when that
    makes the whole text GSM-7: a curly quote should not cost a Portuguese-free text double,
    while a text that is UCS-2 anyway (accents, emoji) keeps its own characters."""
    plain = text.translate(_LOOKALIKES)
    return plain if plain != text and is_gsm7(plain) else text


def split_by_segments(text: str, max_segments: int) -> list[str]:
    """Cut ``text`` into bodies of at most ``max_segments`` segments each, at the most natural
    boundary available (paragraph, line, sentence, word; see
    :func:`bot.format.text_split.split_text`).

    Each body is costed on its own, so a part without accents may travel as GSM-7 even when
    another part of the same text needs UCS-2.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    parts: list[str] = []
    rest = text.strip()
    while cost(rest).segments > max_segments:
        fit = _longest_fit(rest, max_segments)
        head = split_text(rest, fit)[0] or rest[:fit]
        parts.append(head)
        rest = rest[len(head) :].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _longest_fit(text: str, max_segments: int) -> int:
    """The length of the longest prefix of ``text`` that fits in ``max_segments`` (a prefix
    never costs less than a shorter one, so a binary search finds it)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if cost(text[:middle]).segments <= max_segments:
            low = middle
        else:
            high = middle - 1
    return low
