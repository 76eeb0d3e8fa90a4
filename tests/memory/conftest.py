"""The memory's suites (contract, desk, bus) run on every backend, a Redis Cluster included."""

from __future__ import annotations

import pytest

from tests.helpers import WITH_CLUSTER


@pytest.fixture(params=WITH_CLUSTER)
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test in process, on one Redis and on a Redis Cluster."""
    kind: str = request.param
    return kind
