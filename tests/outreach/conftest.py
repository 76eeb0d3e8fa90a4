"""The schedule's contract runs in process, on one Redis and on a Redis Cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.outreach.schedule import Schedule
from tests.helpers import WITH_CLUSTER
from tests.outreach.kit import make_schedule


@pytest.fixture(params=WITH_CLUSTER)
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test in process, on one Redis and on a Redis Cluster."""
    kind: str = request.param
    return kind


@pytest.fixture
async def schedule(backend: str, backend_url: str, namespace: str) -> AsyncIterator[Schedule]:
    """The schedule on the test's backend (its namespace wiped after)."""
    made = make_schedule(backend, backend_url, namespace)
    yield made
    await made.close()
