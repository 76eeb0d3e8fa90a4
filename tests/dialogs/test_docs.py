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
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app.compose import sandbox
from bot.app.config import load_bot_config
from bot.errors import ConfigError
from dialogs.design.defaults import INTENT_EXAMPLES, MESSAGES
from dialogs.design.loader import load_flowset
from dialogs.tools.commands import run_tests, validate
from dialogs.tools.testing import chosen_channels, load_tests, run_suites

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "dialogs.md"
DEFAULT_BOT_YAML = "name: Guide\nlanguages: [en, pt]\n"
FOLDER = "mybot"

_FENCE = re.compile(r"^```(?P<info>\S*)\s*$")
_HEADING = re.compile(r"^#{1,6} (?P<title>.+)$")
_FILE = re.compile(r"^# (?P<path>bot\.yaml|actions\.py|(?:flows|tests)/[a-z0-9_]+\.yaml)$")
_LOOKS_LIKE_FILE = re.compile(r"^# \S+\.(?:ya?ml|py)$")
_COMMAND = re.compile(
    rf"^\$ omnibot (?P<command>validate|test) {FOLDER}(?: --channel (?P<channel>[a-z]+))?$"
)


@dataclass(frozen=True)
class Block:
    """A fenced code block of the guide: its info string, its lines, where it starts."""

    line: int
    info: str
    lines: tuple[str, ...]

    @property
    def path(self) -> str | None:
        """The bot-folder file this block is, when its first line names one."""
        if self.info not in ("yaml", "python") or not self.lines:
            return None
        match = _FILE.match(self.lines[0])
        return match["path"] if match else None

    @property
    def command(self) -> re.Match[str] | None:
        """The ``$ omnibot ...`` command whose output this block shows, if it shows one."""
        if self.info != "text" or not self.lines:
            return None
        return _COMMAND.match(self.lines[0])

    @property
    def text(self) -> str:
        """The block's contents as a file."""
        return "\n".join(self.lines) + "\n"


@dataclass
class Example:
    """The whole files under one heading of the guide (one bot folder) and shown outputs."""

    heading: str
    line: int
    files: dict[str, Block] = field(default_factory=dict)
    outputs: list[Block] = field(default_factory=list)

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")
        return f"{slug}-line{self.line}"

    def build(self, root: Path, actions: str | None) -> Path:
        """Write the bot folder under ``root``."""
        files = {"bot.yaml": DEFAULT_BOT_YAML}
        if actions is not None:
            files["actions.py"] = actions
        files.update({path: block.text for path, block in self.files.items()})
        folder = root / FOLDER
        for path, text in files.items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return folder


def read_blocks(text: str) -> list[tuple[str, int, Block | None]]:
    """Headings and code blocks in order: ``(heading, line, block)``, block ``None`` for a
    heading."""
    found: list[tuple[str, int, Block | None]] = []
    heading = ""
    fence: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence, body = (number, opening["info"]), []
        elif fence is not None and line.strip() == "```":
            found.append((heading, fence[0], Block(fence[0], fence[1], tuple(body))))
            fence = None
        elif fence is not None:
            body.append(line)
        elif (title := _HEADING.match(line)) is not None:
            heading = title["title"]
            found.append((heading, number, None))
    assert fence is None, f"docs/dialogs.md:{fence[0]}: a code block is never closed"
    return found


def examples(text: str) -> list[Example]:
    """The guide's bot folders: one per heading with whole files or shown outputs."""
    result: list[Example] = []
    current: Example | None = None
    for heading, line, block in read_blocks(text):
        if block is None:
            current = Example(heading, line)
            result.append(current)
            continue
        assert current is not None, f"docs/dialogs.md:{line}: a code block before any heading"
        path = block.path
        if path is not None:
            assert path not in current.files, (
                f"docs/dialogs.md:{line}: {path} is given twice under '{heading}'"
            )
            current.files[path] = block
        elif block.command is not None:
            current.outputs.append(block)
    return [example for example in result if example.files or example.outputs]


GUIDE_TEXT = GUIDE.read_text(encoding="utf-8")
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
        if block is not None and block.lines and _LOOKS_LIKE_FILE.match(block.lines[0]):
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


async def loads_cleanly_and_passes(folder: Path, every_channel: bool = True) -> None:
    """A bot folder loads without a problem or a warning, and its conversation tests (if any)
    pass, on every channel unless they say which."""
    try:
        flowset = load_flowset(folder, load_bot_config(folder))
    except ConfigError as exc:
        pytest.fail("\n".join(exc.problems), pytrace=False)
    try:
        assert flowset.warnings == []
        suites, problems = load_tests(folder)
        assert problems == []
        results = await run_suites(flowset, suites, chosen_channels("all"), sandboxes=sandbox)
        failures = [result.failure for result in results if result.failure]
        assert not failures, "\n\n".join(failure for failure in failures if failure)
        if suites and every_channel:
            assert {result.channel for result in results} == set(chosen_channels("all"))
    finally:
        await flowset.actions.aclose()


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
