"""Every test of the kept-alive client runs on asyncio's own loop and on uvloop (what
``omnibot run`` uses), whose transports differ; and the TLS tests share one throwaway CA."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import pytest
import uvloop

from connectors.keepalive import KeepAlive
from tests.throwaway_ca import Authority, Pair, self_signed


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


@pytest.fixture
async def poster() -> AsyncIterator[KeepAlive]:
    async with KeepAlive(limit=4096) as connections:
        yield connections


class Certificates:
    """The throwaway CA, and a server certificate for each case."""

    def __init__(self, folder: Path) -> None:
        self.ca = Authority.make(folder / "ca")
        self.local = self.ca.issue("local")
        self.other_host = self.ca.issue("other-host", names="DNS:other.example")
        self.expired = self.ca.issue("expired", expired=True)
        self.self_signed: Pair = self_signed(folder, "self-signed")
        self.untrusted = Authority.make(folder / "stranger", "stranger-ca").issue("untrusted")


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("tls"))
