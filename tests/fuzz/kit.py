"""One bot with every channel on, for the fuzzers to throw requests at.

The example store bot, wired by the real composition root (``connectors.registry.plan`` from
the environment, ``create_runtime``, ``build_app``), with embedded memory, served in process on
127.0.0.1 the way ``omnibot run`` serves it (:class:`tests.in_process.ServedLikeOmnibotRun`); the
vendors' APIs are the fakes the channel tests use, and its mail goes to a real SMTP server
(aiosmtpd, :class:`tests.email.kit.SmtpServer`). One bot serves every example
of a test, so each example checks what it did by the difference it made: the memory's
:class:`~memory.embedded.Holdings` before and after, and the log records it left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from hypothesis import event

from bot.app.compose import create_runtime
from bot.app.config import BotConfig, RateSection, Settings, load_bot_config
from bot.app.runtime import Runtime
from bot.connector import Connector
from bot.desk.console.mount import SOCKETS
from connectors.email.connector import EmailConnector
from connectors.email.settings import read_settings
from connectors.registry import plan
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from memory.embedded.store import Holdings
from tests.email.kit import AUTHSERV, BOT_ADDRESS, SmtpServer
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.telegram import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, FakeTwilio
from tests.fakes.whatsapp import PHONE_NUMBER_ID, FakeGraph
from tests.fakes.whatsapp import TOKEN as WHATSAPP_TOKEN
from tests.fakes.whatsapp_notifications import APP_SECRET, VERIFY_TOKEN
from tests.in_process import served
from tests.server_process import EXAMPLE

PUBLIC_URL = "https://bot.example.test"
TELEGRAM_SECRET = "fuzz-webhook-secret-0123456789"
SLACK_SECRET = "fuzz-slack-signing-secret-0123"
WEBCHAT_SECRET = "fuzz-webchat-secret-0123456789"
DIRECTLINE_SECRET = "fuzz-directline-secret-0123456789"
AGENT_TOKEN = "ana-fuzz-token-0123456789abcdef0123456789"
EMAIL_TOKEN = "fuzz-inbound-token-0123456789"
EVENTS_SECRET = "whsec_" + "ZnV6ei1ldmVudHMtc2VjcmV0LTAxMjM0NTY3"


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: its status, content type and body."""

    status: int
    content_type: str
    text: str


@dataclass
class Everything:
    """The running bot, its fakes, and an HTTP client."""

    runtime: Runtime
    server: TestServer
    http: aiohttp.ClientSession
    telegram: FakeTelegram
    slack: FakeSlack
    twilio: FakeTwilio
    graph: FakeGraph
    smtp: SmtpServer

    @property
    def memory(self) -> EmbeddedMemory:
        memory = self.runtime.memory
        assert isinstance(memory, EmbeddedMemory)
        return memory

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    def footprint(self) -> Holdings:
        """How much the memory holds: a refused request changes none of it."""
        return self.memory.holdings()

    async def settle(self) -> None:
        """Let every turn started so far finish, its sends included."""
        await self.runtime.pipeline.join()

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        async with self.http.request(
            method, self.url(path), data=body, headers=dict(headers or {})
        ) as response:
            text = await response.text(errors="replace")
            return Answer(response.status, response.content_type, text)


def environment(
    telegram: FakeTelegram, slack: FakeSlack, twilio: FakeTwilio, graph: FakeGraph, smtp: SmtpServer
) -> dict[str, str]:
    """Every channel's credentials, pointing at the fakes (and at a real SMTP server)."""
    return {
        "WHATSAPP_ACCESS_TOKEN": WHATSAPP_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_BASE": graph.url,
        "OMNIBOT_PUBLIC_URL": PUBLIC_URL,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE": telegram.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_BASE": slack.api_base,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": BOT_NUMBER,
        "TWILIO_API_BASE": twilio.url,
        "OMNIBOT_WEBCHAT_SECRET": WEBCHAT_SECRET,
        "OMNIBOT_DIRECTLINE_SECRET": DIRECTLINE_SECRET,
        "OMNIBOT_AGENT_TOKENS": f"ana:{AGENT_TOKEN}",
        "EMAIL_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "EMAIL_FROM": BOT_ADDRESS,
        "EMAIL_INBOUND_TOKEN": EMAIL_TOKEN,
        "EMAIL_TRUSTED_AUTHSERV_ID": AUTHSERV,
        "OMNIBOT_EVENTS_SECRET": EVENTS_SECRET,
    }


def unlimited_sources(config: BotConfig) -> BotConfig:
    """``config`` without the limits per client address: every example of the web chat and
    Direct Line fuzzers is a new anonymous customer, all from 127.0.0.1 (those limits have
    tests of their own, in ``tests/hostile``); and business events, which make customers of
    every kind, without their budgets either."""
    unlimited = RateSection(burst=100_000, per_minute=100_000)
    webchat = config.channels.webchat.model_copy(
        update={"new_per_source": unlimited, "codes_per_source": unlimited}
    )
    channels = config.channels.model_copy(update={"webchat": webchat})
    outreach = config.outreach.model_copy(
        update={
            "events_per_source": unlimited,
            "events": unlimited,
            "create_customers": ["phone", "email", "external_id"],
        }
    )
    return config.model_copy(update={"channels": channels, "outreach": outreach})


def plain_smtp(connector: Connector, config: BotConfig, settings: Settings) -> Connector:
    """``connector``, but the e-mail channel's speaks plain SMTP to the local test server (as
    planned it asks any server for STARTTLS first, which aiosmtpd without a certificate
    refuses)."""
    if connector.channel != "email":
        return connector
    return EmailConnector(read_settings(config, settings), tls=False)


@asynccontextmanager
async def everything(bot_dir: Path = EXAMPLE) -> AsyncIterator[Everything]:
    """Serve ``bot_dir`` with every channel on, until the block ends."""
    telegram, slack, twilio, graph = FakeTelegram(), FakeSlack(), FakeTwilio(), FakeGraph()
    for fake in (telegram, slack, twilio, graph):
        await fake.start()
    smtp = SmtpServer()
    smtp.start()
    config = unlimited_sources(load_bot_config(bot_dir))
    settings = Settings.from_env(environment(telegram, slack, twilio, graph, smtp))
    engine = DialogEngine(load_flowset(bot_dir, config))
    planned = plan(config, settings, PUBLIC_URL)
    assert all(p.connector is not None for p in planned), [p.detail for p in planned]
    runtime = create_runtime(
        bot_dir,
        config,
        settings,
        handler=engine,
        connectors=[plain_smtp(p.connector, config, settings) for p in planned if p.connector],
        flow_names=lambda: sorted(engine.flowset.flows),
    )
    try:
        async with (
            served(runtime, like_omnibot_run=True) as server,
            aiohttp.ClientSession() as http,
        ):
            twilio.point_at(str(server.make_url("")), PUBLIC_URL)
            yield Everything(runtime, server, http, telegram, slack, twilio, graph, smtp)
    finally:
        await engine.aclose()
        smtp.stop()
        for fake in (telegram, slack, twilio, graph):
            await fake.stop()


def observe(status: int, before: Holdings, bot: Everything) -> None:
    """A refused request (4xx) left the memory as it was; hypothesis tallies what each answer
    did."""
    if status >= 400:
        assert bot.footprint() == before
    event(f"{status}, {'stored' if bot.footprint() != before else 'nothing stored'}")


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """No error was logged and no traceback, at any level."""
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    shown = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in loud]
    for record in loud[:1]:
        if record.exc_info:
            shown.append(logging.Formatter().formatException(record.exc_info))
    assert not loud, "\n".join(shown)


async def closed(bot: Everything) -> None:
    """Wait until the server has finished with every console socket."""
    sockets = bot.server.app[SOCKETS]
    for _ in range(200):
        if not sockets.connected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("a console socket is still open")
