"""The fixtures of the Slack suite: a fake Slack with two members, and the store bot on it (see
:mod:`tests.slack.kit`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack import FakeSlack, FakeUser
from tests.fakes.slack_events import ANA, BRUNO
from tests.slack.kit import Bot, serving


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The fake Slack, with two members: Ana (a confirmed e-mail) and Bruno."""
    slack = FakeSlack()
    slack.add_user(FakeUser(ANA, "ana", "Ana Souza", "Ana.Souza@example.com"))
    slack.add_user(FakeUser(BRUNO, "bruno", "Bruno Lima", "bruno@example.com", locale="pt-BR"))
    async with slack:
        yield slack


@pytest.fixture
async def bot(fake: FakeSlack) -> AsyncIterator[Bot]:
    async with serving(fake) as running:
        yield running
