"""The example store bot: valid, and every conversation test passes on every channel."""

from __future__ import annotations

import subprocess

from tests.server_process import ROOT, clean_env, omnibot

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
