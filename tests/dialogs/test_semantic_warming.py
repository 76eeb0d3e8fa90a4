"""A worker starting where the phrase cache is empty is ready at once: the semantic stage embeds
its phrases in the background, the matcher decides by words alone meanwhile (and remembers none
of those decisions), and the stage takes over once its vectors are there."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from dialogs.nlu.matching import Matcher, Trigger
from dialogs.nlu.semantic.embedding import PhraseCache, Vectors, e5
from dialogs.nlu.semantic.stage import SemanticRules, SemanticStage

TRIGGERS = [
    Trigger("flow:order", "en", examples=("where is my order", "track my order")),
    Trigger("flow:returns", "en", examples=("return a product", "I want a refund")),
]
RULES = SemanticRules(threshold=0.82, margin=0.005, out_of_scope_margin=0.05)
PARAPHRASE = "money returned please"


class Gated:
    """The real model, held back from embedding a batch of phrases until the test opens it."""

    def __init__(self) -> None:
        self._model = e5("enpt")
        self.open = threading.Event()

    @property
    def name(self) -> str:
        return self._model.name

    def embed(self, texts: Sequence[str]) -> Vectors:
        if len(texts) > 1:  # the stage's phrases, not a customer's message
            assert self.open.wait(60), "the test never opened the gate"
        return self._model.embed(texts)


def test_phrases_missing_from_the_cache_are_embedded_in_the_background(tmp_path: Path) -> None:
    gated = Gated()
    stage = SemanticStage(
        gated, TRIGGERS, ["tell me a joke"], RULES, PhraseCache(tmp_path), background=True
    )
    matcher = Matcher(TRIGGERS, semantic=stage)

    assert not stage.ready
    warming = matcher.decide(PARAPHRASE, "en")
    assert warming.chosen is None  # by words alone, nothing
    assert all(candidate.how != "semantic" for candidate in warming.candidates)
    assert matcher.decide(PARAPHRASE, "en") is not warming  # not remembered

    gated.open.set()
    assert stage.wait(60)
    ready = matcher.decide(PARAPHRASE, "en")
    assert ready.chosen is not None
    assert (ready.chosen.target, ready.chosen.how) == ("flow:returns", "semantic")
    assert matcher.decide(PARAPHRASE, "en") is ready  # remembered from now on


def test_phrases_the_cache_has_make_the_stage_ready_at_once(tmp_path: Path) -> None:
    cache = PhraseCache(tmp_path)
    SemanticStage(e5("enpt"), TRIGGERS, ["tell me a joke"], RULES, cache)  # fills the cache
    gated = Gated()  # never opened: nothing may need embedding
    stage = SemanticStage(gated, TRIGGERS, ["tell me a joke"], RULES, cache, background=True)
    assert stage.ready


def test_without_background_the_stage_embeds_before_it_is_built(tmp_path: Path) -> None:
    stage = SemanticStage(e5("enpt"), TRIGGERS, [], RULES, PhraseCache(tmp_path))
    assert stage.ready
