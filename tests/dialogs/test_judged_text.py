"""A text slot that judges its answers refuses a question or a flow's or FAQ's trigger: that is
answered, and the slot asked again; so a question is never remembered as a customer's name."""

from __future__ import annotations

from pathlib import Path

from tests.dialogs.kit import bot_folder, talk

SHOP = """\
slots:
  name:
    type: text
    remember: true
    prompt: "Your name?"
  nickname:
    type: text
    remember: true
    judge: false
    prompt: "Your nickname?"
  note:
    type: text
    prompt: "A note for the cook?"
  picky_note:
    type: text
    judge: true
    prompt: "A note for the driver?"
flows:
  hello:
    triggers:
      en: [hello, hi there]
    steps:
      - ask: name
      - say: "Hi {{ slots.name }}."
  nick:
    triggers:
      en: [call me something]
    steps:
      - ask: nickname
      - say: "Hi {{ slots.nickname }}."
  cook:
    triggers:
      en: [note for the cook]
    steps:
      - ask: note
      - say: "Noted: {{ slots.note }}."
  driver:
    triggers:
      en: [note for the driver]
    steps:
      - ask: picky_note
      - say: "Noted: {{ slots.picky_note }}."
  tracking:
    triggers:
      en: [track my order, where is my order]
    steps:
      - say: "It is on its way."
faqs:
  hours:
    triggers:
      en: [when are you open, opening hours, what time do you close]
    say: "We're open 9 to 6."
"""
RETRY = "Sorry, that doesn't look right."


async def test_the_name_question_is_answered_not_taken(tmp_path: Path) -> None:
    chat = talk(bot_folder(tmp_path, SHOP))
    assert await chat.say("hello") == ["Your name?"]
    assert await chat.say("what time do you close?") == ["We're open 9 to 6.", "Your name?"]
    assert "name" not in chat.slots
    assert await chat.say("Ana") == ["Hi Ana."]
    assert chat.record.profile == {"name": "Ana"}


async def test_a_remembered_text_slot_is_not_polluted_by_questions(tmp_path: Path) -> None:
    chat = talk(bot_folder(tmp_path, SHOP))
    await chat.say("hello")
    assert await chat.say("how much is the delivery") == [RETRY, "Your name?"]  # unanswered
    assert await chat.say("where is my order") == ["It is on its way.", "Your name?"]
    assert chat.record.profile == {}
    assert await chat.say("Will") == ["Hi Will."]  # a name, not the question word
    assert chat.record.profile == {"name": "Will"}


async def test_judging_can_be_turned_off_for_a_remembered_slot(tmp_path: Path) -> None:
    chat = talk(bot_folder(tmp_path, SHOP))
    assert await chat.say("call me something") == ["Your nickname?"]
    assert await chat.say("why not?") == ["Hi why not?."]


async def test_a_slot_not_remembered_takes_any_text_unless_it_judges(tmp_path: Path) -> None:
    chat = talk(bot_folder(tmp_path, SHOP))
    assert await chat.say("note for the cook") == ["A note for the cook?"]
    assert await chat.say("could you cut it in eight?") == ["Noted: could you cut it in eight?."]
    assert await chat.say("note for the driver") == ["A note for the driver?"]
    assert await chat.say("can you ring twice?") == [RETRY, "A note for the driver?"]
    assert await chat.say("ring twice") == ["Noted: ring twice."]


async def test_portuguese_questions_are_refused(tmp_path: Path) -> None:
    chat = talk(bot_folder(tmp_path, SHOP))
    await chat.say("hello")
    assert await chat.say("quanto custa a entrega") == [RETRY, "Your name?"]
    assert "name" not in chat.slots
