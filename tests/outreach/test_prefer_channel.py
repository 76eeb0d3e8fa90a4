""" "Message me on WhatsApp": the ``prefer`` global intent keeps the channel the customer names as
``profile.preferred_channel`` when it is on and they can be written to there, says so, and says
politely why not otherwise; in English and Portuguese, over a pending question, and reworded by
a designer. Run in the designer's sandbox, with an in-process channel for each channel name."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.app.compose import sandbox
from bot.app.config import load_bot_config
from bot.format.outbound import Text
from bot.turn.customer import CustomerRecord
from connectors.loopback import LoopbackConnector
from dialogs.design.loader import load_flowset

FLOWS = """
slots:
  order_id:
    type: text
    prompt: {en: "What's your order number?", pt: "Qual o número do pedido?"}
flows:
  order:
    triggers: {en: [where is my order], pt: [cadê meu pedido]}
    steps:
      - ask: order_id
      - say: {en: "Looking up {{ slots.order_id }}.", pt: "Procurando {{ slots.order_id }}."}
"""


def bot(root: Path, extra: str = "") -> Path:
    (root / "flows").mkdir()
    (root / "bot.yaml").write_text("name: Shop\nlanguages: [en, pt]\n")
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(FLOWS) + textwrap.dedent(extra))
    return root


async def conversation(
    root: Path, channel: str, says: list[str], on: tuple[str, ...]
) -> tuple[list[str], CustomerRecord]:
    """What the bot says to one customer on ``channel`` (with ``on`` the channels that are on),
    and their record after."""
    flowset = load_flowset(root, load_bot_config(root))
    box = sandbox(flowset, None, on)
    loopback = box.channels[channel]
    assert isinstance(loopback, LoopbackConnector)
    await loopback.start(box.pipeline)
    for said in says:
        await loopback.say("ana", said)
        await box.pipeline.join()
    found = await box.memory.lookup(loopback.address("ana").identity)
    assert found is not None
    record = await box.memory.load(found)
    assert record is not None
    await box.pipeline.close()
    return [m.text for m in loopback.sent["ana"] if isinstance(m, Text)], record


@pytest.mark.parametrize(
    ("channel", "says", "confirmed", "kept"),
    [
        (
            "whatsapp",
            "message me on whatsapp",
            "Done: from now on we'll write to you on WhatsApp.",
            "whatsapp",
        ),
        (
            "whatsapp",
            "me mande mensagem no whatsapp",
            "Pronto: de agora em diante vamos escrever para você por WhatsApp.",
            "whatsapp",
        ),
        (
            "sms",
            "prefiro sms",
            "Pronto: de agora em diante vamos escrever para você por SMS.",
            "sms",
        ),
        (
            "email",
            "contact me by e-mail",
            "Done: from now on we'll write to you on e-mail.",
            "email",
        ),
    ],
)
async def test_the_channel_named_is_kept_and_confirmed(
    tmp_path: Path, channel: str, says: str, confirmed: str, kept: str
) -> None:
    first = "where is my order" if confirmed.startswith("Done") else "cadê meu pedido"
    on = ("whatsapp", "sms", "email")
    said, record = await conversation(bot(tmp_path), channel, [first, says], on)
    assert said[1] == confirmed
    assert record.profile["preferred_channel"] == kept


async def test_a_channel_without_the_customers_contact_is_not_kept(tmp_path: Path) -> None:
    said, record = await conversation(
        bot(tmp_path), "whatsapp", ["i prefer sms"], ("whatsapp", "sms")
    )
    assert said == [
        "Sorry, I can't write to you on SMS: I don't have your contact there yet. Write to us"
        " there once and we'll use it."
    ]
    assert "preferred_channel" not in record.profile


async def test_a_channel_that_is_off_is_not_kept(tmp_path: Path) -> None:
    said, record = await conversation(
        bot(tmp_path), "whatsapp", ["cadê meu pedido", "prefiro e-mail"], ("whatsapp", "sms")
    )
    assert said[1:2] == [
        "Desculpe, não consigo escrever para você por e-mail: não usamos esse canal."
    ]
    assert "preferred_channel" not in record.profile


async def test_over_a_pending_question_the_question_is_asked_again(tmp_path: Path) -> None:
    said, record = await conversation(
        bot(tmp_path),
        "whatsapp",
        ["where is my order", "message me on whatsapp", "A-12345"],
        ("whatsapp",),
    )
    assert said == [
        "What's your order number?",
        "Done: from now on we'll write to you on WhatsApp.",
        "What's your order number?",
        "Looking up A-12345.",
    ]
    assert record.profile["preferred_channel"] == "whatsapp"


async def test_a_designer_rewords_the_confirmation_and_the_triggers(tmp_path: Path) -> None:
    extra = """
    intents:
      prefer:
        triggers: {en: [zap me]}
    messages:
      preferred_channel: {en: "OK, {{ preferred.name }} it is.", pt: "Certo, {{ preferred.name }}."}
    """
    said, record = await conversation(bot(tmp_path, extra), "whatsapp", ["zap me"], ("whatsapp",))
    assert said == ["OK, WhatsApp it is."]
    assert record.profile["preferred_channel"] == "whatsapp"
