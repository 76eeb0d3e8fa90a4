"""What the customer meets around a handoff: the queue position, acknowledgements while
waiting, nobody available (hours, nobody online) and being contacted later; and the console's
live updates over the websocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.format.messages import utcnow
from bot.format.outbound import Text
from bot.format.transcript import OutboundEntry, StatusEntry
from tests.console.kit import Desk, serving
from tests.helpers import text_of

PHONE = "+12025550143"
HANDOFF = "Let me get someone to look at order A-12345."


async def hand_off(desk: Desk, user: str = PHONE, channel: str = "sms") -> list[str]:
    await desk.say(channel, user, "where is my order")
    return await desk.say(channel, user, "A-12345")


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with serving(tmp_path, bot_yaml="handoff:\n  acknowledge_minutes: 0.01\n") as running:
        yield running


async def test_a_customer_queued_is_told_their_place(desk: Desk) -> None:
    await desk.online()
    assert await hand_off(desk, "+12025550101") == [HANDOFF, "You're number 1 in line."]
    assert await hand_off(desk, "+12025550102") == [HANDOFF, "You're number 2 in line."]


async def test_messages_while_waiting_are_acknowledged_now_and_then(desk: Desk) -> None:
    await desk.online()
    await hand_off(desk)
    assert await desk.say("sms", PHONE, "hello?") == [
        "Thanks, your message is with our team. You're number 1 in line."
    ]
    assert await desk.say("sms", PHONE, "anyone?") == []  # not again within the minutes
    await asyncio.sleep(0.7)
    assert len(await desk.say("sms", PHONE, "still there?")) == 1
    assert await desk.say("sms", PHONE, "never mind") == [
        "OK, you've left the queue. How else can I help?"
    ]


async def test_with_nobody_online_the_customer_may_ask_to_be_contacted_later(desk: Desk) -> None:
    await desk.say("webchat", "w1", "hi")
    assert await hand_off(desk, "w1", "webchat") == [
        "Nobody from our team can answer right now.",
        "Would you like us to contact you later? Choose where:",
    ]
    offer = desk.channels["webchat"].sent["w1"][-1]
    assert isinstance(offer, Text)
    assert [(b.title, b.payload) for b in offer.buttons] == [
        ("web chat", "contact:webchat"),
        ("No, thanks", "contact:"),
    ]
    await desk.channels["webchat"].press("w1", "contact:webchat")
    await desk.settle()
    assert text_of(desk.channels["webchat"].sent["w1"][-1]) == (
        "Done: someone from our team will contact you on web chat. Meanwhile, I'm still here."
    )
    ana = await desk.signed_in("ana")
    [item] = (await ana.get("/agent/api/queue"))["waiting"]
    assert item["contact_on"] == "webchat"
    assert item["status"] == "bot"
    assert await desk.say("webchat", "w1", "where is my order") == ["What's your order number?"]


async def test_outside_the_hours_the_customer_is_told_when_people_answer(tmp_path: Path) -> None:
    hours = (
        "handoff:\n  hours:\n    timezone: UTC\n    sun: '00:00-00:01'\n  contact_later: false\n"
    )
    async with serving(tmp_path, bot_yaml=hours) as closed:
        await closed.online()
        assert await hand_off(closed) == [
            "Nobody from our team can answer right now (we're here sun 00:00-00:01 (UTC))."
        ]
        ana = await closed.signed_in("ana")
        assert (await ana.get("/agent/api/queue"))["waiting"] == []


async def frames(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(5):
        while len(got) < count:
            message = await ws.receive()
            got.append(json.loads(message.data))
    return got


async def test_the_console_socket_says_what_changed(desk: Desk) -> None:
    ana = await desk.signed_in("ana")
    ws = await ana.http.ws_connect(f"{desk.base}/agent/ws")
    assert await frames(ws, 1) == [{"type": "hello", "agent": "ana"}]
    await asyncio.sleep(0.05)  # the socket marks the agent online
    assert await hand_off(desk) == [HANDOFF, "You're number 1 in line."]
    assert {"type": "queue"} in await frames(ws, 1)
    customer = await desk.customer("sms", PHONE)
    await ws.send_json({"type": "watch", "customer": customer})
    await asyncio.sleep(0.05)
    await desk.say("sms", PHONE, "hello?")
    # The watched conversation has news; and every console hears that a customer wrote.
    got = await frames(ws, 2)
    assert {"type": "conversation", "customer": customer} in got
    assert {"type": "said", "customer": customer} in got
    await ws.close()
    for _ in range(100):  # closing the console takes the agent offline
        if not await desk.runtime.desk.desk.online():
            break
        await asyncio.sleep(0.05)
    assert not await desk.runtime.desk.desk.online()


async def test_the_console_socket_needs_a_session_and_the_consoles_origin(desk: Desk) -> None:
    stranger = desk.agent()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await stranger.http.ws_connect(f"{desk.base}/agent/ws")
    assert refused.value.status == 401
    ana = await desk.signed_in("ana")
    with pytest.raises(aiohttp.WSServerHandshakeError) as elsewhere:
        await ana.http.ws_connect(f"{desk.base}/agent/ws", origin="https://evil.example")
    assert elsewhere.value.status == 403


async def test_a_console_is_online_once_it_has_its_hello_and_the_others_hear_of_it(
    desk: Desk,
) -> None:
    ana, bruno = await desk.signed_in("ana"), await desk.signed_in("bruno")
    ana_ws = await ana.http.ws_connect(f"{desk.base}/agent/ws")
    assert await frames(ana_ws, 1) == [{"type": "hello", "agent": "ana"}]
    assert await desk.runtime.desk.desk.online() == ["ana"]
    bruno_ws = await bruno.http.ws_connect(f"{desk.base}/agent/ws")
    assert await frames(bruno_ws, 1) == [{"type": "hello", "agent": "bruno"}]
    assert await frames(ana_ws, 1) == [{"type": "queue"}]  # who is online changed
    await bruno_ws.close()
    assert await frames(ana_ws, 1) == [{"type": "queue"}]
    assert await desk.runtime.desk.desk.online() == ["ana"]
    await ana_ws.close()


async def pushed(ws: aiohttp.ClientWebSocketResponse, customer: str) -> bool:
    """Whether the console is told of new entries in ``customer``'s conversation soon."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(0.5):
            while (frame := (await frames(ws, 1))[0])["type"] == "said":
                pass  # a customer wrote: for the unread markers, not this
            return frame == {"type": "conversation", "customer": customer}
    return False


async def test_a_delivery_status_reported_after_the_turn_reaches_the_watching_console(
    desk: Desk,
) -> None:
    await desk.online()
    await hand_off(desk)
    customer = await desk.customer("sms", PHONE)
    ana = await desk.signed_in("ana")
    ws = await ana.http.ws_connect(f"{desk.base}/agent/ws")
    await frames(ws, 1)
    await ws.send_json({"type": "watch", "customer": customer})
    for _ in range(20):  # until the watch is in place: the customer's next message is pushed
        await desk.say("sms", PHONE, "hello?")
        if await pushed(ws, customer):
            break
    else:
        pytest.fail("the console never heard of the customer's messages")
    [sent] = [
        logged.entry
        for logged in await desk.runtime.memory.entries(customer, None, 100)
        if isinstance(logged.entry, OutboundEntry) and text_of(logged.entry.message) == HANDOFF
    ]
    status = StatusEntry(at=utcnow(), message_id=sent.message_id, status="delivered")
    await desk.runtime.pipeline.record(customer, [status])
    assert await pushed(ws, customer)
    await ws.close()


async def test_only_what_the_customer_says_counts_as_unread_never_an_agents_doing(
    desk: Desk,
) -> None:
    await desk.online()
    await hand_off(desk)
    customer = await desk.customer("sms", PHONE)
    ana, bruno = await desk.signed_in("ana"), await desk.signed_in("bruno")
    ws = await bruno.http.ws_connect(f"{desk.base}/agent/ws")
    assert await frames(ws, 1) == [{"type": "hello", "agent": "bruno"}]
    await asyncio.sleep(0.05)  # the socket marks the agent online
    assert (await ana.act(customer, "claim")).status == 200
    assert (await ana.act(customer, "reply", text="Looking at it.")).status == 202
    assert (await ana.act(customer, "note", text="Courier called.")).status == 202
    assert (await ana.act(customer, "transfer", to="bruno")).status == 200
    await desk.settle()
    await hand_off(desk, "+12025550199")  # another customer writes: the desk's bus in order
    other = await desk.customer("sms", "+12025550199")
    said: list[str] = []
    while other not in said:
        said += [frame["customer"] for frame in await frames(ws, 1) if frame["type"] == "said"]
    # Bruno's console would otherwise show "4 new messages" on a conversation handed to him
    # in which the customer wrote nothing since.
    assert said == [other]
    await ws.close()
