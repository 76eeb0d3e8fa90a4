"""Where a proactive message goes, proven at the vendors: a customer with a WhatsApp and an SMS
identity gets signed business events, and the fake Graph API and the fake Twilio (which check
each request as the real APIs do) say what arrived: a text inside WhatsApp's 24-hour window, the
approved template outside it, SMS when no template fits, nothing after a STOP, and SMS after
WhatsApp refused the number or the window."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.format.messages import ChannelIdentity
from tests.fakes.base import Failure
from tests.fakes.twilio import MESSAGES as TWILIO_MESSAGES
from tests.fakes.twilio import FakeTwilio
from tests.fakes.whatsapp import MESSAGES, PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph, failure
from tests.fakes.whatsapp_notifications import sign
from tests.outreach.vendors_kit import (
    CONTENT_SID,
    TEMPLATES,
    TWILIO_TEMPLATES,
    VendorShop,
    serve_shop,
)
from tests.whatsapp.kit import CUSTOMER, WA_ID
from tests.whatsapp.twilio_kit import TO

ShopFactory = Callable[..., Awaitable[VendorShop]]
SHIPPED = "Your order A1 is on its way"


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    """The fake Graph API; a test fails if the bot sent anything the real API would refuse."""
    async with FakeGraph() as api:
        yield api
    assert api.refused == [], "requests the real Graph API would refuse"


@pytest.fixture
async def make(graph: FakeGraph, twilio: FakeTwilio, tmp_path: Path) -> AsyncIterator[ShopFactory]:
    stack = contextlib.AsyncExitStack()

    async def factory(extra: str = "", *, through_twilio: bool = False) -> VendorShop:
        root = tmp_path / "bot"
        return await serve_shop(stack, root, graph, twilio, extra, through_twilio=through_twilio)

    async with stack:
        yield factory


async def wrote_on_both(shop: VendorShop) -> tuple[int, int]:
    """The customer texts, then writes on WhatsApp an hour later (one phone: one customer);
    what each vendor had accepted for them by then."""
    await shop.on_sms("hello")
    shop.clock.advance(hours=1)
    await shop.on_whatsapp("hi")
    assert await shop.customer() == await _sms_customer(shop)
    return shop.sent()


async def _sms_customer(shop: VendorShop) -> str | None:
    identity = ChannelIdentity(channel="sms", user_id=CUSTOMER)
    return await shop.runtime.pipeline.customer_of(identity)


async def test_inside_the_window_a_text_reaches_whatsapp(make: ShopFactory) -> None:
    shop = await make()
    whatsapp, sms = await wrote_on_both(shop)
    shop.clock.advance(hours=23)
    await shop.event("order.shipped", order="A1")
    assert shop.sent() == (whatsapp + 1, sms)
    last = shop.graph.to(WA_ID)[-1]
    assert (last["type"], last["text"]["body"]) == ("text", SHIPPED)
    assert (await shop.notes())[-1] == "transactional message sent on whatsapp"
    assert shop.metric("outreach_delivered", "whatsapp") == 1


async def test_outside_the_window_the_approved_template_reaches_whatsapp(
    make: ShopFactory,
) -> None:
    shop = await make(TEMPLATES)
    shop.graph.approve("order_news", "en", 1)
    whatsapp, sms = await wrote_on_both(shop)
    shop.clock.advance(hours=25)
    await shop.event("order.shipped", order="A1")
    assert shop.sent() == (whatsapp + 1, sms)
    last = shop.graph.to(WA_ID)[-1]
    assert last["type"] == "template"
    template = last["template"]
    assert (template["name"], template["language"]) == ("order_news", {"code": "en"})
    assert template["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": SHIPPED}]}
    ]
    assert shop.graph.outside == []  # no free-form message was tried first
    assert "on whatsapp as its approved template" in (await shop.notes())[-1]


async def test_outside_the_window_without_a_template_sms_carries_it(make: ShopFactory) -> None:
    shop = await make()
    whatsapp, sms = await wrote_on_both(shop)
    shop.clock.advance(hours=25)
    await shop.event("order.shipped", order="A1")
    assert shop.sent() == (whatsapp, sms + 1)
    assert shop.twilio.to(CUSTOMER)[-1].body == SHIPPED
    assert shop.graph.outside == []
    assert (await shop.notes())[-1] == (
        "transactional message sent on sms (whatsapp skipped: its window is closed and no "
        "'transactional' template fits)"
    )


async def test_after_an_sms_stop_a_marketing_event_reaches_no_vendor(make: ShopFactory) -> None:
    shop = await make()
    await wrote_on_both(shop)
    await shop.on_whatsapp("send me offers")
    await shop.on_whatsapp("yes")
    await shop.event("promo.sale")  # opted in: it goes
    assert shop.graph.to(WA_ID)[-1]["text"]["body"] == "Everything 20% off this week"
    await shop.on_sms("STOP")
    before = shop.sent()
    await shop.event("promo.sale")
    assert shop.sent() == before
    assert (await shop.notes())[-1] == "marketing message not sent: the customer said stop on sms"
    assert shop.metric("outreach_suppressed", "opted_out") == 1


UNDELIVERABLE = [{"code": 131026, "title": "Message undeliverable"}]


async def test_a_number_whatsapp_refuses_gets_the_message_by_sms_once(make: ShopFactory) -> None:
    """WhatsApp refuses the order's news at sending, and would refuse it again: the channel is
    marked unreachable and the same message reaches the Twilio fake once, WhatsApp not tried
    again; the next event goes straight to SMS."""
    shop = await make()
    whatsapp, sms = await wrote_on_both(shop)
    shop.graph.fail_next(MESSAGES, failure(400, 131026, "Message undeliverable"), times=2)
    await shop.event("order.shipped", order="A1")
    assert shop.sent() == (whatsapp, sms + 1)
    assert [m.body for m in shop.twilio.to(CUSTOMER)[sms:]] == [SHIPPED]
    tried = [call for call in shop.graph.of(MESSAGES) if "to" in call.params]
    assert len(tried) == whatsapp + 1  # one try, refused, not tried again
    assert any("WhatsApp refuses messages" in n for n in await shop.notes("unreachable"))
    moved, decided = (await shop.notes())[-2:]
    assert moved.startswith("1 message(s) refused by WhatsApp sent again: whatsapp error 131026")
    assert decided == (
        "transactional message sent on sms (whatsapp skipped: it refused the last message)"
    )
    assert shop.metric("outreach_delivered", "sms") == 1
    await shop.event("order.shipped", order="A2")
    assert shop.sent() == (whatsapp, sms + 2)
    assert shop.twilio.to(CUSTOMER)[-1].body == "Your order A2 is on its way"


async def test_refused_on_every_channel_the_message_moves_through_each_once_then_stops(
    make: ShopFactory,
) -> None:
    """WhatsApp refuses the number, then Twilio refuses it too (21211): each channel is tried
    once, and with none left the message is suppressed as unreachable; nothing loops."""
    shop = await make()
    whatsapp, sms = await wrote_on_both(shop)
    shop.graph.fail_next(MESSAGES, failure(400, 131026, "Message undeliverable"))
    invalid = {"code": 21211, "message": "Invalid 'To'", "more_info": "", "status": 400}
    shop.twilio.fail_next(TWILIO_MESSAGES, Failure(400, invalid, {}), times=2)
    await shop.event("order.shipped", order="A1")
    assert shop.sent() == (whatsapp, sms)
    assert len(shop.twilio.of(TWILIO_MESSAGES)) == sms + 1
    assert len(await shop.notes("unreachable")) == 2
    assert (await shop.notes())[-1].startswith("transactional message not sent: ")
    assert shop.metric("outreach_suppressed", "unreachable") == 1


async def test_a_late_undeliverable_status_moves_the_message_to_sms_once(
    make: ShopFactory,
) -> None:
    """WhatsApp accepted the news (200) and later posts, signed, that it failed with 131026,
    twice (Meta redelivers): the message reaches SMS once."""
    shop = await make()
    whatsapp, sms = await wrote_on_both(shop)
    await shop.event("order.shipped", order="A1")
    ours = shop.graph.to(WA_ID)[-1]["biz_opaque_callback_data"]
    assert await shop.on_status(ours, UNDELIVERABLE) == 200
    assert await shop.on_status(ours, UNDELIVERABLE) == 200
    assert shop.sent() == (whatsapp + 1, sms + 1)
    assert shop.twilio.to(CUSTOMER)[-1].body == SHIPPED
    assert len([n for n in await shop.notes() if "sent again" in n]) == 1


async def test_a_forged_undeliverable_status_sends_nothing_again(make: ShopFactory) -> None:
    """Statuses are signed with the app secret: one signed with another secret, or unsigned,
    is refused and neither marks WhatsApp unreachable nor sends the message again."""
    shop = await make()
    whatsapp, sms = await wrote_on_both(shop)
    await shop.event("order.shipped", order="A1")
    ours = shop.graph.to(WA_ID)[-1]["biz_opaque_callback_data"]
    forged = sign(b"another body")
    assert await shop.on_status(ours, UNDELIVERABLE, forged) in (401, 403)
    assert await shop.on_status(ours, UNDELIVERABLE, "sha256=") in (401, 403)
    assert shop.sent() == (whatsapp + 1, sms)
    assert await shop.notes("unreachable") == []
    await shop.event("order.shipped", order="A2")
    assert shop.sent() == (whatsapp + 2, sms)


async def test_a_refused_reply_to_the_customer_is_not_moved(make: ShopFactory) -> None:
    """The customer writes on WhatsApp and the bot's answer is refused: WhatsApp is marked
    unreachable, but the answer does not follow them to SMS (they wrote on WhatsApp, and
    will see the channel fail there)."""
    shop = await make()
    whatsapp, sms = await wrote_on_both(shop)
    shop.graph.fail_next(MESSAGES, failure(400, 131026, "Message undeliverable"))
    await shop.on_whatsapp("where is my order")
    assert shop.sent() == (whatsapp, sms)
    assert any("WhatsApp refuses messages" in n for n in await shop.notes("unreachable"))
    assert not [n for n in await shop.notes() if "sent again" in n]
    assert shop.metric("outreach_delivered", "sms") == 0


async def test_whatsapps_own_closed_window_sends_the_next_event_by_sms(
    make: ShopFactory,
) -> None:
    """The bot believes the window open; WhatsApp dated the customer's message 30 hours ago
    and answers the bot's reply with 131047: the record's window closes, and the next event
    goes by SMS without trying WhatsApp's free form again."""
    shop = await make()
    await shop.on_sms("hello")
    shop.graph.dated_back[WA_ID] = 30 * 3600
    await shop.on_whatsapp("hi")
    assert [body["type"] for body in shop.graph.outside] == ["text"]  # the bot's answer
    whatsapp, sms = shop.sent()
    await shop.event("order.shipped", order="A1")
    assert shop.sent() == (whatsapp, sms + 1)
    assert shop.twilio.to(CUSTOMER)[-1].body == SHIPPED
    assert len(shop.graph.outside) == 1
    assert (await shop.notes())[-1] == "transactional message sent on sms"


async def test_through_twilio_a_text_inside_the_window_and_the_template_outside(
    make: ShopFactory,
) -> None:
    """WhatsApp through Twilio: the same decision, and outside the window the template goes
    by its Content API SID with the message as its variable (checked by the fake Twilio
    against the template registered in the account)."""
    shop = await make(TWILIO_TEMPLATES, through_twilio=True)
    whatsapp, sms = await wrote_on_both(shop)
    await shop.event("order.shipped", order="A1")
    inside = shop.twilio.to(TO)[-1]
    assert (inside.body, inside.content_sid) == (SHIPPED, None)
    shop.clock.advance(hours=25)
    await shop.event("order.shipped", order="A2")
    assert shop.sent() == (whatsapp + 2, sms)
    outside = shop.twilio.to(TO)[-1]
    assert outside.content_sid == CONTENT_SID
    assert outside.content_variables == {"1": "Your order A2 is on its way"}
    assert "on whatsapp as its approved template" in (await shop.notes())[-1]


WRONG_TEMPLATES: list[tuple[dict[str, Any], int]] = [
    ({"name": "order_news", "language": {"code": "en_US"}}, 132001),
    ({"name": "unknown", "language": {"code": "en"}}, 132001),
    ({"name": "order_news", "language": {"code": "en"}, "components": []}, 132000),
    (
        {
            "name": "order_news",
            "language": {"code": "en"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "a\nb"}]}],
        },
        132018,
    ),
    (
        {
            "name": "order_news",
            "language": {"code": "en", "policy": "fallback"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "a"}]}],
        },
        100,
    ),
    (
        {
            "name": "order_news",
            "language": {"code": "en"},
            "components": [{"type": "footer", "parameters": [{"type": "text", "text": "a"}]}],
        },
        100,
    ),
    (
        {
            "name": "order_news",
            "language": {"code": "en"},
            "components": [{"type": "body", "parameters": [{"type": "text"}]}],
        },
        100,
    ),
]


@pytest.mark.parametrize(("template", "code"), WRONG_TEMPLATES)
async def test_the_fake_graph_refuses_a_template_as_meta_does(
    template: dict[str, Any], code: int
) -> None:
    """The template checks the tests above rely on can fail: a template Meta did not approve
    in that language, with other parameters or a malformed shape is refused with Meta's code."""
    async with FakeGraph() as graph:
        graph.approve("order_news", "en", 1)
        body = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "template"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{graph.url}/{VERSION}/{PHONE_NUMBER_ID}/messages",
                json=body | {"template": template},
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as answer,
        ):
            got = await answer.json()
        assert (answer.status, got["error"]["code"]) == (400, code)
        assert graph.sent == []
