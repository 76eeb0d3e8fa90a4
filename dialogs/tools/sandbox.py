"""What the designer's tools run a bot in: the turn pipeline on an in-process memory, with one
in-process channel per channel name. The composition root builds it
(:func:`bot.app.compose.sandbox`) and hands it in, so the dialog language knows neither the
memory backends nor the connectors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.connector import Inbox, Submission
from bot.format.outbound import OutboundMessage
from bot.identity.link_codes import LinkPolicy
from bot.outreach.scheduler import Scheduler
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory
from dialogs.design.flowset import FlowSet


class Loopback(Protocol):
    """A channel whose customers are function calls and whose sends are kept, by conversation."""

    sent: dict[str, list[OutboundMessage]]

    async def start(self, core: Inbox) -> None:
        """Take events to ``core`` from now on."""
        ...

    async def submit(self, user_id: str, event_id: str | None, **fields: object) -> Submission:
        """Submit any kind of event from ``user_id`` (fields as in an inbound event)."""
        ...

    async def say(self, user_id: str, text: str) -> Submission:
        """The customer ``user_id`` types ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class Sandbox:
    """A bot of one flow set, running in this process for one test or one terminal chat;
    ``scheduler`` fires the flows' waits when asked (``fire_due``), by the sandbox's clock."""

    memory: Memory
    pipeline: TurnPipeline
    channels: Mapping[str, Loopback]
    scheduler: Scheduler | None = None


Clock = Callable[[], datetime]


class OpenSandbox(Protocol):
    """Builds a :class:`Sandbox` for ``flowset``: linking by ``linking`` (the bot's
    ``linking:``), on ``channels`` (each with its own rendering), the time told by ``clock``
    (the real time when ``None``)."""

    def __call__(
        self,
        flowset: FlowSet,
        linking: LinkPolicy | None,
        channels: tuple[str, ...],
        clock: Clock | None = None,
    ) -> Sandbox: ...
