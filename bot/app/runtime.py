"""One running bot's parts, started and stopped in order (wired by :mod:`bot.app.compose`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from bot.app.config import BotConfig, Settings
from bot.app.metrics import Metrics
from bot.connector import Connector, Submission
from bot.desk.handoff import DeskKeeper
from bot.desk.insights.recorder import Insights
from bot.desk.summary import Summariser, plain
from bot.desk.words import ActionWords, PlainWords
from bot.format.messages import ChannelIdentity, InboundEvent, SystemEvent
from bot.format.transcript import Logged, StatusEntry
from bot.identity.link_codes import LinkCodes
from bot.identity.visibility import Page
from bot.outreach.scheduler import Scheduler
from bot.turn.bus import Bus
from bot.turn.pipeline import TurnPipeline
from bot.turn.presence import Presence
from bot.turn.store import Bucket, Memory
from bot.turn.window import WindowState

log = logging.getLogger("omnibot.runtime")


class Service(Protocol):
    """Something that runs alongside the bot (a flow watcher): started first, stopped last."""

    async def start(self) -> None:
        """Begin."""
        ...

    async def stop(self) -> None:
        """End, releasing what it holds."""
        ...


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """Whether a channel is on, and what to do about it if not (for the start banner)."""

    channel: str
    on: bool
    detail: str


@dataclass
class ConnectorCore:
    """What connectors get: the pipeline's way in and its reads, and the bus."""

    pipeline: TurnPipeline
    bus: Bus
    desk: DeskKeeper
    memory: Memory
    codes: LinkCodes
    presence: Presence | None = None

    async def submit(self, event: InboundEvent) -> Submission:
        return await self.pipeline.submit(event)

    async def customer_of(self, identity: ChannelIdentity) -> str | None:
        return await self.pipeline.customer_of(identity)

    def presents_code(self, event: InboundEvent) -> bool:
        return self.codes.guessable(event)

    async def allow(self, key: str, burst: int, per_second: float) -> bool:
        return await self.memory.throttle(key, burst, per_second)

    async def allow_all(self, buckets: Sequence[Bucket]) -> float:
        return await self.memory.throttle_all(buckets)

    async def entries(self, customer_id: str, after: str | None, limit: int) -> list[Logged]:
        return await self.pipeline.entries(customer_id, after, limit)

    async def keep_file(self, kind: str, digest: str, data: bytes, ttl: timedelta) -> bool:
        return await self.memory.put_blob(kind, digest, data, ttl)

    async def kept_file(self, kind: str, digest: str) -> bytes | None:
        return await self.memory.get_blob(kind, digest)

    async def shown(
        self, customer_id: str, identity: ChannelIdentity, after: str | None, limit: int
    ) -> Page:
        return await self.pipeline.shown(customer_id, identity, after, limit)

    async def record(self, customer_id: str, statuses: Sequence[StatusEntry]) -> None:
        await self.pipeline.record(customer_id, statuses)

    async def notify(self, customer_id: str, event: SystemEvent) -> Submission:
        return await self.pipeline.notify(customer_id, event)

    async def page_open(self, customer_id: str, channel: str, page: str, ttl: timedelta) -> None:
        if self.presence is not None:
            await self.presence.mark(customer_id, channel, page, ttl)

    async def page_closed(self, customer_id: str, channel: str, page: str) -> None:
        if self.presence is not None:
            await self.presence.unmark(customer_id, channel, page)

    async def window_of(self, customer_id: str) -> WindowState | None:
        record = await self.memory.load(customer_id)
        return self.pipeline.window(record) if record is not None else None


@dataclass
class Runtime:
    """Everything one running bot is made of."""

    bot_dir: Path
    config: BotConfig
    settings: Settings
    memory: Memory
    metrics: Metrics
    pipeline: TurnPipeline
    bus: Bus
    connectors: tuple[Connector, ...]
    desk: DeskKeeper
    channels: tuple[ChannelStatus, ...] = ()
    services: tuple[Service, ...] = ()
    scheduler: Scheduler | None = None
    presence: Presence | None = None
    flow_names: Callable[[], list[str]] = list
    summarise: Summariser = plain
    """Reads a handoff's summary in the flows' words, for the agent console."""
    flow_titles: Callable[[], dict[str, str]] = dict
    """The flows' titles in the bot's first language (those that have one)."""
    step_labels: Callable[[], dict[str, str]] = dict
    """The slots' labels in the bot's first language, naming the steps that ask for them."""
    insights: Insights | None = None
    words: ActionWords = field(default_factory=PlainWords)
    """What the customer will see of agents' actions, for the console to show first."""
    shutdown_timeout: float = 30.0

    async def start(self) -> None:
        """Start the services, then the connectors; inbound events flow from here on."""
        for service in self.services:
            await service.start()
        codes = LinkCodes(self.memory, self.config.linking.policy().rules)
        core = ConnectorCore(self.pipeline, self.bus, self.desk, self.memory, codes, self.presence)
        for connector in self.connectors:
            await connector.start(core)
        if self.scheduler is not None:  # fires into the turns, so last, once channels are on
            await self.scheduler.start()

    async def closing(self) -> None:
        """The server stops accepting requests: connectors close their long-lived connections."""
        for connector in self.connectors:
            await connector.closing()

    async def stop(self) -> None:
        """Stop firing scheduled items, finish in-flight turns, then stop connectors and close
        the memory."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        if not await self.pipeline.close(self.shutdown_timeout):
            log.warning("shutdown cut some turns short; their inputs stay queued")
        for connector in reversed(self.connectors):
            await connector.stop()
        for service in reversed(self.services):
            await service.stop()
        await self.bus.close()
        await self.desk.desk.close()
        if self.presence is not None:
            await self.presence.close()
        if self.insights is not None:
            await self.insights.tallies.close()
        await self.memory.close()
