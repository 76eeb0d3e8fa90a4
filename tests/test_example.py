"""The example store bot: valid, every conversation test passes on every channel, and a channel
is on when its variables are set (e-mail here; each channel's suite runs it on its own)."""

from __future__ import annotations

import subprocess

import aiohttp
import pytest

from tests.email.kit import AUTHSERV, BOT_ADDRESS, TOKEN, mail
from tests.server_process import ROOT, clean_env, omnibot, serving

EXAMPLE = str(ROOT / "examples" / "store")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        omnibot(*args), capture_output=True, text=True, env=clean_env(), cwd=ROOT, check=False
    )


def test_the_example_is_valid_without_warnings() -> None:
    result = run("validate", EXAMPLE)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, lines
    assert "'Store' is valid" in lines[0]


def test_the_examples_conversation_tests_pass_on_every_channel() -> None:
    result = run("test", EXAMPLE, "--channel", "all")
    assert result.returncode == 0, result.stdout[-4000:]
    passed = result.stdout.strip().splitlines()[-1]
    assert passed.endswith(" passed, 0 failed")
    for channel in ("telegram", "slack", "sms", "webchat", "whatsapp", "email"):
        assert f"[{channel}]" in result.stdout


EMAIL = {
    "EMAIL_SMTP_URL": "smtp://127.0.0.1:9",
    "EMAIL_FROM": BOT_ADDRESS,
    "EMAIL_INBOUND_TOKEN": TOKEN,
    "EMAIL_TRUSTED_AUTHSERV_ID": AUTHSERV,
}


@pytest.mark.slow
async def test_the_example_has_email_on_when_its_four_variables_are_set() -> None:
    async with serving(ROOT / "examples" / "store", env=clean_env(**EMAIL)) as server:
        [line] = [line for line in server.banner if " email " in line]
        assert line.split()[:3] == ["email", "on", f"{server.url}/email/inbound"]
        assert f"from {BOT_ADDRESS}" in line
        raw = mail("where is my order").as_bytes()
        async with aiohttp.ClientSession() as http:
            for token, status in ((TOKEN, 202), ("a-wrong-token-0123456789abcdef", 401)):
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "message/rfc822"}
                async with http.post(
                    f"{server.url}/email/inbound", data=raw, headers=headers
                ) as answer:
                    assert answer.status == status, await answer.text()


async def test_without_its_variables_the_example_says_what_email_needs() -> None:
    partly = clean_env(EMAIL_FROM=BOT_ADDRESS)
    async with serving(ROOT / "examples" / "store", env=partly) as server:
        [line] = [line for line in server.banner if " email " in line]
        assert line.split()[:2] == ["email", "off"]
        for name in ("EMAIL_SMTP_URL", "EMAIL_INBOUND_TOKEN", "EMAIL_TRUSTED_AUTHSERV_ID"):
            assert name in line
