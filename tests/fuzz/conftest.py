"""The bot every fuzz target throws its examples at: one for the whole fuzz suite.

Starting a bot with every channel on takes a moment, and each example checks only the difference
it made (see :mod:`tests.fuzz.kit`), so one bot, in one event loop, serves every test; the
modules that use it run in that loop (``pytestmark`` in each).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.fuzz.kit import Everything, everything


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def bot() -> AsyncIterator[Everything]:
    """The example store with every channel on (see :mod:`tests.fuzz.kit`)."""
    async with everything() as running:
        yield running
