"""The message that starts a flow fills the slots of that flow it mentions, and the flow asks
only for what is missing; nothing is guessed, and ``always: true`` still asks."""

from __future__ import annotations

from pathlib import Path

from tests.dialogs.kit import bot_folder, talk

PIZZA = """\
slots:
  flavour:
    type: choice
    prompt: {en: "Which flavour?", pt: "Qual sabor?"}
    options:
      - {value: calabresa, title: {en: Pepperoni, pt: Calabresa}}
      - value: margherita
        title: {en: Margherita, pt: Margherita}
        synonyms: {pt: [marguerita]}
  size:
    type: choice
    prompt: {en: "Which size?", pt: "Qual tamanho?"}
    options:
      - {value: large, title: {en: Large, pt: Grande}}
      - {value: small, title: {en: Small, pt: Pequena}}
  quantity:
    type: integer
    min: 1
    max: 20
    prompt: {en: "How many?", pt: "Quantas?"}
  guests:
    type: integer
    min: 1
    max: 20
    prompt: {en: "For how many people?", pt: "Para quantas pessoas?"}
  day:
    type: date
    past: false
    prompt: {en: "For which day?", pt: "Para que dia?"}
  order_number:
    type: pattern
    pattern: "[A-Z]-[0-9]{5}"
    transform: upper
    prompt: {en: "Your order number?", pt: "O número do pedido?"}
  remedy:
    type: choice
    prompt: {en: "An exchange or a refund?", pt: "Troca ou reembolso?"}
    options:
      - {value: exchange, title: {en: Exchange, pt: Troca}}
      - {value: refund, title: {en: Refund, pt: Reembolso}}
  reason:
    type: text
    prompt: {en: "Why?", pt: "Por quê?"}
flows:
  order:
    triggers:
      en: [i want a pizza, send me a pizza, gimme a pizza]
      pt: [quero uma pizza, me manda uma pizza, pede uma pizza pra mim]
    steps:
      - ask: flavour
      - ask: size
      - ask: quantity
      - say:
          en: "{{ slots.quantity }} {{ slots.size }} {{ slots.flavour }}."
          pt: "{{ slots.quantity }} {{ slots.size }} {{ slots.flavour }}."
  party:
    triggers:
      en: [book a party, party booking]
    steps:
      - ask: quantity
      - ask: guests
      - ask: day
      - say:
          en: "{{ slots.quantity }} pizzas for {{ slots.guests }} on {{ slots.day }}."
          pt: "{{ slots.quantity }} pizzas for {{ slots.guests }} on {{ slots.day }}."
  returns:
    triggers:
      en: [i want to return an order, return order, give back my order]
    steps:
      - ask: order_number
      - ask: reason
      - say:
          en: "Returning {{ slots.order_number }}: {{ slots.reason }}."
          pt: "Returning {{ slots.order_number }}: {{ slots.reason }}."
  remedy:
    triggers:
      en: [i want a refund, exchange my pizza]
    steps:
      - ask: remedy
      - say: {en: "A {{ slots.remedy }}.", pt: "Um {{ slots.remedy }}."}
  find_order:
    steps:
      - ask: order_number
      - branch:
          - when: slots.order_number == 'A-00000'
            goto: again
        else:
          end: true
      - id: again
        ask: order_number
        always: true
        prompt: {en: "Another number?", pt: "Outro número?"}
  status:
    triggers:
      en: [where is my order, track my order]
    steps:
      - run: find_order
      - say: {en: "{{ slots.order_number }} is on its way.", pt: "{{ slots.order_number }}."}
  confirm:
    triggers:
      en: [change the size, change my size]
    steps:
      - ask: size
        always: true
      - say: {en: "Now {{ slots.size }}.", pt: "Now {{ slots.size }}."}
"""


def pizza(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, PIZZA, languages=("en", "pt-BR"))


async def test_a_calabresa_grande_fills_flavour_and_size(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    assert await chat.say("me manda uma calabresa grande") == ["Quantas?"]
    assert chat.slots == {"flavour": "calabresa", "size": "large"}
    assert await chat.say("2") == ["2 large calabresa."]


async def test_an_order_number_in_the_first_message_is_not_asked(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    assert await chat.say("I want to return order A-12345") == ["Why?"]
    assert await chat.say("too cold") == ["Returning A-12345: too cold."]


async def test_the_flow_asks_only_for_what_is_missing(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    assert await chat.say("gimme a large pizza") == ["Which flavour? ['Pepperoni', 'Margherita']"]
    assert await chat.say("margherita") == ["How many?"]
    assert await chat.say("3") == ["3 large margherita."]


async def test_numbers_and_dates_in_the_first_message(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    replies = await chat.say("book a party for 12 people on friday")
    assert chat.slots == {"day": "2026-11-27"}  # 12 could be the pizzas or the people
    assert replies == ["How many?"]


async def test_a_number_only_one_slot_could_take_fills_it(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    assert await chat.say("send me 2 pizzas") == ["Which flavour? ['Pepperoni', 'Margherita']"]
    assert chat.slots == {"quantity": 2}


async def test_two_values_for_one_slot_are_not_guessed(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    assert await chat.say("i want a pizza, large or small") == [
        "Which flavour? ['Pepperoni', 'Margherita']"
    ]
    assert chat.slots == {}


async def test_a_free_text_slot_is_never_filled_from_the_first_message(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    assert await chat.say("return order A-12345 because it was cold") == ["Why?"]
    assert chat.slots == {"order_number": "A-12345"}


async def test_a_slot_asked_always_is_asked_even_when_mentioned(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    assert await chat.say("change my size to large") == ["Which size? ['Large', 'Small']"]
    assert chat.slots == {}
    assert await chat.say("small") == ["Now small."]


async def test_what_was_taken_is_noted(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    await chat.say("me manda uma calabresa grande")
    notes = [note for note in chat.notes if note.kind == "mentioned"]
    assert [note.data for note in notes] == [{"slots": {"flavour": "calabresa", "size": "large"}}]


async def test_a_word_of_the_flows_own_triggers_picks_no_option(tmp_path: Path) -> None:
    chat = talk(pizza(tmp_path))
    assert await chat.say("i want a refund") == ["An exchange or a refund? ['Exchange', 'Refund']"]
    assert chat.slots == {}


async def test_the_slots_of_a_flow_it_runs_are_filled_too(tmp_path: Path) -> None:
    """The sub-flow asks for the order number first without ``always``; asking again with it
    after a failure does not keep the first message from filling it."""
    chat = talk(pizza(tmp_path))
    assert await chat.say("where is my order A-12345?") == ["A-12345 is on its way."]


async def test_a_remembered_slot_filled_by_the_first_message_is_remembered(
    tmp_path: Path,
) -> None:
    flows = """\
    slots:
      email:
        type: email
        remember: true
        prompt: "Your e-mail?"
    flows:
      newsletter:
        triggers:
          en: [sign me up for the newsletter]
        steps:
          - ask: email
          - say: "Signed up: {{ slots.email }}."
    """
    chat = talk(bot_folder(tmp_path, flows))
    replies = await chat.say("sign me up for the newsletter with Ana@Example.COM")
    assert replies == ["Signed up: Ana@example.com."]
    assert chat.record.profile == {"email": "Ana@example.com"}
