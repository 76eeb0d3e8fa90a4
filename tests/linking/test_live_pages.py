"""An open page shows the whole conversation as it happens, whatever channel it happens on: a web
chat or a Direct Line stream, open all along while the customer carries on by SMS, shows the SMS
turns live, whichever of two workers holds the page and whichever runs the turns, and follows
its identity when a join folds it into another customer (finding 14 of issue 17: the page went
deaf after a join, while a reload showed everything). Through ``omnibot run --workers 2`` on
Redis (see ``conftest.py``).
"""

from __future__ import annotations

import asyncio
import json
import re
import time

import aiohttp
import pytest

from connectors.webchat.signed_identity import sign
from tests.fakes.twilio import BOT_NUMBER
from tests.linking.rig import (
    ASK_ADDRESS,
    ASK_ORDER,
    DIRECTLINE_SECRET,
    LINKED,
    NOTICE,
    ORDER,
    PUBLIC_URL,
    RESUME,
    WAIT,
    WEBCHAT_SECRET,
    Rig,
    web_chat,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


async def test_an_open_web_chat_shows_what_is_said_on_the_customers_other_channels_live(
    rig: Rig,
) -> None:
    # Finding 14 of issue 17: once a channel joined, the open page went deaf to it. A signed-in
    # customer whose site vouches for their phone carries on by SMS (which joins on that phone,
    # no code needed); the web chat, still open, shows the SMS turns as they happen, whichever
    # of the two workers holds the socket and whichever runs the turns.
    phone = "+5511955554444"
    claims = {
        "sub": "ana-9",
        "phone_number": phone,
        "phone_number_verified": True,
        "exp": int(time.time()) + 600,
    }
    async with web_chat(rig, sign(claims, WEBCHAT_SECRET)) as chat:
        await chat.say("change my delivery address")
        await chat.hears(ASK_ORDER)

        await rig.sms(phone, "A-10001")
        assert (await rig.sms_texts(phone, 2)) == [ORDER, ASK_ADDRESS]
        await chat.hears("A-10001")
        await chat.hears(ASK_ADDRESS)
        await rig.sms(phone, "Av. Paulista 2000, apto 12, São Paulo - SP")
        await chat.hears("Av. Paulista 2000, apto 12, São Paulo - SP")
        await chat.hears("And the postcode (CEP)?")
        assert await rig.customer("sms", phone) == await chat.customer()


async def test_an_open_direct_line_stream_follows_the_conversation_to_sms_live(rig: Rig) -> None:
    # The same for a Direct Line client: it asks for a code, the customer texts it from their
    # phone and says yes there; the stream, open all along, shows the SMS turns as they happen.
    phone = "+5511966667777"
    conversation = await rig.directline("POST", "/conversations", DIRECTLINE_SECRET)
    token, conversation_id = conversation["token"], conversation["conversationId"]
    public = "wss://" + PUBLIC_URL.removeprefix("https://")  # the proxy in front, in production
    here = "ws://" + rig.server.url.removeprefix("http://")
    stream = await rig.session.ws_connect(conversation["streamUrl"].replace(public, here))
    heard: list[str] = []

    async def read() -> None:
        async for message in stream:
            if message.type == aiohttp.WSMsgType.TEXT and message.data:
                heard.extend(a.get("text") or "" for a in json.loads(message.data)["activities"])

    async def hears(text: str) -> None:
        deadline = time.monotonic() + WAIT
        while not any(text in said for said in heard):
            assert time.monotonic() < deadline, f"the stream never showed {text!r}: {heard}"
            await asyncio.sleep(0.05)

    reader = asyncio.get_running_loop().create_task(read())
    try:
        path = f"/conversations/{conversation_id}/activities"
        for n, text in enumerate(("change my delivery address", "continue on my phone")):
            activity = {
                "type": "message",
                "text": text,
                "channelData": {"clientActivityID": f"d{n}"},
            }
            await rig.directline("POST", path, token, activity)
        await hears("use this code once")
        [offer] = [text for text in heard if "use this code once" in text]
        code = re.search(rf"by SMS: text (\d{{4}} \d{{4}}) to {re.escape(BOT_NUMBER)}", offer)
        assert code is not None, offer

        await rig.sms(phone, code.group(1))
        await rig.sms_texts(phone, 1)
        await rig.sms(phone, "1")
        assert (await rig.sms_texts(phone, 4))[1:] == [LINKED, RESUME, ASK_ORDER]
        await hears(NOTICE.format("SMS"))
        await rig.sms(phone, "A-10001")
        await hears("A-10001")
        await hears(ASK_ADDRESS)
        assert await rig.customer("sms", phone) == await rig.customer(
            "webchat", f"dl:{conversation_id}"
        )
    finally:
        await stream.close()
        await reader
