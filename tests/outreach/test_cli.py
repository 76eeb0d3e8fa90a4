"""``omnibot event`` against ``omnibot run``: real processes, the event signed by the command
with the secret from the environment."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.outreach.events_kit import OTHER_SECRET, SECRET, bot_folder
from tests.server_process import ROOT, clean_env, omnibot, running

PHONE = "+5511955554444"


def _event(bot_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        omnibot("event", str(bot_dir), "order.shipped", *args),
        capture_output=True,
        text=True,
        env=clean_env(**env),
        cwd=ROOT,
        check=False,
        timeout=60,
    )


def test_omnibot_event_sends_a_signed_event_to_the_running_bot(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path / "bot", "cli", "outreach:\n  create_customers: [phone]\n")
    with running(bot_dir, env=clean_env(OMNIBOT_EVENTS_SECRET=SECRET)) as server:
        assert f"  events    {server.url}/events (new customers by: phone)" in server.banner
        url = f"{server.url}/events"
        customer = ("--customer", f"phone:{PHONE}")
        data = ("--data", '{"order": "A-1"}')
        sent = _event(
            bot_dir,
            *customer,
            *data,
            "--id",
            "evt_cli_1",
            OMNIBOT_EVENTS_SECRET=SECRET,
            OMNIBOT_PUBLIC_URL=server.url,
        )
        assert (sent.returncode, sent.stderr) == (0, "")
        assert sent.stdout.startswith("202 queued: queued for the customer's turn")
        assert "(webhook-id evt_cli_1)" in sent.stdout

        again = _event(
            bot_dir, *customer, "--url", url, "--id", "evt_cli_1", OMNIBOT_EVENTS_SECRET=SECRET
        )
        assert again.returncode == 0
        assert again.stdout.startswith("202 duplicate: already received")

        bad = _event(bot_dir, "--customer", "phone:123", "--url", url, OMNIBOT_EVENTS_SECRET=SECRET)
        assert bad.returncode == 1
        assert bad.stdout.startswith("400 customer.phone: expected an E.164 number")

        forged = _event(bot_dir, *customer, "--url", url, OMNIBOT_EVENTS_SECRET=OTHER_SECRET)
        assert forged.returncode == 1
        assert forged.stdout.startswith("401 the event is not signed with this bot's events secret")

        nobody = _event(
            bot_dir, "--customer", "email:x@y.example", "--url", url, OMNIBOT_EVENTS_SECRET=SECRET
        )
        assert nobody.returncode == 1
        assert nobody.stdout.startswith("202 unknown_customer: no customer has that attribute")


def test_omnibot_event_says_what_is_wrong_before_sending(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path / "bot", "cli")
    unset = _event(bot_dir, "--customer", f"phone:{PHONE}")
    assert unset.returncode == 2
    assert "set OMNIBOT_EVENTS_SECRET" in unset.stderr
    fax = _event(bot_dir, "--customer", "fax:1", OMNIBOT_EVENTS_SECRET=SECRET)
    assert (fax.returncode, fax.stderr.strip()) == (
        2,
        "omnibot event: --customer is KIND:VALUE with KIND one of phone, email, external_id",
    )
    listed = _event(
        bot_dir, "--customer", f"phone:{PHONE}", "--data", "[1]", OMNIBOT_EVENTS_SECRET=SECRET
    )
    assert listed.returncode == 2
    assert "--data is a JSON object" in listed.stderr
    nobody = _event(
        bot_dir,
        "--customer",
        f"phone:{PHONE}",
        "--url",
        "http://127.0.0.1:9/events",
        OMNIBOT_EVENTS_SECRET=SECRET,
    )
    assert nobody.returncode == 1
    assert "no bot answered at http://127.0.0.1:9/events" in nobody.stderr
