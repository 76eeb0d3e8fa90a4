"""How well a bot understands: labelled phrases read as a new customer's first message, counted
into per-target precision and recall, out-of-scope phrases that started something, and the
confusions (``omnibot evaluate``).

Each phrase goes through the same :class:`~dialogs.conversation.understanding.Understanding` a
turn uses, in the phrase's language: a request for a language starts nothing, a global intent
comes before a flow or an FAQ, as in a conversation with nothing pending.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.app.config import UnderstandingSection
from bot.turn.customer import Handoff
from dialogs.conversation.understanding import Understanding
from dialogs.conversation.working import Working
from dialogs.design.flowset import FlowSet
from dialogs.nlu.explanation import describe
from dialogs.tools.labelled import Labelled


def understood(flowset: FlowSet, phrase: str, language: str) -> str | None:
    """The target ``phrase`` reaches as a new customer's message in ``language``, or ``None``."""
    working = Working(
        stack=[],
        awaiting=None,
        attempts=0,
        started=True,
        language_sure=True,
        slots={},
        profile={},
        language=language,
        handoff=Handoff(),
    )
    understanding = Understanding(flowset, working)
    if understanding.switch_language(phrase):
        return None
    intent = understanding.intent(phrase)
    if intent is not None:
        return f"intent:{intent}"
    match = understanding.match(phrase)
    return match.target if match is not None else None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One labelled phrase and what the bot made of it."""

    labelled: Labelled
    got: str | None

    @property
    def right(self) -> bool:
        """Whether the phrase reached what it should (nothing, for an out-of-scope one)."""
        return self.got == self.labelled.expect


@dataclass(frozen=True, slots=True)
class Score:
    """Precision and recall of one target (``None`` where nothing was counted)."""

    target: str
    expected: int
    reached: int
    right: int

    @property
    def precision(self) -> float | None:
        """Of the phrases that reached the target, the share that should have."""
        return self.right / self.reached if self.reached else None

    @property
    def recall(self) -> float | None:
        """Of the phrases that should reach the target, the share that did."""
        return self.right / self.expected if self.expected else None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every outcome, and the figures drawn from them."""

    outcomes: list[Outcome]

    @property
    def scores(self) -> list[Score]:
        """Precision and recall of each target expected or reached, by name."""
        expected = Counter(o.labelled.expect for o in self.outcomes if o.labelled.expect)
        reached = Counter(o.got for o in self.outcomes if o.got)
        right = Counter(o.got for o in self.outcomes if o.got and o.right)
        targets = sorted({*expected, *reached})
        return [Score(t, expected[t], reached[t], right[t]) for t in targets]

    @property
    def in_scope(self) -> list[Outcome]:
        """The phrases that should start something."""
        return [o for o in self.outcomes if o.labelled.expect is not None]

    @property
    def out_of_scope(self) -> list[Outcome]:
        """Out-of-scope phrases that started something (false positives)."""
        return [o for o in self.outcomes if o.labelled.expect is None and o.got is not None]

    @property
    def recall(self) -> float:
        """In-scope phrases that reached their target, over all in-scope phrases."""
        scoped = self.in_scope
        return sum(o.right for o in scoped) / len(scoped) if scoped else 1.0

    @property
    def precision(self) -> float:
        """Phrases that started the right thing, over all phrases that started something."""
        started = [o for o in self.outcomes if o.got is not None]
        return sum(o.right for o in started) / len(started) if started else 1.0

    @property
    def confusions(self) -> list[Outcome]:
        """In-scope phrases that reached something else, or nothing."""
        return [o for o in self.in_scope if not o.right]


def evaluate(flowset: FlowSet, labelled: list[Labelled]) -> Evaluation:
    """Every phrase through the bot's understanding."""
    return Evaluation(
        [Outcome(item, understood(flowset, item.phrase, item.language)) for item in labelled]
    )


def shortfalls(evaluation: Evaluation, bounds: UnderstandingSection) -> list[str]:
    """The bot's thresholds (``understanding:`` in bot.yaml) that the evaluation does not meet."""
    failed = []
    if bounds.min_recall is not None and evaluation.recall < bounds.min_recall:
        failed.append(f"recall {evaluation.recall:.2f} is under min_recall {bounds.min_recall}")
    if bounds.min_precision is not None and evaluation.precision < bounds.min_precision:
        failed.append(
            f"precision {evaluation.precision:.2f} is under min_precision {bounds.min_precision}"
        )
    started = len(evaluation.out_of_scope)
    if bounds.max_out_of_scope is not None and started > bounds.max_out_of_scope:
        failed.append(
            f"{started} out-of-scope phrases started something, "
            f"over max_out_of_scope {bounds.max_out_of_scope}"
        )
    return failed


def report(evaluation: Evaluation) -> list[str]:
    """The figures as lines for the terminal: a table, the false positives, the confusions."""
    outcomes = evaluation.outcomes
    languages = Counter(o.labelled.language for o in outcomes)
    spread = ", ".join(f"{language} {count}" for language, count in sorted(languages.items()))
    out_of_scope = len(outcomes) - len(evaluation.in_scope)
    lines = [
        f"{len(outcomes)} phrases ({spread}), {out_of_scope} of them out of scope",
        "",
        f"{'target':<34} {'precision':>9} {'recall':>7} {'phrases':>8}",
    ]
    for score in evaluation.scores:
        lines.append(
            f"{describe(score.target):<34} {_figure(score.precision):>9} "
            f"{_figure(score.recall):>7} {score.expected:>8}"
        )
    lines.append(
        f"{'overall':<34} {_figure(evaluation.precision):>9} "
        f"{_figure(evaluation.recall):>7} {len(evaluation.in_scope):>8}"
    )
    lines.append(f"recall by language: {_by_language(evaluation.in_scope)}")
    started = evaluation.out_of_scope
    lines += ["", f"out of scope: {len(started)} of {out_of_scope} started something"]
    lines += [f"  {_phrase(o)} → {describe(o.got or '')}" for o in started]
    confusions = evaluation.confusions
    lines += ["", f"confusions (expected → got): {len(confusions)}"]
    lines += [
        f"  {describe(o.labelled.expect or '')} → {describe(o.got) if o.got else 'nothing'}: "
        f"{_phrase(o)}"
        for o in confusions
    ]
    return lines


def _by_language(outcomes: list[Outcome]) -> str:
    """``en 10/15, pt 8/12``: in-scope phrases understood right, by language."""
    right = Counter(o.labelled.language for o in outcomes if o.right)
    every = Counter(o.labelled.language for o in outcomes)
    return ", ".join(
        f"{language} {right[language]}/{every[language]}" for language in sorted(every)
    )


def _phrase(outcome: Outcome) -> str:
    return f'"{outcome.labelled.phrase}" ({outcome.labelled.language})'


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
