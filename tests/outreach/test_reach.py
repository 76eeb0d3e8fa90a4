"""Where and whether a message the business starts goes: the preferred channel, else the last
one used, else the bot's order; stop, consent, WhatsApp's window, quiet hours and daily caps
(:mod:`bot.outreach.reach`), on the embedded memory and on Redis, with a clock the test moves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.privacy import export
from bot.format.outbound import Template
from bot.format.transcript import OutboundEntry
from memory.redis.connection import connect
from memory.redis.presence import RedisPresence
from tests.helpers import BACKENDS
from tests.outreach.reach_kit import Shop, ShopFactory, make_shop
from tests.redis_server import free_port

TEMPLATES = """channels:
  whatsapp:
    templates:
      transactional:
        en: {name: order_news, language: en, parameters: ["{{ message }}"]}
"""


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


async def on_sms_then_whatsapp(shop: Shop) -> str:
    """A customer who wrote on SMS, then an hour later on WhatsApp (one customer: one phone)."""
    customer = await shop.write("sms", "hello")
    shop.clock.advance(hours=1)
    assert await shop.write("whatsapp", "hi") == customer
    return customer


async def test_the_last_channel_used_when_none_is_preferred(shops: ShopFactory) -> None:
    shop = await shops()
    customer = await on_sms_then_whatsapp(shop)
    await shop.event(customer, "order.shipped", order="A1")
    assert (await shop.sent_on(customer))[-1] == ("whatsapp", "Your order A1 is on its way")
    assert await shop.notes(customer) == ["transactional message sent on whatsapp"]
    assert shop.metric("outreach_delivered", "whatsapp") == 1


async def test_the_preferred_channel_wins_over_the_last_used(shops: ShopFactory) -> None:
    shop = await shops()
    customer = await shop.write("whatsapp", "hi")
    shop.clock.advance(hours=1)
    await shop.write("sms", "message me on whatsapp")
    assert (await shop.record(customer)).profile["preferred_channel"] == "whatsapp"
    await shop.event(customer, "order.shipped", order="A1")
    assert (await shop.sent_on(customer))[-1] == ("whatsapp", "Your order A1 is on its way")


async def test_the_bots_order_after_the_last_channel_used(shops: ShopFactory) -> None:
    shop = await shops("outreach:\n  channels: [email, sms]\n")
    customer = await shop.write("email", "hello")
    shop.clock.advance(hours=1)
    await shop.write("sms", "hello again")
    shop.clock.advance(hours=1)
    await shop.write("whatsapp", "hi")
    shop.clock.advance(hours=30)  # WhatsApp's window closed, and no template
    await shop.event(customer, "order.shipped", order="A1")
    assert (await shop.sent_on(customer))[-1] == ("email", "Your order A1 is on its way")
    assert "email (whatsapp skipped: its window is closed" in (await shop.notes(customer))[-1]


async def test_whatsapp_outside_its_window_goes_as_the_template(shops: ShopFactory) -> None:
    shop = await shops(TEMPLATES)
    customer = await on_sms_then_whatsapp(shop)
    shop.clock.advance(hours=30)  # the 24-hour window closed
    await shop.event(customer, "order.shipped", order="A1")
    entries = [e for e in await shop.transcript(customer) if isinstance(e, OutboundEntry)]
    assert entries[-1].channel == "whatsapp"
    assert isinstance(entries[-1].message, Template)
    assert entries[-1].message.parameters == ("Your order A1 is on its way",)
    assert "as its approved template" in (await shop.notes(customer))[-1]


async def test_whatsapp_outside_its_window_without_a_template_goes_on_the_next(
    shops: ShopFactory,
) -> None:
    shop = await shops()
    customer = await on_sms_then_whatsapp(shop)
    shop.clock.advance(hours=30)
    await shop.event(customer, "order.shipped", order="A1")
    assert (await shop.sent_on(customer))[-1] == ("sms", "Your order A1 is on its way")
    assert await shop.notes(customer) == [
        "transactional message sent on sms (whatsapp skipped: its window is closed and no "
        "'transactional' template fits)"
    ]


async def test_marketing_without_an_opt_in_is_suppressed(shops: ShopFactory) -> None:
    shop = await shops()
    customer = await on_sms_then_whatsapp(shop)
    before = await shop.sent_on(customer)
    await shop.event(customer, "promo.sale")
    assert await shop.sent_on(customer) == before
    assert await shop.notes(customer) == [
        "marketing message not sent: the customer has not opted in to marketing"
    ]
    assert shop.metric("outreach_suppressed", "no_consent") == 1


async def test_marketing_goes_after_an_opt_in_which_the_export_holds(shops: ShopFactory) -> None:
    shop = await shops()
    customer = await on_sms_then_whatsapp(shop)
    await shop.write("whatsapp", "send me offers")
    await shop.write("whatsapp", "yes")
    await shop.event(customer, "promo.sale")
    assert (await shop.sent_on(customer))[-1] == ("whatsapp", "Everything 20% off this week")
    exported = await export(shop.runtime.memory, customer)
    assert exported is not None
    record = exported["customer"]
    assert isinstance(record, dict)
    assert record["outreach"]["consents"] == [  # type: ignore[index,call-overload]
        {
            "at": "2026-03-02T16:00:00Z",
            "channel": "whatsapp",
            "wording": "Can we send you offers?",
            "given": True,
        }
    ]


async def test_a_stop_on_one_channel_silences_marketing_everywhere_and_that_channel_entirely(
    shops: ShopFactory,
) -> None:
    shop = await shops()
    customer = await on_sms_then_whatsapp(shop)
    await shop.write("whatsapp", "send me offers")
    await shop.write("whatsapp", "yes")
    shop.clock.advance(hours=1)
    await shop.channels["sms"].submit("u1", None, kind="command", command={"name": "stop"})
    await shop.runtime.pipeline.join()
    sent = len(await shop.sent_on(customer))
    await shop.event(customer, "promo.sale")
    assert len(await shop.sent_on(customer)) == sent
    assert (await shop.notes(customer))[-1] == (
        "marketing message not sent: the customer said stop on sms"
    )
    await shop.event(customer, "order.shipped", order="A1")
    assert (await shop.sent_on(customer))[-1] == ("whatsapp", "Your order A1 is on its way")
    assert "sms skipped: the customer said stop there" in (await shop.notes(customer))[-1]
    assert shop.metric("outreach_suppressed", "opted_out") == 1


QUIET = "outreach:\n  quiet_hours: {from: '21:00', to: '08:00'}\n  timezone: America/Sao_Paulo\n"


async def test_quiet_hours_defer_the_message_to_eight_and_the_scheduler_sends_it(
    shops: ShopFactory,
) -> None:
    shop = await shops(QUIET)
    customer = await on_sms_then_whatsapp(shop)  # the clock is 13:00 in São Paulo
    shop.clock.advance(hours=10)  # 23:00 there
    sent = len(await shop.sent_on(customer))
    await shop.event(customer, "order.shipped", order="A1")
    assert len(await shop.sent_on(customer)) == sent
    scheduler = shop.runtime.scheduler
    assert scheduler is not None
    [deferred] = await scheduler.pending(customer)
    assert deferred.key == "deferred:event:e1"
    assert deferred.due_at.isoformat() == "2026-03-03T11:00:00+00:00"  # 08:00 in São Paulo
    assert shop.metric("outreach_deferred", "quiet_hours") == 1
    shop.clock.advance(hours=8.5)  # 07:30: not yet
    assert await scheduler.fire_due() == 0
    shop.clock.advance(hours=0.5)
    assert await scheduler.fire_due() == 1
    await shop.runtime.pipeline.join()
    assert (await shop.sent_on(customer))[-1] == ("whatsapp", "Your order A1 is on its way")
    assert await scheduler.pending(customer) == []


async def test_the_marketing_cap_suppresses_and_the_transactional_cap_defers(
    shops: ShopFactory,
) -> None:
    shop = await shops("outreach:\n  caps: {marketing: 1, transactional: 2}\n")
    customer = await on_sms_then_whatsapp(shop)
    await shop.write("whatsapp", "send me offers")
    await shop.write("whatsapp", "yes")
    await shop.event(customer, "promo.sale")
    await shop.event(customer, "promo.sale")
    sale = [s for s in await shop.sent_on(customer) if "20%" in s[1]]
    assert len(sale) == 1
    assert (await shop.notes(customer))[-1] == "marketing message not sent: 1 already sent today"
    for order in ("A1", "A2", "A3"):
        await shop.event(customer, "order.shipped", order=order)
    shipped = [s[1] for s in await shop.sent_on(customer) if "order" in s[1]]
    assert shipped == ["Your order A1 is on its way", "Your order A2 is on its way"]
    scheduler = shop.runtime.scheduler
    assert scheduler is not None
    [deferred] = await scheduler.pending(customer)
    # the customer's day, in the zone of their number (+55 11: São Paulo)
    assert deferred.due_at.isoformat() == "2026-03-03T03:00:00+00:00"
    assert shop.metric("outreach_suppressed", "cap") == 1
    assert shop.metric("outreach_deferred", "cap") == 1


async def test_the_web_chat_is_not_written_to_when_no_page_of_the_customer_is_open(
    shops: ShopFactory,
) -> None:
    shop = await shops()
    customer = await shop.write("webchat", "hello")
    await shop.event(customer, "order.shipped", order="A1")
    assert [s for s in await shop.sent_on(customer) if "A1" in s[1]] == []
    assert await shop.notes(customer) == [
        "transactional message not sent: webchat skipped: the customer has no page open there"
    ]
    assert shop.metric("outreach_suppressed", "unreachable") == 1


async def test_the_web_chat_carries_the_message_while_a_page_of_the_customer_is_open(
    shops: ShopFactory,
) -> None:
    shop = await shops()
    customer = await shop.write("webchat", "hello")
    await shop.presence.mark(customer, "webchat", "page-1", timedelta(seconds=60))
    await shop.event(customer, "order.shipped", order="A1")
    assert ("webchat", "Your order A1 is on its way") in await shop.sent_on(customer)
    assert await shop.notes(customer) == ["transactional message sent on webchat"]
    assert shop.metric("outreach_delivered", "webchat") == 1

    await shop.presence.unmark(customer, "webchat", "page-1")
    await shop.event(customer, "order.shipped", order="A2")
    assert [s for s in await shop.sent_on(customer) if "A2" in s[1]] == []


async def test_another_customers_open_page_reaches_nobody_else(shops: ShopFactory) -> None:
    shop = await shops()
    customer = await shop.write("webchat", "hello", user="u1")
    other = await shop.channels["webchat"].say("u2", "hi")
    await shop.runtime.pipeline.join()
    await shop.presence.mark(other.customer_id, "webchat", "page-2", timedelta(seconds=60))
    await shop.event(customer, "order.shipped", order="A1")
    assert [s for s in await shop.sent_on(customer) if "A1" in s[1]] == []
    assert [s for s in await shop.sent_on(other.customer_id) if "A1" in s[1]] == []


async def test_with_the_page_closed_the_message_goes_on_the_customers_next_channel(
    shops: ShopFactory,
) -> None:
    shop = await shops()
    customer = await shop.write("sms", "hello")
    shop.clock.advance(hours=1)
    assert await shop.write("webchat", "hi again") == customer
    await shop.event(customer, "order.shipped", order="A1")
    assert ("sms", "Your order A1 is on its way") in await shop.sent_on(customer)
    assert await shop.notes(customer) == [
        "transactional message sent on sms (webchat skipped: the customer has no page open there)"
    ]


async def test_open_pages_that_cannot_be_read_count_as_closed(
    backend: str, backend_url: str, namespace: str, tmp_path: Path
) -> None:
    unreachable = RedisPresence(connect(f"redis://127.0.0.1:{free_port()}"))
    shop = make_shop(tmp_path, backend, backend_url, namespace, presence=unreachable)
    await shop.runtime.start()
    try:
        customer = await shop.write("webchat", "hello")
        await shop.event(customer, "order.shipped", order="A1")
        assert await shop.notes(customer) == [
            "transactional message not sent: webchat skipped: the customer has no page open there"
        ]
    finally:
        await shop.runtime.stop()
