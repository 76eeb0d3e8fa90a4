"""The offer to continue by e-mail after a customer gives an e-mail address on another channel:
once a conversation, when the flow is done (never between a question and its answer), only when
e-mail is on, never on e-mail itself; a designer may reword it.
Run in the designer's sandbox, with an in-process channel for each channel name."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bot.app.compose import sandbox
from bot.app.config import load_bot_config
from bot.format.outbound import Text
from connectors.loopback import LoopbackConnector
from dialogs.design.loader import load_flowset

OFFER = "You can also continue this conversation by e-mail: just say 'continue by e-mail'."
OFERTA = "Você também pode continuar esta conversa por e-mail: é só dizer 'continuar por e-mail'."
FLOWS = """
slots:
  email:
    type: email
    prompt: {en: "Your e-mail?", pt: "Seu e-mail?"}
  work_email:
    type: email
    prompt: {en: "Your work e-mail?", pt: "Seu e-mail do trabalho?"}
flows:
  news:
    triggers: {en: [send me the news], pt: [quero as novidades]}
    steps:
      - ask: email
        always: true
      - say: {en: "Sent to {{ slots.email }}.", pt: "Enviado para {{ slots.email }}."}
  work:
    triggers: {en: [my work address], pt: [meu e-mail do trabalho]}
    steps:
      - ask: work_email
      - say: {en: Noted., pt: Anotado.}
"""


def bot(root: Path, extra: str = "") -> Path:
    (root / "flows").mkdir()
    (root / "bot.yaml").write_text("name: Shop\nlanguages: [en, pt]\n")
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(FLOWS) + extra)
    return root


async def conversation(root: Path, channel: str, says: list[str], on: tuple[str, ...]) -> list[str]:
    """What the bot says to one customer on ``channel``, with ``on`` the channels that are on."""
    flowset = load_flowset(root, load_bot_config(root))
    box = sandbox(flowset, None, on)
    loopback = box.channels[channel]
    assert isinstance(loopback, LoopbackConnector)
    await loopback.start(box.pipeline)
    for said in says:
        await loopback.say("ana", said)
        await box.pipeline.join()
    await box.pipeline.close()
    return [m.text for m in loopback.sent["ana"] if isinstance(m, Text)]


async def test_the_offer_follows_an_e_mail_given_once_a_conversation(tmp_path: Path) -> None:
    said = await conversation(
        bot(tmp_path),
        "webchat",
        [
            "send me the news",
            "ana@example.com",
            "send me the news",
            "ana@work.example",
            "my work address",
            "ana@work.example",
        ],
        ("webchat", "email"),
    )
    assert said[:3] == ["Your e-mail?", "Sent to ana@example.com.", OFFER]
    assert said.count(OFFER) == 1


async def test_an_address_given_mid_flow_is_offered_when_the_flow_is_done(tmp_path: Path) -> None:
    extra = """
  survey:
    triggers: {en: [survey], pt: [pesquisa]}
    steps:
      - ask: email
        always: true
      - ask: work_email
        always: true
      - say: {en: Thanks., pt: Obrigado.}
"""
    said = await conversation(
        bot(tmp_path, extra),
        "webchat",
        ["survey", "ana@example.com", "ana@work.example"],
        ("webchat", "email"),
    )
    assert said == ["Your e-mail?", "Your work e-mail?", "Thanks.", OFFER]


async def test_no_offer_when_e_mail_is_off(tmp_path: Path) -> None:
    said = await conversation(
        bot(tmp_path), "webchat", ["send me the news", "ana@example.com"], ("webchat", "sms")
    )
    assert said == ["Your e-mail?", "Sent to ana@example.com."]


async def test_no_offer_on_e_mail_itself(tmp_path: Path) -> None:
    said = await conversation(
        bot(tmp_path), "email", ["send me the news", "ana@example.com"], ("webchat", "email")
    )
    assert OFFER not in said


async def test_no_offer_for_an_answer_that_is_not_an_address(tmp_path: Path) -> None:
    said = await conversation(
        bot(tmp_path), "webchat", ["send me the news", "not an address"], ("webchat", "email")
    )
    assert OFFER not in said


async def test_the_offer_in_portuguese(tmp_path: Path) -> None:
    said = await conversation(
        bot(tmp_path), "sms", ["quero as novidades", "ana@example.com"], ("sms", "email")
    )
    assert said[-1] == OFERTA


async def test_a_designer_rewords_the_offer(tmp_path: Path) -> None:
    own = (
        "messages:\n  email_offer:\n"
        "    en: \"Prefer e-mail? Say 'continue by e-mail'.\"\n"
        "    pt: \"Prefere e-mail? Diga 'continuar por e-mail'.\"\n"
    )
    said = await conversation(
        bot(tmp_path, own), "webchat", ["send me the news", "ana@example.com"], ("webchat", "email")
    )
    assert said[-1] == "Prefer e-mail? Say 'continue by e-mail'."
