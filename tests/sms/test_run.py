"""``omnibot run`` with the Twilio variables set: the channel is on, from the environment alone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.twilio import FakeTwilio
from tests.server_process import EXAMPLE, Server, clean_env, serving
from tests.sms.kit import CUSTOMER, PUBLIC_URL


@pytest.fixture
async def served(twilio: FakeTwilio) -> AsyncIterator[Server]:
    env = clean_env(
        **twilio.environment(),
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
    )
    async with serving(EXAMPLE, env=env) as server:
        twilio.point_at(server.url, PUBLIC_URL)
        yield server


@pytest.mark.slow
async def test_a_conversation_through_omnibot_run(served: Server, twilio: FakeTwilio) -> None:
    [line] = [line for line in served.banner if " sms " in line]
    assert line.split()[:3] == ["sms", "on", f"{PUBLIC_URL}/sms/twilio"]
    assert (await twilio.text(CUSTOMER, "hi")).status == 200
    [welcome] = await twilio.wait_sent(CUSTOMER, 1)
    assert welcome.body is not None
    assert welcome.body.endswith("\n4. Talk to a person")
    assert (await twilio.text(CUSTOMER, "2")).status == 200
    _, asked = await twilio.wait_sent(CUSTOMER, 2)
    assert asked.body == (
        "What's your order number? You'll find it in your confirmation email, like A-12345."
    )
    assert (await twilio.report(asked, "delivered")).status == 204
    forged = twilio.incoming(CUSTOMER, "STOP")
    assert (await twilio.post("/sms/twilio", forged, signature="forged")).status == 403
