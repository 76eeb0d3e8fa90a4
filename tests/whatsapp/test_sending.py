"""Media by link with captions, read receipts with the typing indicator, and the pace of
sending: per customer, per number, and rate limits waited out, never dropped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app.config import WhatsappPacing
from bot.connector import Outgoing
from bot.errors import RateLimited
from bot.format.messages import Address
from bot.format.outbound import Button, Media, Text
from connectors.keepalive import KeepAlive
from connectors.whatsapp.cloud.client import GraphApi
from connectors.whatsapp.cloud.outbound import render
from connectors.whatsapp.cloud.pacing import Pacer
from memory import EmbeddedMemory
from tests.fakes import whatsapp_notifications as meta
from tests.fakes.whatsapp import MESSAGES, TOKEN, FakeGraph, failure
from tests.whatsapp.kit import BSUID, CUSTOMER, WA_ID, BotFactory, WhatsappBot, settings

PHOTO = "https://shop.example/p/123.jpg"


@pytest.fixture
async def poster() -> AsyncIterator[KeepAlive]:
    async with KeepAlive() as poster:
        yield poster


async def accepted(graph: FakeGraph, poster: KeepAlive, message: Media) -> list[str]:
    """Send ``message``'s bodies to the fake Graph API; their types."""
    api = GraphApi(settings(graph).messages_url, TOKEN, poster)
    graph.heard(meta.text(WA_ID, "Oi"))  # within the 24-hour window
    bodies = render(message, WA_ID, "m-1", "Opções")
    for body in bodies:
        await api.send(body)
    return [body["type"] for body in bodies]


async def test_an_image_goes_by_link_with_its_caption(graph: FakeGraph, poster: KeepAlive) -> None:
    assert await accepted(graph, poster, Media(kind="image", url=PHOTO, caption="Seu pedido")) == [
        "image"
    ]
    assert graph.sent[0]["image"] == {"link": PHOTO, "caption": "Seu pedido"}


async def test_a_document_keeps_its_file_name(graph: FakeGraph, poster: KeepAlive) -> None:
    invoice = Media(kind="file", url="https://shop.example/nf.pdf", name="nota.pdf")
    assert await accepted(graph, poster, invoice) == ["document"]
    assert graph.sent[0]["document"]["filename"] == "nota.pdf"


async def test_a_caption_too_long_follows_the_media_as_text(
    graph: FakeGraph, poster: KeepAlive
) -> None:
    long = "palavra " * 200
    assert await accepted(graph, poster, Media(kind="video", url=PHOTO, caption=long)) == [
        "video",
        "text",
    ]
    assert "caption" not in graph.sent[0]["video"]
    assert graph.sent[1]["text"]["body"] == long.strip()


async def test_an_audio_clips_caption_goes_as_text(graph: FakeGraph, poster: KeepAlive) -> None:
    clip = Media(kind="audio", url="https://shop.example/a.mp3", caption="Ouça")
    assert await accepted(graph, poster, clip) == ["audio", "text"]


async def test_media_with_choices_goes_bare_then_the_choices(
    graph: FakeGraph, poster: KeepAlive
) -> None:
    buttons = (Button(title="Sim", payload="yes"), Button(title="Não", payload="no"))
    shown = Media(kind="image", url=PHOTO, caption="É este?", buttons=buttons)
    assert await accepted(graph, poster, shown) == ["image", "interactive"]
    assert graph.sent[1]["interactive"]["body"]["text"] == "É este?"
    bare = Media(kind="image", url=PHOTO, buttons=buttons)
    assert await accepted(graph, poster, bare) == ["image", "interactive"]


async def test_a_turn_marks_the_message_read_with_the_typing_indicator(
    store: WhatsappBot,
) -> None:
    mid = meta.message_id()
    await store.notify(meta.text(WA_ID, "hi", mid=mid))
    await store.replies(1)
    await store.graph.wait_for(lambda _: len(store.graph.read) >= 1)
    assert store.graph.read == [
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": mid,
            "typing_indicator": {"type": "text"},
        }
    ]


async def test_a_failed_read_receipt_does_not_stop_the_answer(store: WhatsappBot) -> None:
    store.graph.fail_next("read", failure(500, 2, "Service temporarily unavailable"))
    store.graph.fail_next("read", failure(401, 190))
    await store.notify(meta.text(WA_ID, "hi"))
    await store.notify(meta.text(WA_ID, "where is my order"))
    assert len(await store.replies(2)) == 2
    assert store.graph.read == []


async def test_a_rate_limit_is_waited_out_and_the_message_still_goes(
    make_bot: BotFactory,
) -> None:
    bot = await make_bot()
    bot.graph.fail_next(MESSAGES, failure(400, 130429), times=2)
    bot.graph.fail_next(MESSAGES, failure(400, 131056), times=5)
    await bot.notify(meta.text(WA_ID, "hi"))
    [welcome] = await bot.replies(1)
    await bot.settle()
    [out] = await bot.outputs()
    assert welcome["biz_opaque_callback_data"] == out.message_id
    assert [s.status for s in await bot.statuses()] == []
    assert len(bot.graph.of(MESSAGES)) >= 8


async def test_the_pacer_spaces_one_customers_messages_not_everyones() -> None:
    memory = EmbeddedMemory()
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)
        await asyncio.sleep(seconds)

    pacing = WhatsappPacing(customer_burst=2, customer_gap=0.02)
    pacer = Pacer(memory.throttle_all, "1065", pacing, asyncio.Event(), nap)

    async def ok() -> str:
        return "wamid.X"

    for customer in ("551100000001", "551100000002", "551100000003"):
        await pacer.send(customer, ok)
    assert naps == []
    for _ in range(4):
        await pacer.send(WA_ID, ok)
    assert naps
    assert all(0 < nap <= 0.02 + 1e-9 for nap in naps), naps


async def test_the_number_has_one_throughput_for_all_its_customers() -> None:
    memory = EmbeddedMemory()
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)
        await asyncio.sleep(seconds)

    pacing = WhatsappPacing(throughput=50, customer_gap=0)
    pacer = Pacer(memory.throttle_all, "1065", pacing, asyncio.Event(), nap)

    async def ok() -> None:
        return None

    for n in range(60):
        await pacer.send(f"5511{n:09d}", ok)
    assert naps
    assert all(0 < nap <= 1 / 50 + 1e-9 for nap in naps), naps


async def test_a_customers_turn_is_not_spent_while_the_number_is_busy() -> None:
    """Both buckets or neither: a customer who waits for the number keeps their own token."""
    now = [1_000.0]
    memory = EmbeddedMemory(clock=lambda: now[0])
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)
        now[0] += seconds

    pacing = WhatsappPacing(throughput=1, customer_burst=1, customer_gap=6)
    pacer = Pacer(memory.throttle_all, "1065", pacing, asyncio.Event(), nap)

    async def ok() -> None:
        return None

    await pacer.send("551100000001", ok)
    await pacer.send(WA_ID, ok)
    assert naps == [pytest.approx(1.0)], "only the number's second was waited for"
    await pacer.send(WA_ID, ok)
    assert naps[1:] == [pytest.approx(6.0)], "the customer's one token went to one message"


async def test_a_stopping_worker_ends_the_wait_with_the_rate_limit() -> None:
    stopped = asyncio.Event()
    pacer = Pacer(EmbeddedMemory().throttle_all, "1065", WhatsappPacing(backoff=30), stopped)
    tries = 0

    async def limited() -> None:
        nonlocal tries
        tries += 1
        stopped.set()
        raise RateLimited("whatsapp error 130429", 6.0)

    with pytest.raises(RateLimited):
        await pacer.send(WA_ID, limited)
    assert tries == 1


async def test_the_connector_sends_to_a_user_id_by_recipient(store: WhatsappBot) -> None:
    address = Address(channel="whatsapp", user_id=BSUID, conversation_id=BSUID)
    store.graph.heard(meta.text(None, "Oi", user_id=BSUID))  # within the 24-hour window
    await store.connector.send(address, [Outgoing("m-9", Text(text="Olá"))])
    [body] = store.graph.to(BSUID)
    assert body["recipient"] == BSUID
    assert store.graph.to(CUSTOMER.removeprefix("+")) == []
