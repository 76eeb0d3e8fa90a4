"""The composition root: the one place that knows both the core's contracts and what implements
them (the memory backends, the connectors, the dialog engine), and wires them together.

``omnibot run`` gets its runtime here (:func:`assemble`, :func:`create_runtime`), the designer's
tools their in-process bot (:func:`sandbox`), ``omnibot customer`` and the benches their memory
(:func:`open_memory`). Nothing else in ``bot/`` imports ``memory/``, and Redis is imported only
when a URL names it, so importing the core never loads a Redis client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.app.config import BotConfig, Settings
from bot.app.metrics import Metrics
from bot.app.runtime import ChannelStatus, Runtime, Service
from bot.connector import Connector
from bot.desk.handoff import DeskKeeper
from bot.desk.insights.accounting import InsightPolicy
from bot.desk.insights.recorder import Insights
from bot.desk.insights.sweeper import IdleSweeper
from bot.desk.insights.tallies import Tallies
from bot.desk.store import Desk
from bot.desk.summary import Summariser, plain
from bot.desk.words import ActionWords, PlainWords
from bot.format import language_tags
from bot.format.messages import utcnow
from bot.identity.link_codes import LinkPolicy
from bot.identity.phone_codes import CodeProvider
from bot.outreach.schedule import Schedule
from bot.outreach.scheduler import Scheduler
from bot.turn.bus import Bus
from bot.turn.delivery import Outlets
from bot.turn.handler import TurnHandler
from bot.turn.pipeline import TurnPipeline
from bot.turn.presence import Presence
from bot.turn.recovery import Recovery
from bot.turn.store import Memory, MemoryPolicy
from memory import EmbeddedBus, EmbeddedDesk, EmbeddedMemory, EmbeddedPresence, EmbeddedSchedule
from memory.embedded.insights import EmbeddedTallies

if TYPE_CHECKING:
    from dialogs.design.flowset import FlowSet
    from dialogs.engine import DialogEngine
    from dialogs.tools.sandbox import Clock, Sandbox


def open_memory(url: str | None, policy: MemoryPolicy, namespace: str = "omnibot") -> Memory:
    """Redis (or a Redis Cluster, by the URL's scheme) when ``url`` is given
    (``OMNIBOT_REDIS_URL``), else embedded in-process memory."""
    if not url:
        return EmbeddedMemory(policy)
    from memory.redis.store import RedisMemory  # Redis only when configured

    return RedisMemory.from_url(url, policy, namespace)


def open_desk(url: str | None, namespace: str = "omnibot") -> Desk:
    """The agent desk next to the memory: on Redis when ``url`` is given, else in-process."""
    if not url:
        return EmbeddedDesk()
    from memory.redis.connection import connect
    from memory.redis.desk import RedisDesk

    return RedisDesk(connect(url), namespace)


def open_bus(url: str | None, namespace: str = "omnibot") -> Bus:
    """The bus next to the memory: Redis pub/sub when ``url`` is given, else in-process."""
    if not url:
        return EmbeddedBus()
    from memory.redis.bus import RedisBus
    from memory.redis.connection import connect

    return RedisBus(connect(url), namespace)


def open_schedule(url: str | None, namespace: str = "omnibot") -> Schedule:
    """The schedule next to the memory: on Redis when ``url`` is given, else in-process."""
    if not url:
        return EmbeddedSchedule()
    from memory.redis.schedule import RedisSchedule

    return RedisSchedule.from_url(url, namespace)


def open_presence(url: str | None, namespace: str = "omnibot") -> Presence:
    """The open pages next to the memory: on Redis when ``url`` is given, else in-process."""
    if not url:
        return EmbeddedPresence()
    from memory.redis.presence import RedisPresence

    return RedisPresence.from_url(url, namespace)


def open_tallies(url: str | None, namespace: str = "omnibot") -> Tallies:
    """The insights' daily tallies next to the memory: on Redis when ``url`` is given."""
    if url is None:
        return EmbeddedTallies()
    from memory.redis.connection import connect
    from memory.redis.insights import RedisTallies

    return RedisTallies(connect(url), namespace)


def describe_memory(settings: Settings) -> str:
    """Which memory ``settings`` name, in words, for the start banner."""
    url = settings.redis_url
    if url is None:
        return "embedded (this process only; set OMNIBOT_REDIS_URL to share it)"
    from memory.redis.connection import cluster_url

    if cluster_url(url.get_secret_value()):
        return "redis cluster (shared by every worker)"
    return "redis (shared by every worker)"


def create_runtime(
    bot_dir: Path,
    config: BotConfig,
    settings: Settings,
    *,
    handler: TurnHandler,
    connectors: Sequence[Connector] = (),
    channels: Sequence[ChannelStatus] = (),
    services: Sequence[Service] = (),
    memory: Memory | None = None,
    bus: Bus | None = None,
    desk: Desk | None = None,
    schedule: Schedule | None = None,
    presence: Presence | None = None,
    metrics: Metrics | None = None,
    flow_names: Callable[[], list[str]] = list,
    summarise: Summariser = plain,
    flow_titles: Callable[[], dict[str, str]] = dict,
    step_labels: Callable[[], dict[str, str]] = dict,
    tallies: Tallies | None = None,
    words: ActionWords | None = None,
    code_provider: CodeProvider | None = None,
    clock: Callable[[], datetime] | None = None,
    timezone: str = "UTC",
) -> Runtime:
    """Wire a bot: memory and bus (Redis if configured), metrics, outlets and the pipeline.

    ``code_provider`` sends and checks one-time codes (Twilio Verify); by default omnibot texts its
    own through the SMS channel. Either way to the countries of ``linking.code_countries``, by
    default the country of the bot's own number. ``clock`` is the turns' time (a test moves it to
    see a channel's window close, and fires scheduled items by it). ``timezone`` is the bot's
    (the flows' ``settings.timezone``), for customers whose own is unknown unless
    ``outreach.timezone`` says otherwise."""
    metrics = metrics or Metrics()
    url = settings.redis_url.get_secret_value() if settings.redis_url else None
    if memory is None:
        memory = open_memory(url, config.memory.policy(), config.memory.namespace)
    if bus is None:
        bus = open_bus(url, config.memory.namespace)
    if desk is None:
        desk = open_desk(url, config.memory.namespace)
    memory.observe.observer = metrics.count_round_trip
    schedule = schedule or open_schedule(url, config.memory.namespace)
    presence = presence or open_presence(url, config.memory.namespace)
    keeper = DeskKeeper(desk, bus, config.handoff, summarise=summarise)
    insights = Insights(
        tallies or open_tallies(url, config.memory.namespace),
        InsightPolicy(
            zone=ZoneInfo(timezone),
            idle=timedelta(hours=config.agents.insights.idle_hours),
            language=config.language,
        ),
    )
    pipeline = TurnPipeline(
        memory=memory,
        handler=handler,
        outlets=Outlets(connectors),
        metrics=metrics,
        linking=config.linking.policy(home=settings.twilio_from_number),
        desk=keeper,
        code_provider=code_provider,
        bus=bus,
        templates=config.channels.whatsapp.templates,
        language=config.language,
        clock=clock or utcnow,
        schedule=schedule,
        outreach=config.outreach.policy(timezone),
        presence=presence,
        insights=insights,
    )
    scheduler = Scheduler(
        schedule,
        pipeline,
        memory,
        bus,
        metrics=metrics,
        clock=clock or utcnow,
    )
    pipeline.timers = scheduler  # deferred messages are counted and wake every worker
    return Runtime(
        bot_dir=bot_dir,
        config=config,
        settings=settings,
        memory=memory,
        metrics=metrics,
        pipeline=pipeline,
        bus=bus,
        connectors=tuple(connectors),
        desk=keeper,
        channels=tuple(channels),
        flow_names=flow_names,
        summarise=summarise,
        flow_titles=flow_titles,
        step_labels=step_labels,
        insights=insights,
        words=words or PlainWords(),
        services=(
            Recovery(pipeline, memory.policy.lease),
            IdleSweeper(insights, pipeline.notify, _known(memory), clock or utcnow),
            *services,
        ),
        scheduler=scheduler,
        presence=presence,
    )


def assemble(
    bot_dir: Path, config: BotConfig, settings: Settings, base_url: str = "http://127.0.0.1:8080"
) -> Runtime:
    """The runtime for a bot folder: its flows (reloaded when they change) and the channels
    whose credentials are set. Raises :class:`~bot.errors.ConfigError` for a broken folder."""
    from connectors.registry import plan
    from connectors.sms import code_provider
    from dialogs.design.agent_words import FlowWords
    from dialogs.design.loader import load_flowset
    from dialogs.design.summary import summarise
    from dialogs.engine import DialogEngine
    from dialogs.reload import FlowWatcher

    engine = DialogEngine(load_flowset(bot_dir, config, warm_later=True))
    watcher = FlowWatcher(bot_dir, config, engine)
    channels = plan(config, settings, base_url)
    codes = code_provider(settings)
    runtime = create_runtime(
        bot_dir,
        config,
        settings,
        handler=engine,
        code_provider=codes,
        services=[watcher] if codes is None else [watcher, codes],
        connectors=[p.connector for p in channels if p.connector is not None],
        channels=[ChannelStatus(p.channel, p.connector is not None, p.detail) for p in channels],
        flow_names=lambda: sorted(engine.flowset.flows),
        summarise=lambda summary, languages: summarise(engine.flowset, summary, languages),
        flow_titles=lambda: flow_titles(engine, config.language),
        step_labels=lambda: step_labels(engine, config.language),
        words=FlowWords(lambda: engine.flowset),
        timezone=engine.flowset.settings.timezone,
    )
    engine.timers = runtime.scheduler  # the flows' waits are items of the schedule
    return runtime


def sandbox(
    flowset: FlowSet,
    linking: LinkPolicy | None,
    channels: tuple[str, ...],
    clock: Clock | None = None,
) -> Sandbox:
    """The bot of ``flowset`` in this process, for ``omnibot test`` and ``omnibot chat``:
    embedded memory, and a loopback channel with each named channel's capabilities, so that a
    conversation goes through that channel's rendering without a server."""
    from connectors.channels import CHANNELS
    from connectors.loopback import LoopbackConnector
    from dialogs.engine import DialogEngine
    from dialogs.tools.sandbox import Sandbox

    loopbacks = {name: LoopbackConnector(name, CHANNELS[name]) for name in channels}
    memory = EmbeddedMemory()
    engine = DialogEngine(flowset)
    pipeline = TurnPipeline(
        memory=memory,
        handler=engine,
        outlets=Outlets(loopbacks.values()),
        clock=clock or utcnow,
        linking=linking,
    )
    # the flows' waits fire when the test (or the chat) fires what is due by its clock
    scheduler = Scheduler(
        EmbeddedSchedule(), pipeline, memory, EmbeddedBus(), clock=clock or utcnow
    )
    engine.timers = scheduler
    return Sandbox(memory, pipeline, loopbacks, scheduler)


def flow_titles(engine: DialogEngine, language: str) -> dict[str, str]:
    """The flows' titles in the bot's first language, for those that have one."""
    flowset = engine.flowset
    titles = {name: flowset.title(name, language) for name in flowset.flows}
    return {name: title for name, title in titles.items() if title}


def step_labels(engine: DialogEngine, language: str) -> dict[str, str]:
    """The slots' labels in the bot's first language, for those that have one: an ``ask``
    step's id is its slot's name, so they name the steps where customers stop."""
    flowset, labels = engine.flowset, {}
    for name, slot in flowset.slots.items():
        label = slot.label
        if isinstance(label, dict):
            label = language_tags.pick(label, language, flowset.default_language)
        if label:
            labels[name] = label
    return labels


def _known(memory: Memory) -> Callable[[str], Awaitable[bool]]:
    """Whether a customer has a record (one erased has none)."""

    async def known(customer_id: str) -> bool:
        return await memory.load(customer_id) is not None

    return known
