"""Regional languages: a bot speaking ``pt-BR`` with texts written for ``pt``, the built-in texts
in Brazilian Portuguese, ``pt-PT`` and ``en-GB`` beside them, and customers asking for a
language in a sentence ("can we speak english?") without starting anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogs.kit import bot_folder, flowset_of, talk

PIZZA = """\
flows:
  order:
    title: {en: Order a pizza, pt: Pedir uma pizza}
    triggers:
      en: [i want to order a pizza, order a pizza]
      pt: [quero pedir uma pizza, pedir pizza]
    steps:
      - ask: size
      - ask: day
      - say:
          en: "A {{ slots.size }} pizza on {{ slots.day }}."
          pt: "Uma pizza {{ slots.size }} em {{ slots.day }}."
slots:
  size:
    type: choice
    options:
      - {value: small, title: {en: Small, pt: Pequena}}
      - {value: large, title: {en: Large, pt: Grande}}
    prompt: {en: "Which size?", pt: "Qual tamanho?"}
  day:
    type: date
    prompt: {en: "Which day?", pt: "Que dia?"}
"""


@pytest.fixture
def brazilian(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, PIZZA, languages=("en", "pt-BR"))


def test_a_pt_br_bot_with_pt_texts_loads_with_no_problem_and_no_warning(
    brazilian: Path,
) -> None:
    flowset = flowset_of(brazilian)
    assert flowset.languages == ("en", "pt-BR")
    assert flowset.warnings == []


def test_a_region_written_in_lowercase_is_the_same_language(tmp_path: Path) -> None:
    flows = PIZZA.replace("pt: [", "PT-br: [")
    flowset = flowset_of(bot_folder(tmp_path, flows, languages=("en", "pt-br")))
    assert flowset.languages == ("en", "pt-BR")
    assert flowset.warnings == []


async def test_a_pt_br_customer_is_answered_with_the_pt_texts(brazilian: Path) -> None:
    chat = talk(brazilian)
    assert await chat.say("quero pedir uma pizza") == ["Qual tamanho? ['Pequena', 'Grande']"]
    assert chat.record.language == "pt-BR"
    assert await chat.say("grande") == ["Que dia?"]
    assert await chat.say("03/04/2027") == ["Uma pizza large em 2027-04-03."]


async def test_a_pt_br_customer_gets_the_built_in_texts_in_portuguese(brazilian: Path) -> None:
    chat = talk(brazilian)
    await chat.say("quero pedir uma pizza")
    assert await chat.say("cancelar") == ["Tudo bem, cancelei. Mais alguma coisa?"]
    assert await chat.say("blablabla xyz") == [
        "Desculpe, não entendi. Pode dizer de outro jeito? Você também pode digitar 'ajuda'."
        " ['Pedir uma pizza']"
    ]


async def test_a_channels_hint_with_another_region_settles_on_the_bots_region(
    brazilian: Path,
) -> None:
    chat = talk(brazilian)
    await chat.say("xyz", locale="pt-PT")
    assert chat.record.language == "pt-BR"


async def test_a_regional_text_comes_before_the_base_one(tmp_path: Path) -> None:
    lisbon_text = '          pt-PT: "Uma piza {{ slots.size }} em {{ slots.day }}."\n'
    flows = PIZZA.replace('          pt: "Uma pizza', lisbon_text + '          pt: "Uma pizza')
    root = bot_folder(tmp_path, flows, languages=("en", "pt-BR", "pt-PT"))
    lisbon = talk(root)
    await lisbon.say("quero pedir uma pizza", locale="pt-PT")
    await lisbon.say("pequena")
    assert await lisbon.say("03/04/2027") == ["Uma piza small em 2027-04-03."]
    rio = talk(root)
    await rio.say("quero pedir uma pizza", locale="pt-BR")
    await rio.say("pequena")
    assert await rio.say("03/04/2027") == ["Uma pizza small em 2027-04-03."]


async def test_an_en_gb_customer_reads_dates_day_first(tmp_path: Path) -> None:
    chat = talk(bot_folder(tmp_path, PIZZA, languages=("en-GB", "pt-BR")))
    assert await chat.say("i want to order a pizza") == ["Which size? ['Small', 'Large']"]
    await chat.say("small")
    assert await chat.say("03/04/2027") == ["A small pizza on 2027-04-03."]


async def test_an_american_customer_reads_dates_month_first(tmp_path: Path) -> None:
    chat = talk(bot_folder(tmp_path, PIZZA, languages=("en-US", "pt-BR")))
    await chat.say("i want to order a pizza")
    await chat.say("small")
    assert await chat.say("03/04/2027") == ["A small pizza on 2027-03-04."]


@pytest.mark.parametrize(
    ("first", "asked", "language", "answer"),
    [
        ("quero pedir uma pizza", "in english please", "en", "OK, let's talk in English."),
        ("quero pedir uma pizza", "can we speak english?", "en", "OK, let's talk in English."),
        ("i want to order a pizza", "em português por favor", "pt-BR", "Certo, vamos"),
        ("i want to order a pizza", "pode falar português?", "pt-BR", "Certo, vamos"),
        ("i want to order a pizza", "Português", "pt-BR", "Certo, vamos"),
    ],
)
async def test_asking_for_a_language_switches_and_asks_the_question_again(
    brazilian: Path, first: str, asked: str, language: str, answer: str
) -> None:
    chat = talk(brazilian)
    await chat.say(first)
    replies = await chat.say(asked)
    assert chat.record.language == language
    assert replies[0].startswith(answer)
    assert replies[1] in ("Which size? ['Small', 'Large']", "Qual tamanho? ['Pequena', 'Grande']")


async def test_asking_for_a_language_starts_no_flow(brazilian: Path) -> None:
    chat = talk(brazilian)
    await chat.say("olá, tudo bem?")
    assert await chat.say("can we speak english?") == ["OK, let's talk in English."]
    assert chat.record.language == "en"
    assert await chat.say("pode falar português?") == ["Certo, vamos conversar em português."]
    assert chat.record.language == "pt-BR"


@pytest.mark.parametrize(
    "text",
    ["I'd like an english muffin", "my order came in portuguese", "english or portuguese"],
)
async def test_a_sentence_that_only_mentions_a_language_switches_nothing(
    brazilian: Path, text: str
) -> None:
    chat = talk(brazilian)
    await chat.say("quero pedir uma pizza")
    await chat.say(text)
    assert chat.record.language == "pt-BR"


async def test_asking_for_a_language_the_bot_does_not_speak_switches_nothing(
    brazilian: Path,
) -> None:
    chat = talk(brazilian)
    await chat.say("quero pedir uma pizza")
    await chat.say("en español por favor")
    assert chat.record.language == "pt-BR"
