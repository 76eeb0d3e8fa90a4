"""Secrets and personal data never reach the logs, end to end: flows that log (a failed send
to an API whose URL holds the bot token, a failing action whose error quotes a phone number, the
access log of requests with credentials in their query, a malformed request) are run with the
logging ``omnibot run`` sets up, at debug level, and the output is searched for every secret and
every piece of personal data the flows handled.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Iterator
from urllib.parse import urlencode

import aiohttp
import pytest

# twilio ships no type information (no py.typed, no stubs): its signer is used as it is.
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.app.compose import create_runtime
from bot.app.config import Settings, load_bot_config
from bot.app.logs import VERBOSE_VENDORS, configure
from bot.turn.handler import Turn, TurnOutcome
from connectors.loopback import LoopbackConnector
from tests.in_process import served
from tests.redis_server import free_port
from tests.server_process import EXAMPLE, clean_env, running, stopped

TELEGRAM_TOKEN = "987654321:AAHiddenTelegramTokenForRedaction_0123"
TWILIO_TOKEN = "f00dbabe0123456789abcdef01234567"
ACCOUNT = "AC" + "0123456789abcdef" * 2
WEBHOOK_SECRET = "telegram-webhook-secret-for-redaction"
SLACK_TOKEN = "xoxb-2222-3333-HiddenSlackBotToken"
SLACK_SECRET = "slack-signing-secret-for-redaction"
AGENT_TOKEN = "agent-token-for-redaction-0123456789"
REDIS_PASSWORD = "redis-password-for-redaction"
PHONE = "+15557654321"
EMAIL = "ana.souza@example.com"
TEXT = "my secret order note ZQX-91"
SECRETS = [
    TELEGRAM_TOKEN,
    TELEGRAM_TOKEN.split(":")[1],
    TWILIO_TOKEN,
    WEBHOOK_SECRET,
    SLACK_TOKEN,
    SLACK_SECRET,
    AGENT_TOKEN,
    REDIS_PASSWORD,
]
PERSONAL = [PHONE, PHONE[1:], EMAIL, TEXT]
ENVIRONMENT = {
    "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
    "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "TWILIO_ACCOUNT_SID": ACCOUNT,
    "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "TWILIO_FROM_NUMBER": "+15550001111",
    "SLACK_BOT_TOKEN": SLACK_TOKEN,
    "SLACK_SIGNING_SECRET": SLACK_SECRET,
    "OMNIBOT_AGENT_TOKENS": f"ana:{AGENT_TOKEN}",
}


def assert_clean(output: str) -> None:
    found = [value for value in SECRETS + PERSONAL if value in output]
    assert not found, f"{found} in the logs:\n{output}"


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What ``omnibot run``'s logging (``configure``, at debug) writes, for this test."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    vendors = {name: logging.getLogger(name).level for name in VERBOSE_VENDORS}
    settings = Settings.from_env(
        {**ENVIRONMENT, "OMNIBOT_REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0"}
    )
    configure("debug", json_lines=True, secrets=settings.secrets())
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in vendors.items():
            logging.getLogger(name).setLevel(level)


async def careless(turn: Turn) -> TurnOutcome:
    """A designer's action that puts everything it knows in its error."""
    raise RuntimeError(f"no order for {PHONE} ({EMAIL}), token {TELEGRAM_TOKEN}: {TEXT}")


async def test_a_failing_action_leaves_a_traceback_without_personal_data_or_tokens(
    logs: io.StringIO,
) -> None:
    sms = LoopbackConnector("sms")
    config = load_bot_config(EXAMPLE)
    runtime = create_runtime(EXAMPLE, config, Settings(), handler=careless, connectors=[sms])
    async with served(runtime):
        await sms.say(PHONE, TEXT)
        await runtime.pipeline.join()
    output = logs.getvalue()
    assert "the turn handler failed" in output
    assert "RuntimeError: no order for [phone] ([email]), token [redacted]: [said]" in output
    assert_clean(output)


async def test_the_access_log_never_has_the_query_string(logs: io.StringIO) -> None:
    runtime = create_runtime(EXAMPLE, load_bot_config(EXAMPLE), Settings(), handler=careless)
    query = urlencode({"t": AGENT_TOKEN, "phone": PHONE, "email": EMAIL, "q": TEXT})
    async with served(runtime, like_omnibot_run=True) as server, aiohttp.ClientSession() as http:
        for path in ("/healthz", "/v3/directline/conversations/abc/stream", "/chat"):
            async with http.get(server.make_url(f"{path}?{query}")) as answer:
                await answer.read()
        async with http.get(server.make_url(f"/healthz?t={AGENT_TOKEN * 300}")) as answer:
            assert answer.status == 400  # a request line over the limit
    output = logs.getvalue()
    assert '"path": "/healthz"' in output
    assert "refused a malformed HTTP request (LineTooLong)" in output
    assert_clean(output)


async def test_omnibot_run_keeps_secrets_and_personal_data_out_of_its_output() -> None:
    """Every channel on with secrets set, the vendors' APIs unreachable (so that sends fail and
    are logged), at debug level: a customer's SMS full of personal data, requests with secrets
    in their query strings, an agent's sign-in, a malformed request."""
    dead = f"http://127.0.0.1:{free_port()}"
    env = clean_env(
        **ENVIRONMENT,
        TELEGRAM_API_BASE=dead,
        TWILIO_API_BASE=dead,
        SLACK_API_BASE=f"{dead}/api/",
        OMNIBOT_LOG_LEVEL="debug",
        OMNIBOT_LOG_FORMAT="json",
    )
    with running(EXAMPLE, env=env) as server:
        await _visit(server.url)
        printed = await stopped(server, within=30)
    assert "delivery to sms failed" in printed.err  # the failure paths did log
    assert "getMe failed" in printed.err
    assert_clean(printed.everything)


async def _visit(url: str) -> None:
    form = {
        "MessageSid": "SM" + "c" * 32,
        "AccountSid": ACCOUNT,
        "From": PHONE,
        "To": "+15550001111",
        "Body": f"{TEXT}, write to {EMAIL} or call {PHONE}",
        "NumMedia": "0",
    }
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{url}/sms/twilio", form)
    query = urlencode({"token": AGENT_TOKEN, "phone": PHONE, "secret": WEBHOOK_SECRET})
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/sms/twilio", data=form, headers={"X-Twilio-Signature": signature}
        ) as answer:
            assert answer.status == 200
        for path in (f"/healthz?{query}", f"/chat?link={AGENT_TOKEN}", f"/metrics?{query}"):
            async with http.get(f"{url}{path}") as answer:
                await answer.read()
        for token in (AGENT_TOKEN, "wrong-" + AGENT_TOKEN):
            async with http.post(f"{url}/agent/api/session", json={"token": token}) as answer:
                await answer.read()
        async with http.get(f"{url}/healthz?t={TELEGRAM_TOKEN * 300}") as answer:
            assert answer.status == 400
        await asyncio.sleep(3)  # the SMS reply is tried, fails and is logged
