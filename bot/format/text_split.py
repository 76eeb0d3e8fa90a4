"""Splitting a long text into chunks a channel accepts, at the most natural boundary available."""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"[.!?…。][\"')\]]*(?=\s)")
_BOUNDARIES: tuple[Callable[[str], int], ...] = (
    lambda window: window.rfind("\n\n"),
    lambda window: window.rfind("\n"),
    lambda window: max((m.end() for m in _SENTENCE_END.finditer(window)), default=-1),
    lambda window: max(window.rfind(" "), window.rfind("\t")),
)


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into chunks of at most ``limit`` characters.

    Prefers a paragraph break, then a line break, then the end of a sentence, then a space, and
    only cuts inside a word when a single word is longer than the limit. A boundary is used only
    if it keeps at least half of the window, so chunks are not needlessly small.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut(rest[: limit + 1], limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _cut(window: str, limit: int) -> int:
    """Where the chunk ends (exclusive): at a boundary in ``window`` (the first ``limit + 1``
    characters, so a break just after a full chunk counts), or at ``limit``."""
    for boundary in _BOUNDARIES:
        position = boundary(window)
        if limit // 2 <= position <= limit:
            return position
    return limit
