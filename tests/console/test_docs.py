"""docs/agents.md tells the truth: its bot-folder examples load cleanly and their conversation
tests pass (the same checks as the designer's guide), its links lead to pages and headings that
exist, and the screenshot it shows is there."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from tests.dialogs.kit import Example, examples, loads_cleanly_and_passes, read_blocks

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = DOCS / "agents.md"
TEXT = PAGE.read_text(encoding="utf-8")
EXAMPLES = examples(TEXT)
BOT_YAML = "name: Store\nlanguages: [en]\n"


def slug(title: str) -> str:
    """A heading's anchor, as GitHub makes it."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def test_the_page_shows_whole_bot_folder_files() -> None:
    files = [path for example in EXAMPLES for path in example.files]
    assert files.count("bot.yaml") == 2
    assert any(path.startswith("flows/") for path in files)
    assert any(path.startswith("tests/") for path in files)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
async def test_an_example_loads_cleanly_and_its_tests_pass(
    example: Example, tmp_path: Path
) -> None:
    folder = example.build(tmp_path, None)
    if "bot.yaml" not in example.files:
        (folder / "bot.yaml").write_text(BOT_YAML, encoding="utf-8")
    await loads_cleanly_and_passes(folder)


def test_every_link_leads_to_a_page_and_heading_that_exist() -> None:
    for target in re.findall(r"\]\(([^)]+)\)", TEXT):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        page = (DOCS / path) if path else PAGE
        assert page.is_file(), f"docs/agents.md: {target} leads nowhere"
        if anchor and page.suffix == ".md":
            text = page.read_text(encoding="utf-8")
            headings = [heading for heading, _, block in read_blocks(text) if block is None]
            assert anchor in {slug(title) for title in headings}, (
                f"docs/agents.md: no heading for the link {target}"
            )


def test_the_console_screenshot_is_a_1280_by_800_png() -> None:
    image = (DOCS / "images" / "agent-console.png").read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", image[16:24]) == (1280, 800)
