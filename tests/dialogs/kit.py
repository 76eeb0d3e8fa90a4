"""Building bot folders and talking to the dialog engine directly, one turn at a time."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.config import load_bot_config
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
