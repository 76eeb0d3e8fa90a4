"""A running bot (the example store) with its Slack channel, how to reach it over HTTP, and a stub
core for the connector alone; the fixtures are in the suite's conftest."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.app.runtime import Runtime
from bot.connector import Submission, SubmitResult
from bot.desk.handoff import DeskKeeper
from bot.format.messages import ChannelIdentity, InboundEvent, SystemEvent
from bot.format.transcript import InboundEntry, Logged, StatusEntry
from bot.identity.visibility import Page
from bot.turn.bus import Bus
from bot.turn.customer import CustomerRecord
from bot.turn.store import Bucket
from bot.turn.window import WindowState
from connectors.slack.connector import SlackConnector
from connectors.slack.settings import SlackSettings
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack_events import SECRET, form, signed
from tests.in_process import served
from tests.server_process import EXAMPLE


@dataclass
class StubCore:
    """A core whose submit can be held, or fail; it knows no customer and keeps nothing, and
    the parts a Slack connector does not use (the bus, the desk, notices) are not there."""

    result: SubmitResult | Exception = SubmitResult.ACCEPTED
    release: asyncio.Event = field(default_factory=asyncio.Event)
    submitted: list[InboundEvent] = field(default_factory=list)
    hold: bool = False

    @property
    def bus(self) -> Bus:
        raise NotImplementedError

    async def submit(self, event: InboundEvent) -> Submission:
        if self.hold:
            await self.release.wait()
        if isinstance(self.result, Exception):
            raise self.result
        self.submitted.append(event)
        return Submission(self.result, "c1")

    @property
    def desk(self) -> DeskKeeper:
        raise NotImplementedError

    async def customer_of(self, identity: ChannelIdentity) -> str | None:
        return None

    def presents_code(self, event: InboundEvent) -> bool:
        return False

    async def allow(self, key: str, burst: int, per_second: float) -> bool:
        return True

    async def allow_all(self, buckets: Sequence[Bucket]) -> float:
        return 0.0

    async def entries(self, customer_id: str, after: str | None, limit: int) -> list[Logged]:
        return []

    async def keep_file(self, kind: str, digest: str, data: bytes, ttl: timedelta) -> bool:
        raise NotImplementedError

    async def kept_file(self, kind: str, digest: str) -> bytes | None:
        raise NotImplementedError

    async def shown(
        self, customer_id: str, identity: ChannelIdentity, after: str | None, limit: int
    ) -> Page:
        return Page([], None)

    async def record(self, customer_id: str, statuses: Sequence[StatusEntry]) -> None:
        return None

    async def notify(self, customer_id: str, event: SystemEvent) -> Submission:
        raise NotImplementedError

    async def window_of(self, customer_id: str) -> WindowState | None:
        return None

    async def page_open(self, customer_id: str, channel: str, page: str, ttl: timedelta) -> None:
        raise NotImplementedError  # Slack keeps no pages open

    async def page_closed(self, customer_id: str, channel: str, page: str) -> None:
        raise NotImplementedError


@dataclass
class Bot:
    """The store bot serving Slack over HTTP, and a client to send it Slack's requests."""

    runtime: Runtime
    server: TestServer
    session: aiohttp.ClientSession
    fake: FakeSlack

    async def post(
        self, body: str, headers: dict[str, str], content_type: str = "application/json"
    ) -> aiohttp.ClientResponse:
        url = self.server.make_url("/slack/events")
        headers = {"Content-Type": content_type, **headers}
        async with self.session.post(url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response

    async def event(self, payload: dict[str, Any], **headers: str) -> aiohttp.ClientResponse:
        """Deliver an Events API request, signed now."""
        body = json.dumps(payload)
        return await self.post(body, {**signed(body), **headers})

    async def interact(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        """Deliver an interactivity request (a click), signed now."""
        body = form(payload)
        return await self.post(body, signed(body), "application/x-www-form-urlencoded")

    async def customer(self, user: str) -> CustomerRecord | None:
        identity = ChannelIdentity(channel="slack", user_id=user)
        customer = await self.runtime.memory.lookup(identity)
        return await self.runtime.memory.load(customer) if customer else None

    async def inputs(self, user: str) -> list[InboundEntry]:
        """What the customer's transcript holds of their own inputs."""
        await self.runtime.pipeline.join()
        record = await self.customer(user)
        if record is None:
            return []
        entries = await self.runtime.memory.transcript(record.id)
        return [entry for entry in entries if isinstance(entry, InboundEntry)]

    async def said(self, user: str) -> list[str | None]:
        """The texts of the customer's own inputs."""
        texts = []
        for entry in await self.inputs(user):
            assert isinstance(entry.event, InboundEvent), entry
            texts.append(entry.event.text)
        return texts

    def stored_nothing(self) -> bool:
        memory = self.runtime.memory
        assert isinstance(memory, EmbeddedMemory)
        return memory.holdings().identities == 0


def options(fake: FakeSlack, **changes: Any) -> SlackSettings:
    values: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "signing_secret": SECRET,
        "api_base": fake.api_base,
    }
    return SlackSettings(**{**values, **changes})


@contextlib.asynccontextmanager
async def serving(fake: FakeSlack, **changes: Any) -> AsyncIterator[Bot]:
    """The example store bot on Slack (its options changed by ``changes``), over HTTP."""
    config = load_bot_config(EXAMPLE)
    runtime = create_runtime(
        EXAMPLE,
        config,
        Settings(),
        handler=DialogEngine(load_flowset(EXAMPLE, config)),
        connectors=[SlackConnector(options(fake, **changes))],
    )
    async with served(runtime) as server, aiohttp.ClientSession() as session:
        yield Bot(runtime, server, session, fake)
