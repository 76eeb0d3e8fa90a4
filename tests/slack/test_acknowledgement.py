"""Slack is answered 200 only once the event is durably queued, and 503 when it cannot be."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.connector import SubmitResult
from bot.errors import MemoryUnavailable
from connectors.slack.connector import SlackConnector
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_events import envelope, message, signed
from tests.slack.kit import StubCore, options


@dataclass
class Endpoint:
    core: StubCore
    server: TestServer
    session: aiohttp.ClientSession

    async def deliver(self, text: str = "hi") -> aiohttp.ClientResponse:
        body = json.dumps(envelope(message(text)))
        headers = {"Content-Type": "application/json", **signed(body)}
        url = self.server.make_url("/slack/events")
        async with self.session.post(url, data=body, headers=headers) as response:
            await response.read()
            return response


@pytest.fixture
async def endpoint(fake: FakeSlack) -> AsyncIterator[Endpoint]:
    core = StubCore()
    connector = SlackConnector(options(fake))
    await connector.start(core)
    app = web.Application()
    app.add_routes(connector.routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield Endpoint(core, server, session)
    await server.close()
    await connector.stop()


async def test_the_answer_waits_for_the_event_to_be_queued(endpoint: Endpoint) -> None:
    endpoint.core.hold = True
    delivery = asyncio.create_task(endpoint.deliver())
    await asyncio.sleep(0.3)
    assert not delivery.done()
    assert endpoint.core.submitted == []
    endpoint.core.release.set()
    response = await delivery
    assert response.status == 200
    [event] = endpoint.core.submitted
    assert (event.kind, event.text, event.channel) == ("text", "hi", "slack")


@pytest.mark.parametrize(
    "result",
    [MemoryUnavailable("redis is down"), SubmitResult.BUSY],
    ids=["memory down", "inbox full"],
)
async def test_an_event_that_cannot_be_queued_gets_a_503_so_slack_sends_it_again(
    endpoint: Endpoint, result: SubmitResult | Exception
) -> None:
    endpoint.core.result = result
    response = await endpoint.deliver()
    assert response.status == 503
    assert response.headers["Retry-After"] == "5"


async def test_a_duplicate_is_acknowledged(endpoint: Endpoint) -> None:
    endpoint.core.result = SubmitResult.DUPLICATE
    assert (await endpoint.deliver()).status == 200
