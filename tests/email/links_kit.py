"""The example store bot over e-mail on the memory under test, with the links in its mail: their
base is the served bot itself, or a public ``https`` URL that a test maps back to it (what a
reverse proxy does)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.turn.store import Memory
from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from tests.email.kit import EmailBot, SmtpServer, free_port
from tests.in_process import served
from tests.server_process import EXAMPLE

PUBLIC_URL = "https://bot.shop.example"


@dataclass
class LinkedBot(EmailBot):
    """The bot, and the base URL of the links in its mail."""

    public: str = ""

    @property
    def connector(self) -> EmailConnector:
        [connector] = self.runtime.connectors
        assert isinstance(connector, EmailConnector)
        return connector

    def local(self, url: str) -> str:
        """``url`` (a link in a mail) on the served bot."""
        assert url.startswith(self.public + "/"), url
        return self.url + url.removeprefix(self.public)


@contextlib.asynccontextmanager
async def store_over_email(
    smtp: SmtpServer, settings: EmailSettings, memory: Memory, public: str | None = None
) -> AsyncIterator[LinkedBot]:
    """The store bot served on a free port; its links lead to ``public`` (else to itself)."""
    config = load_bot_config(EXAMPLE)
    engine = DialogEngine(load_flowset(EXAMPLE, config))
    port = free_port()
    local = f"http://127.0.0.1:{port}"
    connector = EmailConnector(settings, public or local, tls=False)
    runtime = create_runtime(
        EXAMPLE, config, Settings(), handler=engine, connectors=[connector], memory=memory
    )
    try:
        async with served(runtime, port=port):
            yield LinkedBot(runtime, local, smtp, public or local)
    finally:
        await engine.aclose()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and the HTML part of a mail we sent."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    return (
        plain.get_content().replace("\r\n", "\n"),
        html.get_content().replace("\r\n", "\n"),
    )
