"""``omnibot run`` with Slack's variables set: on in the banner, answering through
SLACK_API_BASE, and never writing a token or the signing secret to its logs."""

from __future__ import annotations

import json

import aiohttp

from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack_events import DM, SECRET, envelope, message, signed, texts
from tests.server_process import EXAMPLE, clean_env, running, stopped


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
        printed = await stopped(server)
    assert printed.code == 0
    assert "Hi! I'm the Store's assistant" not in printed.err  # messages stay out, even at debug
    assert "WARNING" not in printed.err
    for secret in (BOT_TOKEN, SECRET):
        assert secret not in printed.out
        assert secret not in printed.err
