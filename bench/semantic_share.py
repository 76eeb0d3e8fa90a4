"""What the semantic stage of understanding costs a message the bot has never seen, measured in
this process: the CPU time of :meth:`Matcher.decide` on fresh texts of the bench's traffic,
with the example bot as shipped and with ``settings.semantic.model: "off"`` (words only),
taken in turn."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.traffic import Message
from bench.understanding_bench import copies, load
from dialogs.nlu.matching import Matcher


async def decide_ms(messages: Sequence[Message]) -> tuple[float, float]:
    """Median CPU milliseconds (every thread of this process) of one decision on a fresh
    text: semantic on, and off."""
    with tempfile.TemporaryDirectory() as scratch:
        bots = copies(Path(scratch))
        flowsets = load(bots.on), load(bots.off)
    try:
        return _timed(flowsets[0].matcher, flowsets[1].matcher, messages)
    finally:
        for flowset in flowsets:
            await flowset.actions.aclose()


def _timed(on: Matcher, off: Matcher, messages: Sequence[Message]) -> tuple[float, float]:
    on.decide("a message that warms the model up", "en")
    times_on: list[float] = []
    times_off: list[float] = []
    for message in messages:
        for matcher, times in ((off, times_off), (on, times_on)):
            started = time.process_time()
            matcher.decide(message.text, message.language)
            times.append(1000 * (time.process_time() - started))
    return statistics.median(times_on), statistics.median(times_off)
