"""docs/omnichannel.md tells the truth: its bot-folder examples load cleanly and their
conversation tests pass on every channel (the same checks as the designer's guide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogs.kit import Example, examples, loads_cleanly_and_passes

PAGE = Path(__file__).resolve().parents[2] / "docs" / "omnichannel.md"
EXAMPLES = examples(PAGE.read_text(encoding="utf-8"))


def test_the_page_shows_whole_bot_folder_files() -> None:
    files = [path for example in EXAMPLES for path in example.files]
    assert files.count("bot.yaml") == 2
    assert sum(1 for path in files if path.startswith("flows/")) >= 4
    assert any(path.startswith("tests/") for path in files)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
async def test_an_example_loads_cleanly_and_its_tests_pass(
    example: Example, tmp_path: Path
) -> None:
    await loads_cleanly_and_passes(example.build(tmp_path, None), every_channel=False)
