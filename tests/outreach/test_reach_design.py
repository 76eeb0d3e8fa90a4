"""A flow's ``purpose`` and ``bot.yaml``'s outreach keys are checked when loaded, with the file,
line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.config import load_bot_config
from bot.errors import ConfigError
from dialogs.design.loader import load_flowset
from tests.outreach.reach_kit import shop_folder


def test_a_purpose_that_is_not_one_is_refused_where_it_is_written(tmp_path: Path) -> None:
    bot_dir = shop_folder(tmp_path / "bot", "n")
    flows = bot_dir / "flows" / "main.yaml"
    flows.write_text(flows.read_text().replace("purpose: marketing", "purpose: promo"))
    with pytest.raises(ConfigError) as caught:
        load_flowset(bot_dir, load_bot_config(bot_dir))
    assert "main.yaml:16:5: purpose:" in str(caught.value)
    assert "'transactional' or 'marketing'" in str(caught.value)


@pytest.mark.parametrize(
    ("outreach", "expected"),
    [
        ("quiet_hours: {from: '9pm', to: '08:00'}", "bot.yaml:6:"),
        ("caps: {marketing: -1}", "bot.yaml:6:"),
        ("timezone: Mars/Olympus", "unknown time zone"),
        ("channels: [pigeon]", "bot.yaml:6:"),
    ],
)
def test_outreach_keys_are_checked_when_loaded(
    tmp_path: Path, outreach: str, expected: str
) -> None:
    bot_dir = shop_folder(tmp_path / "bot", "n", f"outreach:\n  {outreach}\n")
    with pytest.raises(ConfigError) as caught:
        load_bot_config(bot_dir)
    assert expected in str(caught.value)
