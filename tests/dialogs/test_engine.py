"""The dialog engine: how a turn is understood, how flows run, and that state resumes anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.format.outbound import Text
from bot.turn.customer import Handoff
from dialogs.engine import DialogEngine
from dialogs.state import DialogState
from tests.dialogs.kit import Talk, bot_folder, flowset_of, talk

SHOP = """
settings:
  start: welcome
slots:
  order_id:
    type: pattern
    pattern: "^[A-Z]-\\\\d{5}$"
    transform: upper
    prompt: What's your order number?
    invalid: Order numbers look like A-12345.
  email:
    type: email
    remember: true
    prompt: What's your e-mail?
  method:
    type: choice
    prompt: How should we send it?
    options:
      - {value: courier, title: Courier}
      - {value: store, title: In a store}
  sure:
    type: yes_no
    prompt: Shall I go ahead?
flows:
  welcome:
    steps:
      - say: Hi! I'm the shop bot.
  order_status:
    title: Order status
    triggers:
      en: [where is my order, track my order, order status]
    resume: "Welcome back! We were checking an order."
    steps:
      - ask: order_id
      - say: "Order {{ slots.order_id }} is on its way."
      - ask: method
      - say: "Sending it by {{ slots.method }}."
  newsletter:
    title: Newsletter
    triggers:
      en: [sign me up for the newsletter, newsletter]
    steps:
      - ask: email
      - say: "Subscribed {{ slots.email }}."
  confirm:
    triggers:
      en: [place an order]
    steps:
      - ask: sure
      - branch:
          - when: slots.sure
            goto: done
        else:
          end: true
      - id: done
        say: Done.
  complain:
    triggers:
      en: [i want to complain]
    steps:
      - handoff: complaint
        say: Let me find a person for you.
faqs:
  hours:
    triggers:
      en: [opening hours, when are you open]
    say: We're open 9 to 6.
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, SHOP)


async def test_a_new_customer_is_greeted_by_the_start_flow(shop: Path) -> None:
    chat = talk(shop)
    assert await chat.say("hello") == ["Hi! I'm the shop bot."]


async def test_a_trigger_on_the_first_message_runs_its_flow_directly(shop: Path) -> None:
    chat = talk(shop)
    assert await chat.say("where is my order?") == ["What's your order number?"]


async def test_a_valid_answer_fills_the_slot_normalised_and_the_flow_goes_on(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    replies = await chat.say(" a-12345 ")
    assert replies == [
        "Order A-12345 is on its way.",
        "How should we send it? ['Courier', 'In a store']",
    ]
    assert chat.slots == {"order_id": "A-12345"}
    assert DialogState.load(chat.record.dialog).awaiting == "method"


async def test_an_invalid_answer_gets_the_retry_message_and_the_question_again(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    assert await chat.say("12345") == [
        "Order numbers look like A-12345.",
        "What's your order number?",
    ]
    assert DialogState.load(chat.record.dialog).attempts == 1


async def test_too_many_invalid_answers_end_the_flow_by_default(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    await chat.say("nope")
    await chat.say("still no")
    assert await chat.say("no idea") == ["Let's leave that for now."]
    state = DialogState.load(chat.record.dialog)
    assert (state.stack, state.awaiting, chat.slots) == ((), None, {})


async def test_a_faq_in_the_middle_is_answered_and_the_question_asked_again(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    assert await chat.say("when are you open?") == [
        "We're open 9 to 6.",
        "What's your order number?",
    ]
    assert DialogState.load(chat.record.dialog).attempts == 0


async def test_another_flow_in_the_middle_runs_then_the_question_comes_back(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    assert await chat.say("sign me up for the newsletter") == ["What's your e-mail?"]
    assert await chat.say("ana@example.com") == [
        "Subscribed ana@example.com.",
        "What's your order number?",
    ]
    assert await chat.say("A-12345") == [
        "Order A-12345 is on its way.",
        "How should we send it? ['Courier', 'In a store']",
    ]


async def test_a_choice_is_filled_by_button_by_title_and_by_number_on_sms(shop: Path) -> None:
    for channel, answer in (("webchat", "In a store"), ("sms", "2"), ("telegram", "in a STORE")):
        chat = talk(shop, channel)
        await chat.say("track my order")
        await chat.say("A-12345")
        assert await chat.say(answer) == ["Sending it by store."], channel


async def test_sms_shows_the_choice_as_numbered_options(shop: Path) -> None:
    chat = talk(shop, "sms")
    await chat.say("track my order")
    assert await chat.say("A-12345") == [
        "Order A-12345 is on its way.",
        "How should we send it?\n1. Courier\n2. In a store",
    ]


async def test_a_remembered_slot_is_never_asked_twice(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("newsletter")
    await chat.say("ana@example.com")
    assert chat.record.profile == {"email": "ana@example.com"}
    assert await chat.say("newsletter") == ["Subscribed ana@example.com."]


async def test_slots_are_forgotten_when_the_conversation_ends(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    await chat.say("A-12345")
    await chat.say("Courier")
    assert chat.slots == {}
    assert await chat.say("where is my order") == ["What's your order number?"]


async def test_yes_no_offers_quick_replies_and_branches(shop: Path) -> None:
    chat = talk(shop)
    assert await chat.say("place an order") == ["Shall I go ahead? ['Yes', 'No']"]
    assert await chat.say("yes") == ["Done."]
    await chat.say("place an order")
    assert await chat.say("No") == []


async def test_cancel_in_the_middle_clears_the_flow_and_its_slots(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    await chat.say("A-12345")
    assert await chat.say("cancel") == ["OK, I've cancelled that. Anything else?"]
    state = DialogState.load(chat.record.dialog)
    assert (state.stack, state.awaiting, chat.slots) == ((), None, {})


async def test_a_sentence_that_merely_contains_cancel_is_not_the_cancel_intent(
    shop: Path,
) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    assert await chat.say("can I cancel my order A-1 or not") == [
        "Order numbers look like A-12345.",
        "What's your order number?",
    ]


async def test_help_shows_the_menu_and_asks_the_pending_question_again(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    replies = await chat.say("help")
    assert replies[0].startswith("Here is what I can help with.")
    assert replies[0].endswith("['Order status', 'Newsletter']")
    assert replies[1] == "What's your order number?"


async def test_a_menu_button_starts_its_flow(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("gibberish xyz")
    assert await chat.press("flow:newsletter") == ["What's your e-mail?"]


async def test_asking_for_a_person_hands_off_with_a_summary(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    await chat.say("A-12345")
    assert await chat.say("talk to a person") == [
        "I'm passing you to a person. Someone will answer you here shortly."
    ]
    assert chat.record.handoff.status == "waiting"
    note = chat.notes[-1]
    assert (note.kind, note.text) == ("handoff", "the customer asked for a person")
    assert note.data["summary"] == {
        "slots": {"order_id": "A-12345"},
        "flows": ["order_status"],
        "language": "en",
        "channel": "webchat",
    }


async def test_a_handoff_step_says_its_own_message(shop: Path) -> None:
    chat = talk(shop)
    assert await chat.say("I want to complain") == ["Let me find a person for you."]
    assert (chat.record.handoff.status, chat.record.handoff.reason) == ("waiting", "complaint")


async def test_while_waiting_for_a_person_the_bot_is_silent_but_cancel_leaves(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("I want to complain")
    assert await chat.say("hello? anyone?") == []
    assert await chat.say("agent") == [
        "You're waiting for a person, who will answer here. Type 'never mind' to go back."
    ]
    assert await chat.say("cancel") == ["OK, you've left the queue. How else can I help?"]
    assert chat.record.handoff == Handoff()


async def test_with_an_agent_the_bot_says_nothing_at_all(shop: Path) -> None:
    chat = talk(shop)
    chat.record = chat.record.model_copy(update={"handoff": Handoff(status="agent", agent_id="a1")})
    assert await chat.say("cancel") == []


async def test_restart_runs_the_start_flow(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    assert await chat.say("start over") == ["Let's start over.", "Hi! I'm the shop bot."]


async def test_nothing_understood_gets_the_fallback_with_the_menu(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("hello")
    assert await chat.say("purple monkey dishwasher") == [
        "Sorry, I didn't get that. Could you say it another way? You can also type 'help'. "
        "['Order status', 'Newsletter']"
    ]


async def test_the_turn_is_deterministic(shop: Path) -> None:
    one, two = talk(shop), talk(shop)
    for text in ("track my order", "A-12345", "when are you open"):
        assert await one.say(text) == await two.say(text)
    assert one.record == two.record


async def test_a_fresh_engine_resumes_from_the_stored_state_on_another_channel(
    shop: Path,
) -> None:
    before = talk(shop, "webchat")
    await before.say("track my order")
    await before.say("A-12345")
    after = Talk(DialogEngine(flowset_of(shop)), channel="sms", record=before.record)
    assert await after.say("1") == ["Sending it by courier."]


async def test_resume_says_the_flows_resume_message_and_asks_again(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    chat.channel = "sms"
    assert await chat.system("resume") == [
        "Welcome back! We were checking an order.",
        "What's your order number?",
    ]


async def test_a_start_command_resets_and_greets(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    assert await chat.send(kind="command", command={"name": "start"}) == ["Hi! I'm the shop bot."]
    assert DialogState.load(chat.record.dialog).stack == ()


async def test_a_stored_step_that_no_longer_exists_ends_that_flow_safely(shop: Path) -> None:
    chat = talk(shop)
    await chat.say("track my order")
    state = DialogState.load(chat.record.dialog)
    broken = state.model_copy(
        update={"stack": (state.stack[0].model_copy(update={"step": "gone"}),), "awaiting": None}
    )
    chat.record = chat.record.model_copy(update={"dialog": broken.dump()})
    assert await chat.say("hello there") == [
        "Sorry, I didn't get that. Could you say it another way? You can also type 'help'. "
        "['Order status', 'Newsletter']"
    ]


FLOWS = """
slots:
  n: {type: integer, prompt: "A number?"}
  address: {type: text, prompt: "Your address?"}
flows:
  main:
    triggers: {en: [go]}
    steps:
      - set: {count: 0, "profile.visits": "= (profile.visits or 0) + 1"}
      - run: collect
      - say: "Shipping to {{ slots.address }}."
      - ask: n
      - set: {double: "= slots.n * 2", label: "n is {{ slots.n }}"}
      - branch:
          - when: slots.double > 10
            flow: big
          - when: slots.double == 0
            end: true
      - say: "{{ slots.label }}, doubled {{ slots.double }}."
      - end: true
        say: Bye.
  collect:
    steps:
      - ask: address
  big:
    steps:
      - say: "Big: {{ slots.double }}."
  spin:
    triggers: {en: [spin]}
    steps:
      - id: top
        set: {count: "= (slots.count or 0) + 1"}
      - goto: top
"""


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, FLOWS)


async def test_set_run_branch_and_end(flows: Path) -> None:
    chat = talk(flows)
    assert await chat.say("go") == ["Your address?"]
    assert await chat.say("1 Main St") == ["Shipping to 1 Main St.", "A number?"]
    assert await chat.say("3") == ["n is 3, doubled 6.", "Bye."]
    assert chat.record.profile == {"visits": 1}


async def test_a_branch_can_switch_flow(flows: Path) -> None:
    chat = talk(flows)
    await chat.say("go")
    await chat.say("1 Main St")
    assert await chat.say("7") == ["Big: 14."]


async def test_a_branch_can_end_the_flow(flows: Path) -> None:
    chat = talk(flows)
    await chat.say("go")
    await chat.say("1 Main St")
    assert await chat.say("0") == []


async def test_a_flow_that_never_waits_is_stopped_not_spun(flows: Path) -> None:
    chat = talk(flows)
    assert await chat.say("spin") == []
    assert chat.notes[-1].kind == "error"
    assert "steps in one turn" in chat.notes[-1].text
    assert DialogState.load(chat.record.dialog).stack == ()


async def test_templates_cannot_reach_python_internals(tmp_path: Path) -> None:
    root = bot_folder(
        tmp_path,
        """
        flows:
          peek:
            triggers: {en: [peek]}
            steps:
              - say: "{{ ''.__class__.__mro__[1].__subclasses__() }}"
              - say: still here
        """,
    )
    chat = talk(root)
    assert await chat.say("peek") == ["still here"]
    assert chat.notes[0].kind == "error"
    assert "unsafe" in chat.notes[0].text or "not safely" in chat.notes[0].text


BILINGUAL = """
slots:
  order_id:
    type: pattern
    pattern: "^\\\\d{3}$"
    prompt: {en: "Order number?", pt: "Número do pedido?"}
flows:
  order:
    triggers:
      en: [where is my order]
      pt: [onde está meu pedido]
    steps:
      - ask: order_id
      - say:
          en: "Order {{ slots.order_id }} found."
          pt: "Pedido {{ slots.order_id }} encontrado."
"""


@pytest.fixture
def bilingual(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, BILINGUAL, languages=("en", "pt"))


async def test_the_customers_language_is_detected_and_kept(bilingual: Path) -> None:
    chat = talk(bilingual)
    assert await chat.say("onde está o meu pedido, por favor?") == ["Número do pedido?"]
    assert chat.record.language == "pt"
    assert await chat.say("123") == ["Pedido 123 encontrado."]


async def test_the_channels_locale_hint_chooses_the_language(bilingual: Path) -> None:
    chat = talk(bilingual)
    await chat.say("xyz", locale="pt-BR")
    assert chat.record.language == "pt"


async def test_naming_a_language_switches_to_it_and_repeats_the_question(
    bilingual: Path,
) -> None:
    chat = talk(bilingual)
    await chat.say("where is my order")
    assert await chat.say("português") == [
        "Certo, vamos conversar em português.",
        "Número do pedido?",
    ]
    assert chat.record.language == "pt"


async def test_a_phrase_in_another_of_the_bots_languages_is_followed(bilingual: Path) -> None:
    chat = talk(bilingual)
    await chat.say("hello there friend, where is my order")
    await chat.say("123")
    assert await chat.say("onde está meu pedido") == ["Número do pedido?"]


async def test_a_step_can_send_to_another_of_the_customers_channels(tmp_path: Path) -> None:
    root = bot_folder(
        tmp_path,
        """
        flows:
          track:
            triggers: {en: [send me the link]}
            steps:
              - say: "Tracking: https://t.example/1"
                to: sms
              - say: I've sent the tracking link to your phone.
        """,
    )
    chat = talk(root, "sms")
    await chat.say("hello")
    chat.channel = "webchat"
    assert await chat.say("send me the link") == ["I've sent the tracking link to your phone."]
    assert chat.last is not None
    [send] = chat.last.sends
    assert send.address == chat.record.addresses["sms"]
    assert send.messages == (Text(text="Tracking: https://t.example/1"),)


async def test_sending_to_a_channel_the_customer_never_used_is_noted(tmp_path: Path) -> None:
    root = bot_folder(
        tmp_path,
        """
        flows:
          track:
            triggers: {en: [send me the link]}
            steps:
              - say: "Tracking: https://t.example/1"
                to: telegram
              - say: Done.
        """,
    )
    chat = talk(root)
    assert await chat.say("send me the link") == ["Done."]
    assert (chat.notes[-1].kind, chat.notes[-1].text) == (
        "undeliverable",
        "the customer has never written on telegram",
    )
