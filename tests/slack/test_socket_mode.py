"""Socket Mode against a local fake: slack_sdk's aiohttp client opens the connection with the
app-level token, envelopes come over the websocket, and each is acknowledged once queued."""

from __future__ import annotations

import json

from bot.connector import SubmitResult
from bot.errors import MemoryUnavailable
from connectors.slack.connector import SlackConnector
from tests.fakes.slack import APP_TOKEN, FakeSlack
from tests.fakes.slack_events import ANA, DM, click, envelope, message, signed, texts
from tests.slack.kit import StubCore, options, serving

ASK_ORDER = "What's your order number? You'll find it in your confirmation email, like A-12345."


async def test_a_conversation_over_socket_mode(fake: FakeSlack) -> None:
    async with serving(fake, signing_secret=None, app_token=APP_TOKEN) as bot:
        hello = envelope(message("hi"))
        ack = await fake.push("events_api", hello)
        assert ack is not None
        assert set(ack) == {"envelope_id"}
        [greeting] = await fake.wait_posts(1, DM)
        assert texts(greeting)[0].startswith("Hi! I'm the Store's assistant.")

        assert await fake.push("interactive", click(greeting, "Order status")) is not None
        asked = (await fake.wait_posts(2, DM))[-1]
        assert texts(asked) == [ASK_ORDER]

        assert await fake.push("events_api", hello, retry_attempt=1) is not None
        await bot.runtime.pipeline.join()
        assert len(await bot.inputs(ANA)) == 2  # the retried "hi" was not processed again
        assert len(fake.posts(DM)) == 2

        opened = fake.of("apps.connections.open")
        assert len(opened) == 1
        body = json.dumps(hello)
        refused = await bot.post(body, signed(body))
        assert refused.status == 404  # no signing secret: no HTTP endpoint to forge requests to


async def test_an_envelope_that_cannot_be_queued_is_not_acknowledged(fake: FakeSlack) -> None:
    core = StubCore(result=MemoryUnavailable("redis is down"))
    connector = SlackConnector(options(fake, signing_secret=None, app_token=APP_TOKEN))
    await connector.start(core)
    try:
        assert connector.routes() == ()
        hello = envelope(message("hi"))
        assert await fake.push("events_api", hello, within=1.0) is None
        core.result = SubmitResult.ACCEPTED  # the memory is back when Slack sends it again
        assert await fake.push("events_api", hello, retry_attempt=1) is not None
        assert [event.text for event in core.submitted] == ["hi"]
    finally:
        await connector.stop()
