"""The fixtures of the e-mail suite: a real SMTP server, and the example store bot served with
the e-mail channel on, sending to it (see :mod:`tests.email.kit`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from connectors.email.settings import SmtpServer as SmtpSettings
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from memory import EmbeddedMemory
from tests.email.kit import AUTHSERV, BOT_ADDRESS, TOKEN, EmailBot, SmtpServer
from tests.in_process import served
from tests.server_process import EXAMPLE


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def email_settings(smtp: SmtpServer) -> EmailSettings:
    return EmailSettings(
        SmtpSettings("127.0.0.1", smtp.port, implicit_tls=False),
        BOT_ADDRESS,
        TOKEN,
        AUTHSERV,
        bot_name="Store",
    )


@pytest.fixture
async def store(smtp: SmtpServer, email_settings: EmailSettings) -> AsyncIterator[EmailBot]:
    """The example store bot over e-mail."""
    config = load_bot_config(EXAMPLE)
    memory = EmbeddedMemory(config.memory.policy())
    engine = DialogEngine(load_flowset(EXAMPLE, config))
    connector = EmailConnector(email_settings, tls=False)
    runtime = create_runtime(
        EXAMPLE, config, Settings(), handler=engine, connectors=[connector], memory=memory
    )
    try:
        async with served(runtime) as server:
            yield EmailBot(runtime, str(server.make_url("")).rstrip("/"), smtp)
    finally:
        await engine.aclose()
