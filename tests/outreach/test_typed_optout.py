"""A stop the customer types on a channel without stop keywords of its own (WhatsApp here): the
channel and marketing are stopped, with the time and the channel kept for the export; the flow
that ran is cancelled and the customer told so, once; only a typed start re-opens the channel
(:mod:`bot.outreach.optout`), on the embedded memory and on Redis."""

from __future__ import annotations

import pytest

from bot.app.privacy import export
from bot.format.messages import InboundEvent
from bot.outreach.optout import confirmed_by_bot, stop_said, typed_start, typed_stop
from dialogs.design.defaults import MESSAGES
from dialogs.state import DialogState
from tests.helpers import BACKENDS
from tests.outreach.reach_kit import Shop, ShopFactory

CONFIRMED = MESSAGES["opted_out"]["en"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


async def opted_in_on_sms_and_whatsapp(shop: Shop) -> str:
    """A customer on SMS and WhatsApp (one phone) who said yes to offers."""
    customer = await shop.write("sms", "hello")
    shop.clock.advance(hours=1)
    await shop.write("whatsapp", "send me offers")
    await shop.write("whatsapp", "yes")
    await shop.event(customer, "promo.sale")
    assert (await shop.sent_on(customer))[-1] == ("whatsapp", "Everything 20% off this week")
    return customer


async def test_parar_on_whatsapp_cancels_the_flow_and_stops_the_channel_and_marketing(
    shops: ShopFactory,
) -> None:
    shop = await shops()
    customer = await opted_in_on_sms_and_whatsapp(shop)
    shop.clock.advance(hours=1)
    await shop.write("whatsapp", "send me offers")
    assert DialogState.load((await shop.record(customer)).dialog).stack, (
        "the flow asks its question"
    )
    shop.clock.advance(hours=1)
    await shop.write("whatsapp", " Parar! ")
    record = await shop.record(customer)
    assert record.opted_out == frozenset({"whatsapp"})
    assert DialogState.load(record.dialog).stack == (), "the running flow is cancelled"
    assert (await shop.sent_on(customer))[-1] == ("whatsapp", CONFIRMED)
    exported = await export(shop.runtime.memory, customer)
    assert exported is not None
    consents = exported["customer"]["outreach"]["consents"]  # type: ignore[call-overload,index]
    assert consents[-1] == {  # type: ignore[index]
        "at": "2026-03-02T18:00:00Z",
        "channel": "whatsapp",
        "wording": "Parar!",
        "given": False,
    }

    sent = len(await shop.sent_on(customer))
    await shop.event(customer, "promo.sale")
    assert len(await shop.sent_on(customer)) == sent, "no marketing on any channel"
    await shop.event(customer, "order.shipped", order="A1")
    assert (await shop.sent_on(customer))[-1] == ("sms", "Your order A1 is on its way")
    assert "whatsapp skipped: the customer said stop there" in (await shop.notes(customer))[-1]


async def test_writing_again_does_not_opt_back_in_but_a_typed_start_reopens_the_channel(
    shops: ShopFactory,
) -> None:
    shop = await shops()
    customer = await opted_in_on_sms_and_whatsapp(shop)
    await shop.write("whatsapp", "unsubscribe")
    sent = len(await shop.sent_on(customer))
    await shop.write("whatsapp", "where is my order?")
    assert len(await shop.sent_on(customer)) == sent, "nothing goes to a stopped channel"
    assert (await shop.record(customer)).opted_out == frozenset({"whatsapp"})
    await shop.write("whatsapp", "START")
    record = await shop.record(customer)
    assert record.opted_out == frozenset()
    assert not record.outreach.marketing_allowed, "marketing needs a new opt-in"
    await shop.event(customer, "order.shipped", order="A2")
    assert (await shop.sent_on(customer))[-1] == ("whatsapp", "Your order A2 is on its way")


async def test_stop_inside_a_sentence_is_not_a_stop(shops: ShopFactory) -> None:
    shop = await shops()
    customer = await opted_in_on_sms_and_whatsapp(shop)
    await shop.write("whatsapp", "don't stop the order")
    record = await shop.record(customer)
    assert record.opted_out == frozenset()
    assert record.outreach.marketing_allowed
    assert CONFIRMED not in [text for _, text in await shop.sent_on(customer)]


def typed(text: str, channel: str = "whatsapp") -> InboundEvent:
    return InboundEvent.model_validate(
        {
            "event_id": "e1",
            "channel": channel,
            "address": {"channel": channel, "user_id": "u1", "conversation_id": "u1"},
            "kind": "text",
            "text": text,
        }
    )


@pytest.mark.parametrize(
    "text",
    [
        "stop",
        "STOP.",
        "Unsubscribe",
        "stop messages",
        "opt out",
        "parar",
        "Pare!",
        "descadastrar",
        "Cancelar mensagens",
        "Não quero mais mensagens",
        "nao quero mais mensagens...",
    ],
)
def test_whole_stop_messages_in_english_and_portuguese(text: str) -> None:
    assert typed_stop(typed(text))
    assert typed_stop(typed(text, "webchat"))


@pytest.mark.parametrize(
    "text", ["don't stop the order", "stop the delivery please", "parar de receber? como", "?"]
)
def test_stop_words_inside_a_sentence_are_not_a_stop(text: str) -> None:
    assert not typed_stop(typed(text))


def test_sms_keeps_its_carrier_keywords() -> None:
    assert not typed_stop(typed("stop", "sms"))
    assert not typed_start(typed("start", "sms"))
    assert typed_start(typed("Iniciar", "whatsapp"))


def commanded(name: str, channel: str, text: str | None = None) -> InboundEvent:
    return InboundEvent.model_validate(
        {
            "event_id": "e1",
            "channel": channel,
            "address": {"channel": channel, "user_id": "u1", "conversation_id": "u1"},
            "kind": "command",
            "command": {"name": name},
            "text": text,
        }
    )


@pytest.mark.parametrize(
    ("item", "by_bot"),
    [
        pytest.param(commanded("stop", "telegram", "/stop"), True, id="telegram-stop"),
        pytest.param(commanded("stop", "sms", "STOP"), False, id="sms-carrier-answers"),
        pytest.param(commanded("stop", "email"), False, id="email-page-answers"),
        pytest.param(typed("parar", "email"), True, id="typed-in-a-mail-body"),
    ],
)
def test_every_stop_is_one_and_is_confirmed_once(item: InboundEvent, by_bot: bool) -> None:
    assert stop_said(item)
    assert confirmed_by_bot(item) is by_bot


def test_start_help_and_ordinary_text_are_no_stop() -> None:
    for item in (commanded("start", "sms"), commanded("help", "telegram"), typed("hello")):
        assert not stop_said(item)
        assert not confirmed_by_bot(item)
