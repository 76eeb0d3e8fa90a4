"""What a message was understood as, in a form a designer can read: the matcher's own decision,
and what the conversation took from it. ``omnibot chat --explain`` prints it before each answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dialogs.nlu.matching import Decision, Match

Stage = Literal["intent", "topic"]


@dataclass(frozen=True, slots=True)
class Understood:
    """One decision a turn acted on: a global intent (``intent``) or a flow or FAQ (``topic``).

    ``taken`` is the match the conversation acted on, ``None`` when it acted on none (the
    fallback or the retry, or a match set aside, such as a phrase of a language the customer
    does not speak).
    """

    stage: Stage
    decision: Decision
    taken: Match | None

    def line(self) -> str:
        """One line: what the message was taken as, on what phrase, its score, the runner-up;
        for a semantic decision the stage, and why its best was refused when it was."""
        decision, taken = self.decision, self.taken
        refusal = decision.refusal()
        if taken is not None:
            head = f"understood as {describe(taken.target)}: {_how(taken)}"
        elif decision.chosen is not None:
            head = f"understood as nothing: {_scored(decision.chosen)} was set aside"
        elif decision.candidates:
            best = decision.candidates[0]
            head = f"understood as nothing: best {_scored(best)}, {refusal}"
        else:
            return "understood as nothing: no trigger shares a word with it"
        shown = taken or decision.candidates[0]
        runner_up = next((m for m in decision.candidates if m.target != shown.target), None)
        line = f"{head}; no runner-up" if runner_up is None else f"{head}; runner-up "
        if runner_up is not None:
            line += _scored(runner_up)
        outside = decision.out_of_scope
        if outside is not None and (refusal is None or "out-of-scope" not in refusal):
            line += f"; nearest out of scope '{outside.phrase}' ({outside.score:.2f})"
        return line


def describe(target: str) -> str:
    """``flow:order`` as ``flow 'order'``, ``faq:hours`` as ``FAQ 'hours'``, ``intent:cancel``
    as ``intent 'cancel'``."""
    kind, _, name = target.partition(":")
    if not name:
        return f"'{target}'"
    return f"{'FAQ' if kind == 'faq' else kind} '{name}'"


def _how(match: Match) -> str:
    return f"{match.how} '{match.phrase}', score {match.score:.2f}"


def _scored(match: Match) -> str:
    return f"{describe(match.target)} ({_how(match)})"
