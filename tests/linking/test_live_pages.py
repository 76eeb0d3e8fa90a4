"""An open page shows the whole conversation as it happens, whatever channel it happens on: a web
chat or a Direct Line stream, open all along while the customer carries on by SMS, shows the SMS
turns live, whichever of two workers holds the page and whichever runs the turns, and follows
its identity when a join folds it into another customer (finding 14 of issue 17: the page went
deaf after a join, while a reload showed everything). Through ``omnibot run --workers 2`` on
Redis (see ``conftest.py``).
"""

from __future__ import annotations

import time

import pytest

from connectors.webchat.identity import sign
from tests.linking.conftest import (
    ASK_ADDRESS,
    ASK_ORDER,
    ORDER,
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
