"""Which flow, FAQ or intent a customer's message triggers: keywords, patterns and example phrases.

Everything is compared after :func:`normalise`, so designers and customers need not agree on
case, accents or punctuation. Keywords must appear as whole words and are not stemmed: the
keyword ``order`` does not fire on "orders", because stemming is language-specific and the
matcher knows no languages. Designers list the forms they want (``order``, ``orders``) or write a
pattern (``\\borders?\\b``); example phrases cover inflections and typos fuzzily.

Example phrases are compared by TF-IDF cosine similarity over word unigrams and character
trigrams within words. Trigrams are what make "oder" look like "order"; the IDF, computed over
every example phrase, is what keeps words that many examples share ("i want", "please", "my")
from carrying a match on their own.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from dialogs.nlu.semantic.stage import SemanticStage

# A word feature starts with a space, which never occurs inside a normalised word, so the word
# "ord" and the trigram "ord" of "order" stay distinct features.
_WORD_PREFIX = " "
# The IDF given to a feature no example has: the same as a feature every example has, since
# neither tells targets apart. Counting it at all keeps a long message that shares one common
# word with an example from looking like that example; counting it as a rare feature would let
# one typo, or a polite "could you tell me", sink a good match.
_UNSEEN_IDF = 1.0

_Vector = dict[str, float]
REMEMBERED = 2048
"""How many distinct messages a :class:`Matcher` keeps its answers for."""
SURE = 0.9
"""An example match at least this close needs no second opinion: the semantic stage is asked
only about messages no keyword or pattern fires on and no example is this close to."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """One way a customer can reach ``target`` in ``language`` (``None``: any language).

    Keywords and examples are plain text; the matcher normalises them. Patterns are searched in
    the *normalised* message, so they must be written in lowercase, without accents, with spaces
    where the customer may type punctuation: ``r"\\bnota fiscal\\b"``, not ``r"Nota-Fiscal"``.

    Raises ``ValueError`` for a keyword or example without a letter or digit, which would
    otherwise fire on every message or on none.
    """

    target: str
    language: str | None
    keywords: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    examples: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for kind, phrases in (("keyword", self.keywords), ("example", self.examples)):
            for phrase in phrases:
                if not normalise(phrase):
                    raise ValueError(
                        f"trigger {self.target!r}: {kind} {phrase!r} has no letters or digits"
                    )


@dataclass(frozen=True, slots=True)
class Match:
    """The ``target`` a message triggered, ``how``, and how sure the matcher is (0 to 1).

    ``language`` is the language of the trigger that matched (``None`` for a neutral one);
    ``phrase`` is what matched: the keyword, the pattern or the example phrase, as written (for
    explanations; two matches of one target, score and kind are equal whatever the phrase).
    """

    target: str
    score: float
    language: str | None
    how: str
    phrase: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the matcher made of one message: the candidates it ranked, best first (one per
    target), and what the best had to reach. ``chosen`` is what acts on the message;
    ``runner_up`` is the next candidate, so that a designer sees how close the call was.

    A semantic decision (``how == "semantic"``) also asks the best to beat the runner-up by
    ``margin`` and the nearest out-of-scope phrase (``out_of_scope``) by
    ``out_of_scope_margin``. ``omnibot chat --explain`` shows it and ``omnibot evaluate``
    counts it.
    """

    text: str
    language: str | None
    threshold: float
    candidates: tuple[Match, ...]
    margin: float = 0.0
    out_of_scope: Match | None = None
    out_of_scope_margin: float = 0.0

    @property
    def chosen(self) -> Match | None:
        """The best candidate when it is sure enough (:meth:`refusal` is ``None``)."""
        return self.candidates[0] if self.candidates and self.refusal() is None else None

    @property
    def runner_up(self) -> Match | None:
        """The candidate after the best one, if any."""
        return self.candidates[1] if len(self.candidates) > 1 else None

    def refusal(self) -> str | None:
        """Why the best candidate is not taken, in a designer's words; ``None`` when it is."""
        if not self.candidates:
            return "no candidate"
        best, runner_up, outside = self.candidates[0], self.runner_up, self.out_of_scope
        if best.score < self.threshold:
            return f"under the threshold {self.threshold:.2f}"
        if runner_up is not None and best.score - runner_up.score < self.margin:
            return f"not {self.margin:.3f} ahead of the runner-up"
        if outside is not None and best.score - outside.score < self.out_of_scope_margin:
            return (
                f"not {self.out_of_scope_margin:.3f} ahead of the out-of-scope phrase "
                f"'{outside.phrase}' ({outside.score:.2f})"
            )
        return None


class _Hit(NamedTuple):
    """A trigger that fired, in the order hits are ranked: rules first, then score, then
    declaration order."""

    rank: int
    negated_score: float
    trigger: int
    how: str
    phrase: str


_RULE_RANK = 0
_EXAMPLE_RANK = 1


class Matcher:
    """Finds the target a message triggers among ``triggers``.

    Keyword and pattern matches score 1.0 and beat any example match; an example match counts
    from ``threshold`` up. Ties go to the trigger declared first, so the answer is deterministic.

    The answers for the last :data:`REMEMBERED` distinct messages are kept: a turn asks about
    the same text several times (global intents, then flows, in the customer's language and in
    any), and customers repeat one another ("hi", "yes", "2").
    """

    def __init__(
        self,
        triggers: Sequence[Trigger],
        threshold: float = 0.5,
        semantic: SemanticStage | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self._threshold = threshold
        self._semantic = semantic
        self._triggers = tuple(triggers)
        self._keywords = tuple(_padded_keywords(trigger) for trigger in self._triggers)
        self._rules = tuple(
            index
            for index, trigger in enumerate(self._triggers)
            if trigger.keywords or trigger.patterns
        )
        self._examples = _ExampleIndex(self._triggers)
        self._allowed: dict[str | None, list[bool]] = {}
        self._remembered: OrderedDict[tuple[str, str | None, int], tuple[Match, ...]] = (
            OrderedDict()
        )
        self._decided: OrderedDict[tuple[str, str | None], Decision] = OrderedDict()

    @property
    def remembered(self) -> int:
        """How many answers are remembered now (at most :data:`REMEMBERED`)."""
        return len(self._remembered)

    @property
    def semantic(self) -> SemanticStage | None:
        """The semantic stage asked when this lexical one is not sure, if the bot has one."""
        return self._semantic

    @property
    def threshold(self) -> float:
        """The score an example match must reach to count."""
        return self._threshold

    def match(self, text: str, language: str | None = None) -> Match | None:
        """The best match for ``text`` from a customer speaking ``language``, or ``None``."""
        return self.decide(text, language).chosen

    def decide(self, text: str, language: str | None = None) -> Decision:
        """The decision for ``text`` from a customer speaking ``language``: the best two
        candidates and what they had to reach, from which :attr:`Decision.chosen` follows.

        The lexical stage decides when a keyword or pattern fires or an example is at least
        :data:`SURE` close; otherwise the semantic stage does, when the bot has one. Decisions
        are remembered like :meth:`ranked`'s answers.
        """
        asked = (text, language)
        known = self._decided.get(asked)
        if known is not None:
            self._decided.move_to_end(asked)
            return known
        decision = self._decide(text, language)
        if self._semantic is not None and not self._semantic.ready:
            return decision  # words only while the stage warms up: not worth remembering
        self._decided[asked] = decision
        if len(self._decided) > REMEMBERED:
            self._decided.popitem(last=False)
        return decision

    async def prepare(self, text: str, language: str | None = None) -> None:
        """Let the semantic stage embed ``text`` off the event loop when :meth:`decide` will
        ask it (the turn awaits this before it decides: its own answer, nobody else's)."""
        semantic = self._semantic
        if semantic is None or (text, language) in self._decided:
            return
        if self._asks_semantic(text, self.ranked(text, language, limit=2)):
            await semantic.prepare(text)

    def _asks_semantic(self, text: str, candidates: Sequence[Match]) -> bool:
        """Whether the semantic stage decides ``text``: it is ready and no keyword, pattern
        or example at least :data:`SURE` close settles it."""
        best = candidates[0] if candidates else None
        sure = best is not None and (best.how != "example" or best.score >= SURE)
        semantic = self._semantic
        return semantic is not None and semantic.ready and not sure and bool(normalise(text))

    def _decide(self, text: str, language: str | None) -> Decision:
        candidates = tuple(self.ranked(text, language, limit=2))
        lexical = Decision(text, language, self._threshold, candidates)
        semantic = self._semantic
        if semantic is None or not self._asks_semantic(text, candidates):
            return lexical
        scores = {
            match.target: match.score
            for match in self.ranked(text, language, limit=max(1, len(self._triggers)))
            if match.how == "example"
        }
        return semantic.decide(text, language, self._allowed_for(language), scores)

    def ranked(self, text: str, language: str | None = None, limit: int = 5) -> list[Match]:
        """Up to ``limit`` candidate targets for ``text``, best first, one match per target.

        Example matches under the threshold are included, so a designer can see near misses;
        compare ``score`` with the threshold before acting on them. With ``language``, only
        triggers of a related language (``pt`` for ``pt-BR``, and the reverse) or of none take
        part; with ``None``, all do.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        asked = (text, language, limit)
        known = self._remembered.get(asked)
        if known is not None:
            self._remembered.move_to_end(asked)
            return list(known)
        found = self._rank(text, language, limit)
        self._remembered[asked] = tuple(found)
        if len(self._remembered) > REMEMBERED:
            self._remembered.popitem(last=False)
        return found

    def _rank(self, text: str, language: str | None, limit: int) -> list[Match]:
        normalised = normalise(text)
        if not normalised:
            return []
        allowed = self._allowed_for(language)
        hits = self._rule_hits(normalised, allowed)
        hits += self._examples.hits(normalised, allowed)
        hits.sort()
        return _best_per_target((self._to_match(hit) for hit in hits), limit)

    def _allowed_for(self, language: str | None) -> list[bool]:
        """Which triggers take part for a customer speaking ``language`` (computed once)."""
        allowed = self._allowed.get(language)
        if allowed is None:
            allowed = [_related(trigger.language, language) for trigger in self._triggers]
            self._allowed[language] = allowed
        return allowed

    def _rule_hits(self, normalised: str, allowed: list[bool]) -> list[_Hit]:
        """Triggers whose keywords or patterns fire on the normalised message."""
        padded = f" {normalised} "
        hits: list[_Hit] = []
        for index in self._rules:
            trigger = self._triggers[index]
            if not allowed[index]:
                continue
            rule = _fired_rule(trigger, self._keywords[index], padded, normalised)
            if rule is not None:
                hits.append(_Hit(_RULE_RANK, -1.0, index, *rule))
        return hits

    def _to_match(self, hit: _Hit) -> Match:
        trigger = self._triggers[hit.trigger]
        return Match(trigger.target, -hit.negated_score, trigger.language, hit.how, hit.phrase)


def _fired_rule(
    trigger: Trigger, padded_keywords: tuple[str, ...], padded: str, normalised: str
) -> tuple[str, str] | None:
    """How ``trigger`` fires on the message, and on what: its first keyword found in the
    ``padded`` message, else its first pattern found in the ``normalised`` one."""
    for keyword, padded_keyword in zip(trigger.keywords, padded_keywords, strict=True):
        if padded_keyword in padded:
            return "keyword", keyword
    for pattern in trigger.patterns:
        if pattern.search(normalised):
            return "pattern", pattern.pattern
    return None


def _padded_keywords(trigger: Trigger) -> tuple[str, ...]:
    """Normalised keywords between spaces, so that a substring test on the message padded the
    same way finds them only on word boundaries."""
    return tuple(f" {normalise(keyword)} " for keyword in trigger.keywords)


def _best_per_target(ordered: Iterable[Match], limit: int) -> list[Match]:
    """The first (best) match of each target in ``ordered``, at most ``limit`` of them."""
    seen: set[str] = set()
    best: list[Match] = []
    for match in ordered:
        if match.target not in seen:
            seen.add(match.target)
            best.append(match)
            if len(best) == limit:
                break
    return best


class _ExampleIndex:
    """Unit-length TF-IDF vectors of every example phrase, stored as an inverted index.

    A message is scored only against the examples sharing at least one feature with it, so the
    cost follows the overlap, not the number of examples.
    """

    def __init__(self, triggers: Sequence[Trigger]) -> None:
        self._owner: list[int] = []
        self._written: list[str] = []
        self._exact: dict[str, list[int]] = {}
        counts: list[Counter[str]] = []
        for index, trigger in enumerate(triggers):
            for example in trigger.examples:
                normalised = normalise(example)
                self._exact.setdefault(normalised, []).append(len(self._owner))
                self._owner.append(index)
                self._written.append(example)
                counts.append(_features(normalised))
        self._idf = _idf(counts)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for example_id, features in enumerate(counts):
            vector = _weigh(features, self._idf)
            length = _norm(vector)
            for feature, weight in vector.items():
                self._postings.setdefault(feature, []).append((example_id, weight / length))

    def hits(self, normalised: str, allowed: list[bool]) -> list[_Hit]:
        """The best-scoring example of each allowed trigger that shares a feature with the
        message; an example equal to the message scores exactly 1.0."""
        scores = self._similarities(normalised)
        for example in self._exact.get(normalised, ()):
            scores[example] = 1.0
        best: dict[int, tuple[float, int]] = {}
        for example, score in scores.items():
            owner = self._owner[example]
            if allowed[owner] and score > best.get(owner, (0.0, 0))[0]:
                best[owner] = (score, example)
        return [
            _Hit(_EXAMPLE_RANK, -score, owner, "example", self._written[example])
            for owner, (score, example) in best.items()
        ]

    def _similarities(self, normalised: str) -> dict[int, float]:
        """Cosine similarity of the message with each example sharing a feature with it."""
        query = _weigh(_features(normalised), self._idf)
        query_length = _norm(query)
        dots: dict[int, float] = {}
        for feature, weight in query.items():
            for example, example_weight in self._postings.get(feature, ()):
                dots[example] = dots.get(example, 0.0) + weight * example_weight
        # Rounding can push a perfect match a hair over 1.
        return {example: min(dot / query_length, 1.0) for example, dot in dots.items()}


def _features(normalised: str) -> Counter[str]:
    """Word unigrams, and the character trigrams of each word between boundary markers
    (``<order>``), with their counts."""
    features: Counter[str] = Counter()
    for word in normalised.split():
        features[_WORD_PREFIX + word] += 1
        marked = f"<{word}>"
        features.update(marked[i : i + 3] for i in range(len(marked) - 2))
    return features


def _idf(documents: Sequence[Counter[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of each feature over ``documents``."""
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(document.keys())
    total = len(documents)
    return {feature: math.log((1 + total) / (1 + df)) + 1.0 for feature, df in frequency.items()}


def _weigh(features: Counter[str], idf: dict[str, float]) -> _Vector:
    """Sublinear TF-IDF weights of ``features``."""
    return {
        feature: (1.0 + math.log(count)) * idf.get(feature, _UNSEEN_IDF)
        for feature, count in features.items()
    }


def _norm(vector: _Vector) -> float:
    return math.sqrt(sum(weight * weight for weight in vector.values()))


def _related(trigger_language: str | None, language: str | None) -> bool:
    """Whether a trigger in ``trigger_language`` serves a customer speaking ``language``.

    Tags are related when they are equal or one is a regional variant of the other: a ``pt``
    trigger serves a ``pt-BR`` customer and a ``pt-BR`` trigger a ``pt`` one, but ``pt-BR`` and
    ``pt-PT`` are not related.
    """
    if trigger_language is None or language is None:
        return True
    mine, theirs = _tag(trigger_language), _tag(language)
    return mine == theirs or theirs.startswith(mine + "-") or mine.startswith(theirs + "-")


def _tag(language: str) -> str:
    return language.strip().lower().replace("_", "-")


def normalise(text: str) -> str:
    """``text`` casefolded, without accents, with punctuation turned into single spaces.

    Letters and digits of any script survive. Nonspacing marks (accents, diacritics) are
    dropped; spacing marks stay part of their word, because in scripts such as Devanagari they
    are vowels, not decoration.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = "".join(_fold_char(char) for char in folded)
    # Recomposing puts syllables decomposed above (Hangul) back together.
    return " ".join(unicodedata.normalize("NFC", kept).split())


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """What one decomposed character becomes: itself, nothing (a nonspacing mark), or a space."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return ""
    if category[0] in "LN" or category == "Mc":
        return char
    return " "
