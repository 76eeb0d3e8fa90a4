"""Hot reload: valid changes are swapped in between turns; broken ones never replace a good bot."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from bot.app.config import load_bot_config
from dialogs.engine import DialogEngine
from dialogs.reload import FlowWatcher
from tests.dialogs.kit import Talk, bot_folder, flowset_of

BEFORE = """
slots:
  order_id: {type: text, prompt: "Order number?"}
flows:
  status:
    triggers: {en: [where is my order]}
    steps:
      - ask: order_id
      - say: "Looking up {{ slots.order_id }}."
"""

AFTER = """
slots:
  order_id: {type: text, prompt: "Order number?"}
flows:
  status:
    triggers: {en: [where is my order]}
    steps:
      - say: "Let's find it."
      - say: "Have your receipt at hand."
      - ask: order_id
      - say: "Checking order {{ slots.order_id }} now."
"""

BROKEN = """
flows:
  status:
    triggers: {en: [where is my order]}
    steps:
      - ask: order_idd
"""


def rewrite(path: Path, text: str) -> None:
    """Write ``text`` and make sure the modification time moves (coarse clocks exist)."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, BEFORE)


async def test_a_valid_change_is_swapped_in_and_a_waiting_customer_carries_on(
    folder: Path,
) -> None:
    engine = DialogEngine(flowset_of(folder))
    watcher = FlowWatcher(folder, load_bot_config(folder), engine)
    chat = Talk(engine)
    assert await chat.say("where is my order") == ["Order number?"]
    rewrite(folder / "flows" / "main.yaml", AFTER)
    assert await watcher.check() is True
    assert len(engine.flowset.flows["status"].ids) == 4
    assert await chat.say("A-1") == ["Checking order A-1 now."]
    await watcher.stop()


async def test_a_broken_change_keeps_the_running_version_and_logs_its_problems(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = DialogEngine(flowset_of(folder))
    running = engine.flowset
    watcher = FlowWatcher(folder, load_bot_config(folder), engine)
    rewrite(folder / "flows" / "main.yaml", BROKEN)
    with caplog.at_level(logging.ERROR, logger="omnibot.reload"):
        assert await watcher.check() is False
    assert engine.flowset is running
    messages = [record.getMessage() for record in caplog.records]
    assert messages[1].endswith("main.yaml:6:9: unknown slot 'order_idd'"), messages
    chat = Talk(engine)
    assert await chat.say("where is my order") == ["Order number?"]
    await watcher.stop()


async def test_nothing_changed_means_nothing_reloaded(folder: Path) -> None:
    engine = DialogEngine(flowset_of(folder))
    watcher = FlowWatcher(folder, load_bot_config(folder), engine)
    running = engine.flowset
    assert await watcher.check() is False
    assert engine.flowset is running
    await watcher.stop()


async def test_the_watcher_notices_changes_by_itself(folder: Path) -> None:
    engine = DialogEngine(flowset_of(folder))
    watcher = FlowWatcher(folder, load_bot_config(folder), engine, interval=0.05)
    running = engine.flowset
    await watcher.start()
    try:
        rewrite(folder / "flows" / "main.yaml", AFTER)
        for _ in range(100):
            if engine.flowset is not running:
                break
            await asyncio.sleep(0.05)
        assert engine.flowset is not running
        assert len(engine.flowset.flows["status"].ids) == 4
    finally:
        await watcher.stop()


async def test_a_new_flows_file_and_a_changed_actions_file_count_as_changes(folder: Path) -> None:
    engine = DialogEngine(flowset_of(folder))
    watcher = FlowWatcher(folder, load_bot_config(folder), engine)
    (folder / "flows" / "extra.yaml").write_text(
        "flows:\n  hello:\n    triggers: {en: [hello there]}\n    steps:\n      - say: Hi.\n"
    )
    assert await watcher.check() is True
    assert "hello" in engine.flowset.flows
    (folder / "actions.py").write_text(
        "from dialogs.actions import action\n\n"
        "@action\nasync def ping() -> str:\n    return 'pong'\n"
    )
    assert await watcher.check() is True
    assert "ping" in engine.flowset.actions.names
    await watcher.stop()
