"""What ``omnibot chat --explain`` says a message was understood as: the decision the turn
acted on, told as it was taken."""

from __future__ import annotations

from pathlib import Path

from dialogs.nlu.explanation import Understood
from dialogs.nlu.matching import Decision, Match
from tests.dialogs.kit import bot_folder, talk

FLOWS = """
slots:
  order_id:
    type: text
    prompt: What's your order number?
  size:
    type: choice
    prompt: Which size?
    options: [{value: small, title: Small}, {value: large, title: Large}]
flows:
  order:
    triggers: {en: [where is my order]}
    steps:
      - ask: order_id
      - say: Looking.
  pizza:
    triggers:
      keywords: {en: [pizza]}
      en: [I want a large pizza to take away]
    steps:
      - ask: size
      - say: A {{ slots.size }} one.
"""


async def test_each_decision_the_turn_acts_on_is_told(tmp_path: Path) -> None:
    customer = talk(bot_folder(tmp_path, FLOWS))
    heard: list[Understood] = []
    customer.engine.flowset.explain = heard.append
    assert await customer.say("where is my order") == ["What's your order number?"]
    assert [u.taken.target if u.taken else None for u in heard] == ["flow:order"]
    assert heard[0].line() == (
        "understood as flow 'order': example 'where is my order', score 1.00; no runner-up"
    )


async def test_a_match_too_weak_to_leave_a_question_is_told_as_set_aside(tmp_path: Path) -> None:
    customer = talk(bot_folder(tmp_path, FLOWS))
    await customer.say("pizza")
    heard: list[Understood] = []
    customer.engine.flowset.explain = heard.append
    replies = await customer.say("where is that thing")  # 0.55: under threshold + 0.15
    assert replies[-1].startswith("Which size?")  # asked again, not left
    (understood,) = heard
    assert understood.decision.chosen is not None
    assert understood.taken is None
    assert understood.line() == (
        "understood as nothing: flow 'order' (example 'where is my order', score 0.55) was set "
        "aside; no runner-up"
    )


def test_a_decision_with_no_candidate_says_no_trigger_shares_a_word() -> None:
    decision = Decision("blorp", "en", 0.5, ())
    line = Understood("topic", decision, None).line()
    assert line == "understood as nothing: no trigger shares a word with it"


def test_the_runner_up_is_the_next_target_and_a_keyword_names_itself() -> None:
    keyword = Match("flow:pizza", 1.0, "en", "keyword", "pizza")
    other = Match("faq:menu", 0.3, "en", "example", "what is on the menu")
    line = Understood("topic", Decision("pizza menu", "en", 0.5, (keyword, other)), keyword).line()
    assert line == (
        "understood as flow 'pizza': keyword 'pizza', score 1.00; runner-up FAQ 'menu' "
        "(example 'what is on the menu', score 0.30)"
    )
