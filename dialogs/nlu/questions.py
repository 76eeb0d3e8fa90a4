"""Whether a message is a question, in English or Portuguese: it ends with "?" or starts with a
question word ("what time do you close", "quanto custa a entrega"). A free-text slot that judges
its answers refuses one, so that a question is never taken, nor remembered, as a name."""

from __future__ import annotations

from dialogs.nlu.matching import normalise

_OPENERS = frozenset(
    {"what", "when", "where", "who", "whom", "whose", "why", "how", "which"}
    | {"can", "could", "does", "did", "is", "are", "would", "should", "shall"}
    | {"que", "quando", "onde", "aonde", "quem", "porque", "como", "qual", "quais", "cade"}
    | {"quanto", "quanta", "quantos", "quantas", "sera", "pode", "posso", "podem", "voces"}
)
"""Words that open a question and no name: "will", "may" and "do" are names too."""

_TWO_WORD_OPENERS = frozenset({"o que", "por que", "e se"})


def is_question(text: str) -> bool:
    """Whether ``text`` asks something: a "?" at its end (or "¿" at its start), or a question
    word first."""
    stripped = text.strip()
    if stripped.endswith("?") or stripped.startswith("¿"):
        return True
    words = normalise(stripped).split()
    if not words:
        return False
    return words[0] in _OPENERS or " ".join(words[:2]) in _TWO_WORD_OPENERS
