"""Building bot folders and talking to the dialog engine directly, one turn at a time; and the
bot folders the designer's guide (docs/dialogs.md) shows, read from its code blocks."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.compose import sandbox
from bot.app.config import load_bot_config
from bot.errors import ConfigError
from bot.format.capabilities import Capabilities
from bot.format.messages import Address, InboundEvent, SystemEvent
from bot.format.outbound import OutboundMessage, Text
from bot.format.rendering import render
from bot.format.transcript import NoteEntry
from bot.turn.customer import CustomerRecord
from bot.turn.handler import Turn, TurnOutcome
from connectors.channels import CHANNELS
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine
from dialogs.tools.testing import chosen_channels, load_tests, run_suites

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday


def bot_folder(
    root: Path,
    flows: str,
    *,
    languages: tuple[str, ...] = ("en",),
    actions: str | None = None,
    name: str = "main",
) -> Path:
    """A bot folder under ``root`` with one flows file (and an ``actions.py``)."""
    (root / "flows").mkdir(parents=True, exist_ok=True)
    (root / "bot.yaml").write_text(f"name: Test\nlanguages: [{', '.join(languages)}]\n")
    (root / "flows" / f"{name}.yaml").write_text(textwrap.dedent(flows))
    if actions is not None:
        (root / "actions.py").write_text(textwrap.dedent(actions))
    return root


def flowset_of(root: Path) -> FlowSet:
    """Load a bot folder's flows."""
    return load_flowset(root, load_bot_config(root))


@dataclass
class Talk:
    """A customer talking to the engine, the record carried from turn to turn as the
    pipeline would carry it (replies are rendered for the channel, offers remembered)."""

    engine: DialogEngine
    channel: str = "webchat"
    record: CustomerRecord = field(default_factory=lambda: CustomerRecord.new("c1", NOW))
    notes: list[NoteEntry] = field(default_factory=list)
    clock: datetime = NOW
    count: int = 0
    last: TurnOutcome | None = None

    @property
    def caps(self) -> Capabilities:
        return CHANNELS[self.channel]

    def address(self) -> Address:
        return Address(channel=self.channel, user_id="u1", conversation_id="u1")

    async def say(self, text: str, **fields: object) -> list[str]:
        """The customer types ``text``; returns the texts of the bot's rendered replies."""
        return await self.send(kind="text", text=text, **fields)

    async def press(self, payload: str) -> list[str]:
        return await self.send(kind="button", payload=payload)

    async def send(self, **fields: object) -> list[str]:
        self.count += 1
        event = InboundEvent.model_validate(
            {
                "event_id": f"e{self.count}",
                "channel": self.channel,
                "address": self.address(),
                **fields,
            }
        )
        if event.kind == "text" and self.record.offered is not None and event.text:
            option = self.record.offered.match(event.text)
            if option is not None:
                event = event.model_copy(update={"kind": "button", "payload": option.payload})
        record = self.record.seen_at(event.address, self.clock)
        return await self._turn(Turn(event, record, event.address, self.caps, self.clock))

    async def system(self, name: str, **data: object) -> list[str]:
        event = SystemEvent(name=name, data=data)
        address = self.record.last_address
        return await self._turn(Turn(event, self.record, address, self.caps, self.clock))

    async def _turn(self, turn: Turn) -> list[str]:
        outcome: TurnOutcome = await self.engine(turn)
        self.last = outcome
        rendered = render(outcome.replies, self.caps, self.channel)
        self.record = outcome.customer.model_copy(
            update={"offered": rendered.offered} if outcome.replies else {}
        )
        self.notes.extend(outcome.notes)
        self.clock += timedelta(seconds=1)
        return [_text(message) for message in rendered.messages]

    @property
    def slots(self) -> dict[str, object]:
        return dict(self.record.slots)


def _text(message: OutboundMessage) -> str:
    if isinstance(message, Text):
        buttons = [b.title for b in (*message.buttons, *message.quick_replies)]
        return message.text + (f" {buttons}" if buttons else "")
    return repr(message)


def talk(root: Path, channel: str = "webchat") -> Talk:
    """A fresh customer talking to the bot folder at ``root``."""
    return Talk(DialogEngine(flowset_of(root)), channel=channel)


DEFAULT_BOT_YAML = "name: Guide\nlanguages: [en, pt]\n"
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "dialogs.md"
"""The designer's guide, whose examples the docs tests load and run."""
GUIDE_TEXT = GUIDE.read_text(encoding="utf-8")

FOLDER = "mybot"

_FENCE = re.compile(r"^```(?P<info>\S*)\s*$")
_HEADING = re.compile(r"^#{1,6} (?P<title>.+)$")
_FILE = re.compile(r"^# (?P<path>bot\.yaml|actions\.py|(?:flows|tests)/[a-z0-9_]+\.yaml)$")
LOOKS_LIKE_FILE = re.compile(r"^# \S+\.(?:ya?ml|py)$")
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
