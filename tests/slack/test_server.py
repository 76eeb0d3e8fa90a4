"""``omnibot run`` with Slack's variables set: on in the banner, answering through
SLACK_API_BASE, and never writing a token or the signing secret to its logs."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.server_process import clean_env, running
from tests.slack.conftest import EXAMPLE
from tests.slack.kit import DM, SECRET, envelope, message, signed, texts


async def test_omnibot_run_answers_on_slack_and_keeps_its_secrets(fake: FakeSlack) -> None:
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_BASE=fake.api_base,
        OMNIBOT_LOG_LEVEL="debug",
    )
    with running(EXAMPLE, env=env) as server:
        [line] = [line for line in server.banner if " slack " in line]
        assert line.split()[-2:] == ["on", f"{server.url}/slack/events"]
        body = json.dumps(envelope(message("hi")))
        headers = {"Content-Type": "application/json", **signed(body)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{server.url}/slack/events", data=body, headers=headers) as response,
        ):
            assert response.status == 200
        [greeting] = await fake.wait_posts(1, DM)
        assert texts(greeting)[0].startswith("Hi! I'm the Store's assistant.")
        server.process.terminate()
        # in a thread: the fake Slack runs on this loop and must keep answering meanwhile
        out, err = await asyncio.to_thread(server.process.communicate, timeout=20)
    assert server.process.returncode == 0
    assert "Hi! I'm the Store's assistant" not in err  # messages stay out, even at debug
    assert "WARNING" not in err
    for secret in (BOT_TOKEN, SECRET):
        assert secret not in out
        assert secret not in err
