"""Regressions in how a message is understood: intents, FAQs, answers, languages, templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogs.kit import bot_folder, talk

FLOWS = """
slots:
  size:
    type: choice
    prompt: Which size?
    options:
      - {value: small, title: Small}
      - {value: again, title: Try again}
  note: {type: text, prompt: "Anything to add?"}
  order_id:
    type: pattern
    pattern: "^\\\\d{3}$"
    prompt: Order number?
    invalid: Three digits, please.
flows:
  pick:
    triggers: {en: [pick a size]}
    steps:
      - ask: size
      - say: "Size {{ slots.size }}."
  comment:
    triggers: {en: [leave a comment]}
    steps:
      - ask: note
      - say: Noted.
  status:
    triggers: {en: [where is my order, my order]}
    steps:
      - ask: order_id
      - call: lookup
        into: order
      - say: "{{ slots.order.items }} items, {{ slots.order.keys }} keys."
faqs:
  payment:
    triggers: {en: [what payment methods do you accept]}
    say: We accept cards.
"""

ACTIONS = """
from dialogs.actions.registry import action

@action
async def lookup() -> dict:
    return {"items": 2, "keys": 3}
"""


@pytest.fixture
def bot(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, FLOWS, actions=ACTIONS)


async def test_an_faqs_own_phrase_is_not_taken_by_the_help_intent(bot: Path) -> None:
    chat = talk(bot)
    assert await chat.say("what payment methods do you accept") == ["We accept cards."]


@pytest.mark.parametrize("text", ["reset my password", "can I cancel my order?"])
async def test_a_sentence_mentioning_an_intent_word_is_not_that_intent(
    bot: Path, text: str
) -> None:
    chat = talk(bot)
    await chat.say("leave a comment")
    assert await chat.say(text) == ["Noted."]
    assert chat.record.profile == {}


async def test_a_valid_choice_answer_beats_a_global_intent(bot: Path) -> None:
    chat = talk(bot)
    await chat.say("pick a size")
    assert await chat.say("try again") == ["Size again."]


async def test_cancel_still_cancels_a_free_text_question(bot: Path) -> None:
    chat = talk(bot)
    await chat.say("leave a comment")
    assert await chat.say("cancel") == ["OK, I've cancelled that. Anything else?"]


async def test_repeating_the_topic_instead_of_answering_counts_as_an_attempt(bot: Path) -> None:
    chat = talk(bot)
    await chat.say("where is my order")
    assert await chat.say("my order is 12") == ["Three digits, please.", "Order number?"]
    await chat.say("my order")
    assert await chat.say("my order!") == ["Let's leave that for now."]


async def test_a_json_objects_fields_win_over_dict_methods_in_templates(bot: Path) -> None:
    chat = talk(bot)
    await chat.say("where is my order")
    assert await chat.say("123") == ["2 items, 3 keys."]


async def test_a_designers_pattern_only_intent_fires(tmp_path: Path) -> None:
    root = bot_folder(
        tmp_path,
        """
        intents:
          human:
            triggers: {patterns: ["\\\\bsupervisor\\\\b"]}
        flows:
          hello:
            triggers: {en: [hello there]}
            steps:
              - say: Hi.
        """,
    )
    chat = talk(root)
    assert await chat.say("get me a supervisor now") == [
        "I'm passing you to a person. Someone will answer you here shortly."
    ]


async def test_one_word_shared_with_another_language_does_not_switch_language(
    tmp_path: Path,
) -> None:
    root = bot_folder(
        tmp_path,
        """
        flows:
          stores:
            triggers: {en: [where are your stores], pt: [lojas no rio]}
            steps:
              - say: {en: "Our stores.", pt: "Nossas lojas."}
        """,
        languages=("en", "pt"),
    )
    chat = talk(root)
    await chat.say("hello, I would like to ask where are your stores please")
    assert chat.record.language == "en"
    assert await chat.say("rio") == [
        "Sorry, I didn't get that. Could you say it another way? You can also type 'help'."
    ]
    assert chat.record.language == "en"
