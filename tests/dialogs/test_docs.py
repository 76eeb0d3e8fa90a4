"""The designer's guide, docs/dialogs.md, tells the truth: its examples are checked here.

Code blocks whose first line names a file of a bot folder (``# flows/orders.yaml``,
``# tests/orders.yaml``, ``# bot.yaml``, ``# actions.py``) are whole files. The files under one
heading of the guide make one bot folder, with the guide's default ``bot.yaml`` unless they give
their own, and the guide's ``actions.py``. Such a folder must load without a problem or a
warning, and its conversation tests must pass on every channel. A ``text`` block starting with
``$ omnibot validate mybot`` (or ``test``) shows what that command prints for the folder of its
heading, and must be exactly that. Blocks without such a first line are fragments, not checked.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.app.compose import sandbox
from dialogs.design.defaults import INTENT_EXAMPLES, MESSAGES
from dialogs.tools.commands import run_tests, validate
from tests.dialogs.kit import (
    DEFAULT_BOT_YAML,
    FOLDER,
    GUIDE_TEXT,
    LOOKS_LIKE_FILE,
    Example,
    examples,
    loads_cleanly_and_passes,
    read_blocks,
)

EXAMPLES = examples(GUIDE_TEXT)
ACTIONS = [e.files["actions.py"] for e in EXAMPLES if "actions.py" in e.files]
SHARED_ACTIONS = ACTIONS[0].text if ACTIONS else None
LOADED = [e for e in EXAMPLES if not e.outputs]
SHOWN = [e for e in EXAMPLES if e.outputs]


def test_the_guide_checks_most_of_its_examples() -> None:
    blocks = [b for _, _, b in read_blocks(GUIDE_TEXT) if b is not None]
    yaml_blocks = [b for b in blocks if b.info == "yaml"]
    whole = [b for b in yaml_blocks if b.path is not None]
    assert len(whole) >= 40
    assert len(whole) >= 0.9 * len(yaml_blocks), "most YAML examples should be whole files"
    assert len(ACTIONS) == 1, "the guide has one actions.py, shared by its examples"
    assert sum(1 for e in LOADED if any(p.startswith("tests/") for p in e.files)) >= 8
    assert len(SHOWN) >= 8


def test_every_block_meant_as_a_file_is_named_as_one() -> None:
    for _, _, block in read_blocks(GUIDE_TEXT):
        if block is not None and block.lines and LOOKS_LIKE_FILE.match(block.lines[0]):
            assert block.path is not None, (
                f"docs/dialogs.md:{block.line}: '{block.lines[0]}' is not a file of a bot "
                "folder (# bot.yaml, # actions.py, # flows/<name>.yaml, # tests/<name>.yaml)"
            )
            assert (block.info == "python") == (block.path == "actions.py"), (
                f"docs/dialogs.md:{block.line}: fence it as ```yaml (```python for actions.py)"
            )


def test_every_link_within_the_guide_leads_to_a_heading() -> None:
    headings = [heading for heading, _, block in read_blocks(GUIDE_TEXT) if block is None]
    slugs = {re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-") for title in headings}
    for anchor in re.findall(r"\]\(#([^)]+)\)", GUIDE_TEXT):
        assert anchor in slugs, f"docs/dialogs.md: no heading for the link #{anchor}"


def test_the_documented_bot_yaml_is_the_one_examples_use() -> None:
    first = next(e.files["bot.yaml"] for e in EXAMPLES if "bot.yaml" in e.files)
    assert "\n".join(first.lines[1:]) + "\n" == DEFAULT_BOT_YAML


def table(header: str) -> list[list[str]]:
    """The rows of the guide's table whose header line starts with ``header``."""
    lines = GUIDE_TEXT.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def test_the_built_in_texts_table_gives_the_built_in_texts() -> None:
    rows = table("| name | said when | English | Portuguese |")
    shown = {
        name.strip("`"): (english.replace("<br>", "\n"), portuguese.replace("<br>", "\n"))
        for name, _, english, portuguese in rows
    }
    assert shown == {name: (texts["en"], texts["pt"]) for name, texts in MESSAGES.items()}


def test_the_intents_table_gives_the_built_in_phrases() -> None:
    rows = table("| intent | what it does |")
    shown = {row[0].strip("`"): (row[3].split(", "), row[4].split(", ")) for row in rows}
    assert shown == {name: (ex["en"], ex["pt"]) for name, ex in INTENT_EXAMPLES.items()}


@pytest.mark.parametrize("example", LOADED, ids=[e.id for e in LOADED])
async def test_an_example_loads_cleanly_and_its_tests_pass(
    example: Example, tmp_path: Path
) -> None:
    await loads_cleanly_and_passes(example.build(tmp_path, SHARED_ACTIONS))


@pytest.mark.parametrize("example", SHOWN, ids=[e.id for e in SHOWN])
def test_a_shown_output_is_what_the_tool_prints(
    example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    example.build(tmp_path, SHARED_ACTIONS)
    for block in example.outputs:
        command = block.command
        assert command is not None
        out = io.StringIO()
        if command["command"] == "validate":
            validate(Path(FOLDER), out)
        else:
            run_tests(Path(FOLDER), command["channel"] or "all", out, sandboxes=sandbox)
        assert out.getvalue().splitlines() == list(block.lines[1:]), (
            f"docs/dialogs.md:{block.line}: the output shown differs from what "
            f"'{block.lines[0][2:]}' prints:\n{out.getvalue()}"
        )
