"""Conversation tests: a bot folder's ``tests/*.yaml``, run through the real turn pipeline.

Each test runs on each chosen channel with that channel's rendering (``--channel sms`` shows
buttons as numbered options, and ``choose: Courier`` then types the number), against embedded
memory and the bot's own actions (the in-process bot the composition root hands in, a
:class:`~dialogs.sandbox.Sandbox`). A failure names the step by ``file:line:col`` and shows what
was expected, what came, and the conversation so far.

A test may let time pass (``wait: 1h``: the sandbox's clock moves on, and what the flows
scheduled fires, with no real sleeping) and send a business event (``event: {type: ...}``), to
try the flows that wait and those the store starts.

A test may ``start`` in the middle of a flow: the flow is started from outside at one of its
steps, with some slots filled, as if the conversation had gone there already; the names it
gives are checked against the bot (:func:`start_problems`) before any test runs.
"""

from __future__ import annotations

import difflib
import itertools
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator

from bot.connector import Submission
from bot.format.language_tags import canonical
from bot.format.messages import Address, SystemEvent
from bot.format.outbound import Card, Media, OutboundMessage, Text, Typing
from bot.identity.link_codes import LinkPolicy
from bot.outreach.events.business import BUSINESS_EVENT, EventType
from bot.turn.customer import CustomerRecord, new_customer_id
from bot.turn.pipeline import TurnPipeline
from bot.yaml_source import YamlDocument, YamlSyntaxError, load, validation_problems
from dialogs.design.flowset import FlowSet
from dialogs.design.times import Duration, shown_duration
from dialogs.tools.sandbox import Loopback, OpenSandbox, Sandbox

ChannelName = Literal["telegram", "slack", "sms", "webchat", "whatsapp", "email"]
CHANNEL_NAMES: tuple[str, ...] = get_args(ChannelName)
"""Every channel a test can run on: ``--channel all``."""
USER = "tester"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Expect(_Part):
    """What a bot message must be: ``contains`` a text, ``matches`` a regular expression, or
    be an image (``image``: its URL) or a card (``card``: its title)."""

    contains: str | None = Field(default=None, description="a text the message contains")
    matches: str | None = Field(
        default=None, description="a regular expression the message matches"
    )
    image: str | None = Field(default=None, description="the URL of the image the message shows")
    card: str | None = Field(default=None, description="the title of the card the message shows")


class SystemInput(_Part):
    """A system event, such as ``resume``."""

    name: str = Field(description="the event, such as resume")
    data: dict[str, JsonValue] = Field(default_factory=dict, description="what comes with it")


class EventInput(_Part):
    """A business event from the store, as ``POST /events`` takes it (the customer is the
    test's)."""

    type: EventType = Field(description="the event's type, such as order.shipped")
    data: dict[str, JsonValue] = Field(default_factory=dict, description="what comes with it")


STEP_KEYS = (
    "user",
    "choose",
    "press",
    "contact",
    "system",
    "event",
    "wait",
    "channel",
    "bot",
    "buttons",
    "silent",
    "slots",
    "profile",
    "handoff",
    "language",
)


class TestStep(_Part):
    """One line of a conversation test: something the customer does, or something to check."""

    user: str | None = Field(default=None, description="the customer types this")
    choose: str | None = Field(default=None, description="pick the offered option with this title")
    press: str | None = Field(default=None, description="press a button with this payload")
    contact: str | None = Field(default=None, description="share one's own phone number")
    system: str | SystemInput | None = Field(
        default=None, description="a system event, by name or with data"
    )
    event: EventInput | None = Field(
        default=None, description="the store sends a business event about the customer"
    )
    wait: Duration | None = Field(
        default=None, description="let this much time pass (30m, 1h, 1d): what is due fires"
    )
    channel: ChannelName | None = Field(default=None, description="continue on this channel")
    bot: str | Expect | None = Field(default=None, description="the next bot message")
    buttons: list[str] | None = Field(default=None, description="the options now offered")
    silent: bool | None = Field(default=None, description="the bot said nothing this time")
    slots: dict[str, JsonValue] | None = Field(
        default=None, description="the slots now, as far as given (null: not filled)"
    )
    profile: dict[str, JsonValue] | None = Field(
        default=None, description="the profile now, as far as given"
    )
    handoff: Literal["bot", "waiting", "agent"] | None = Field(
        default=None, description="who has the conversation: bot, waiting or agent"
    )
    language: str | None = Field(default=None, description="the language the bot now speaks")

    @model_validator(mode="after")
    def _one_thing(self) -> TestStep:
        given = [key for key in STEP_KEYS if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError(f"a test step does one of: {', '.join(STEP_KEYS)}")
        return self

    @property
    def kind(self) -> str:
        """Which key the step has."""
        return next(key for key in STEP_KEYS if getattr(self, key) is not None)


class Start(_Part):
    """Where a test starts instead of a new conversation: at ``step`` (by its id) of ``flow``,
    with ``slots`` already filled; the bot runs that step before the test's first line."""

    flow: str = Field(description="the flow the conversation is in")
    step: str = Field(description="the id of the step the flow goes on from")
    slots: dict[str, JsonValue] = Field(
        default_factory=dict, description="slots filled before the test starts"
    )


class ConversationTest(_Part):
    """A named conversation; ``channels`` pins it to some channels, ``today`` fixes the date,
    ``start`` begins it in the middle of a flow."""

    name: str = Field(description="what the test shows, as the report names it")
    channels: list[ChannelName] | None = Field(
        default=None, description="the channels to run it on (all of them otherwise)"
    )
    locale: str | None = Field(
        default=None, description="the customer's language, as their app reports it"
    )
    today: date | None = Field(default=None, description="the date the test runs on (YYYY-MM-DD)")
    start: Start | None = Field(
        default=None,
        description="where the test starts: a flow, a step in it and the slots already filled",
    )
    steps: list[TestStep] = Field(
        min_length=1, description="what the customer does and what the bot must answer, in order"
    )


class TestFile(_Part):
    """A file in a bot folder's ``tests/``."""

    tests: list[ConversationTest] = Field(min_length=1, description="the conversation tests")


@dataclass(frozen=True, slots=True)
class Result:
    """One test on one channel: ``failure`` is ``None`` when it passed."""

    test: str
    channel: str
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class Suite:
    """A loaded tests file."""

    document: YamlDocument
    tests: list[ConversationTest]


LABELLED = "understanding.yaml"
"""The one file of ``tests/`` that is not conversation tests (see :mod:`dialogs.tools.labelled`)."""


def load_tests(bot_dir: Path) -> tuple[list[Suite], list[str]]:
    """Every tests file of a bot folder (but :data:`LABELLED`), and the problems found reading
    them."""
    suites, problems = [], []
    folder = bot_dir / "tests"
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    for path in paths:
        if path.name == LABELLED:
            continue  # labelled phrases for omnibot evaluate, not a conversation
        try:
            document = load(path, _shown(path))
            parsed = TestFile.model_validate(document.data)
        except YamlSyntaxError as exc:
            problems.append(exc.problem)
            continue
        except ValidationError as exc:
            problems.extend(validation_problems(document, exc, TestFile))
            continue
        suites.append(Suite(document, parsed.tests))
    return suites, problems


def start_problems(suites: list[Suite], flowset: FlowSet) -> list[str]:
    """What is wrong with the tests' ``start``: a flow, a step or a slot the bot does not have;
    one ``file:line:col: message`` line each."""
    problems = []
    for suite in suites:
        for index, test in enumerate(suite.tests):
            if test.start is not None:
                at = ("tests", index, "start")
                for key, message in _start_problems(test.start, flowset):
                    problems.append(suite.document.problem((*at, *key), message))
    return problems


def _start_problems(start: Start, flowset: FlowSet) -> list[tuple[tuple[str, ...], str]]:
    flow = flowset.flows.get(start.flow)
    if flow is None:
        return [(("flow",), f"unknown flow '{start.flow}'{_hint(start.flow, flowset.flows)}")]
    problems: list[tuple[tuple[str, ...], str]] = []
    step = flow.step(start.step)
    if step is None:
        message = f"flow '{flow.name}' has no step '{start.step}'{_hint(start.step, flow.ids)}"
        problems.append((("step",), message))
    for name in start.slots:
        if name not in flowset.known_slots:
            problems.append(
                (("slots", name), f"unknown slot '{name}'{_hint(name, flowset.known_slots)}")
            )
    return problems


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class _Failed(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass
class _Chat:
    """One test being run: the bot in its sandbox, the channel, and what was said so far."""

    test: ConversationTest
    channel: str
    sandbox: Sandbox
    clock: _TestClock
    customer_id: str | None = None
    replies: list[OutboundMessage] = field(default_factory=list)
    cursor: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def pipeline(self) -> TurnPipeline:
        return self.sandbox.pipeline

    @property
    def connectors(self) -> Mapping[str, Loopback]:
        return self.sandbox.channels

    @property
    def here(self) -> Loopback:
        return self.connectors[self.channel]

    async def record(self) -> CustomerRecord:
        stored = await self.sandbox.memory.load(self.customer_id or "")
        if stored is None:
            raise _Failed("the customer has no state yet: say something first")
        return stored

    async def send(self, kind: str, label: str, **fields: Any) -> None:
        before = len(self.here.sent[USER])
        for connector in self.connectors.values():
            await connector.start(self.pipeline)
        if self.test.locale:
            fields.setdefault("locale", self.test.locale)
        submission: Submission = await self.here.submit(USER, None, kind=kind, **fields)
        self.customer_id = submission.customer_id
        await self.pipeline.join()
        self.replies = [m for m in self.here.sent[USER][before:] if not isinstance(m, Typing)]
        self.cursor = 0
        self.log.append(f"  > {label}")
        self.log += [f"  < {_show(m)}" for m in self.replies]


async def run_test(
    flowset: FlowSet,
    test: ConversationTest,
    channel: str,
    document: YamlDocument,
    loc: tuple[str | int, ...],
    linking: LinkPolicy | None = None,
    *,
    sandboxes: OpenSandbox,
) -> Result:
    """Run one test on one channel, linking by ``linking`` (the bot's ``linking:``), in a
    sandbox from ``sandboxes``."""
    clock = _TestClock(test.today)
    sandbox = sandboxes(flowset, linking, CHANNEL_NAMES, clock)
    chat = _Chat(test, channel, sandbox, clock)
    try:
        if test.start is not None:
            await _start(chat, test.start)
        for index, step in enumerate(test.steps):
            try:
                await _step(chat, step)
            except _Failed as failed:
                where = document.problem((*loc, "steps", index), "").rstrip(": ")
                title = f"{where}: {test.name} [{channel}], step {index + 1} ({step.kind})"
                report = "\n".join([title, failed.message, "  conversation:", *chat.log])
                return Result(test.name, channel, report)
        return Result(test.name, channel)
    finally:
        await chat.pipeline.close()


async def _start(chat: _Chat, start: Start) -> None:
    """Make the customer one the flow ``start`` names was started for from outside, at its
    step and with its slots (the names were checked when the tests were loaded)."""
    await _make_customer(chat)
    data: dict[str, JsonValue] = {"flow": start.flow, "step": start.step, "slots": start.slots}
    await _system(chat, SystemInput(name="start_flow", data=data))


async def _make_customer(chat: _Chat) -> None:
    """Make the test's customer, in the middle of a conversation on the channel: as if they had
    just written there (so a channel with a service window, WhatsApp's, has it open)."""
    memory = chat.sandbox.memory
    address = Address(channel=chat.channel, user_id=USER, conversation_id=USER)
    customer_id = await memory.create_customer(address.identity, new_customer_id())
    lease = await memory.try_lease(customer_id, secrets.token_hex(8))
    if lease is None:
        raise _Failed("  the customer is busy: a test cannot start mid-flow now")
    now = chat.clock()
    record = CustomerRecord.new(customer_id, now).seen_at(address, now)
    await memory.rewrite(lease, record, [], {})
    await memory.drop_lease(lease)
    chat.customer_id = customer_id


class _TestClock:
    """The real time, or noon of ``today`` advancing a millisecond each time it is read; a
    ``wait:`` step moves it on."""

    def __init__(self, today: date | None) -> None:
        self._ticks = itertools.count(1)
        self._today = today
        self._passed = timedelta(0)

    def __call__(self) -> datetime:
        if self._today is None:
            return datetime.now(UTC) + self._passed
        noon = datetime.combine(self._today, datetime.min.time(), UTC) + timedelta(hours=12)
        return noon + self._passed + timedelta(milliseconds=next(self._ticks))

    def advance(self, duration: timedelta) -> None:
        """Let ``duration`` pass."""
        self._passed += duration


async def _step(chat: _Chat, step: TestStep) -> None:
    kind = step.kind
    if kind == "user":
        await chat.send("text", step.user or "", text=step.user)
    elif kind == "press":
        await chat.send("button", f"[{step.press}]", payload=step.press)
    elif kind == "choose":
        await _choose(chat, step.choose or "")
    elif kind == "contact":
        phone = step.contact or ""
        contact = {"phone": phone, "user_id": USER, "verified": True}
        await chat.send("contact", f"[contact {phone}]", contact=contact)
    elif kind == "system":
        await _system(chat, step.system)
    elif kind == "event":
        await _event(chat, step.event)
    elif kind == "wait":
        await _wait(chat, step.wait or timedelta(0))
    elif kind == "channel":
        await _switch(chat, step.channel or chat.channel)
    elif kind == "bot":
        _expect_message(chat, step.bot)
    elif kind == "buttons":
        await _expect_buttons(chat, step.buttons or [])
    elif kind == "silent":
        if step.silent and chat.replies:
            raise _Failed(_diff("nothing", "\n".join(_show(m) for m in chat.replies)))
    else:
        await _expect_state(chat, step)


async def _choose(chat: _Chat, title: str) -> None:
    record = await chat.record()
    options = record.offered.options if record.offered else ()
    option = next((o for o in options if o.title == title), None)
    if option is None:
        offered = ", ".join(o.title for o in options) or "none"
        raise _Failed(f"  no option titled {title!r} is offered (offered: {offered})")
    if option.number is not None:
        await chat.send("text", f"{option.number}  ({title})", text=str(option.number))
    else:
        await chat.send("button", f"[{title}]", payload=option.payload)


async def _system(chat: _Chat, given: str | SystemInput | None) -> None:
    event = SystemInput(name=given) if isinstance(given, str) else given
    if event is None or chat.customer_id is None:
        raise _Failed("  a system event needs a customer: say something first")
    customer = chat.customer_id
    system = SystemEvent(name=event.name, data=event.data)
    await _outside(chat, f"* {event.name}", lambda: chat.pipeline.notify(customer, system))


async def _event(chat: _Chat, event: EventInput | None) -> None:
    """The store sends a business event about the test's customer (made if they are new)."""
    if event is None:
        return
    if chat.customer_id is None:
        await _make_customer(chat)
    customer = chat.customer_id or ""
    data: dict[str, JsonValue] = {"type": event.type, "data": event.data}
    system = SystemEvent(name=BUSINESS_EVENT, data=data)
    await _outside(chat, f"* event {event.type}", lambda: chat.pipeline.notify(customer, system))


async def _wait(chat: _Chat, duration: timedelta) -> None:
    """Let ``duration`` pass on the sandbox's clock, and fire what is due by then."""
    chat.clock.advance(duration)
    scheduler = chat.sandbox.scheduler
    if scheduler is None:
        raise _Failed("  this sandbox has no scheduler: time cannot pass")
    await _outside(chat, f"~ {shown_duration(duration)} later", scheduler.fire_due)


async def _outside(chat: _Chat, label: str, act: Callable[[], Awaitable[object]]) -> None:
    """Something not from the customer (a system event, time passing): the bot's messages are
    those sent where the customer last was."""
    before = {name: len(connector.sent[USER]) for name, connector in chat.connectors.items()}
    for connector in chat.connectors.values():
        await connector.start(chat.pipeline)
    await act()
    await chat.pipeline.join()
    where = chat.channel
    if chat.customer_id is not None:
        stored = await chat.sandbox.memory.load(chat.customer_id)
        where = (stored.last_channel if stored else None) or chat.channel
    sent = chat.connectors[where].sent[USER][before[where] :]
    chat.replies = [m for m in sent if not isinstance(m, Typing)]
    chat.cursor = 0
    chat.log.append(f"  {label}")
    chat.log += [f"  < {_show(m)}" for m in chat.replies]


async def _switch(chat: _Chat, channel: str) -> None:
    """Continue as the same customer on another channel (as a verified link would allow)."""
    if chat.customer_id is not None:
        address = Address(channel=channel, user_id=USER, conversation_id=USER)
        await chat.sandbox.memory.link(address.identity, chat.customer_id)
    chat.channel = channel
    chat.replies, chat.cursor = [], 0
    chat.log.append(f"  ~ now on {channel}")


def _expect_message(chat: _Chat, expected: str | Expect | None) -> None:
    if chat.cursor >= len(chat.replies):
        wanted = expected if isinstance(expected, str) else _describe(expected)
        raise _Failed(_diff(wanted, "(no further message)"))
    message = chat.replies[chat.cursor]
    chat.cursor += 1
    shown = _show(message)
    if isinstance(expected, str):
        if expected not in (_text(message), _body(message)):
            raise _Failed(_diff(expected, _body(message) or shown))
    elif expected is not None and not _meets(message, expected):
        raise _Failed(_diff(_describe(expected), shown))


def _meets(message: OutboundMessage, expected: Expect) -> bool:
    text = _text(message)
    checks = [
        expected.contains is None or expected.contains in text,
        expected.matches is None or re.search(expected.matches, text) is not None,
        expected.image is None or (isinstance(message, Media) and message.url == expected.image),
        expected.card is None or (isinstance(message, Card) and message.title == expected.card),
    ]
    return all(checks)


async def _expect_buttons(chat: _Chat, titles: list[str]) -> None:
    record = await chat.record()
    offered = [o.title for o in record.offered.options] if record.offered else []
    if offered != titles:
        raise _Failed(_diff("\n".join(titles), "\n".join(offered)))


async def _expect_state(chat: _Chat, step: TestStep) -> None:
    record = await chat.record()
    if step.slots is not None:
        _subset("slots", step.slots, record.slots)
    if step.profile is not None:
        _subset("profile", step.profile, record.profile)
    if step.handoff is not None and record.handoff.status != step.handoff:
        raise _Failed(_diff(f"handoff: {step.handoff}", f"handoff: {record.handoff.status}"))
    if step.language is not None and canonical(step.language) != canonical(record.language or ""):
        raise _Failed(_diff(f"language: {step.language}", f"language: {record.language}"))


def _subset(name: str, expected: dict[str, JsonValue], actual: dict[str, JsonValue]) -> None:
    """Each expected key has its value; ``null`` means the key is not set (or is null)."""
    wrong = {k: v for k, v in expected.items() if actual.get(k) != v}
    if wrong:
        shown = {k: actual.get(k, "(not set)") for k in wrong}
        raise _Failed(_diff(f"{name}: {wrong}", f"{name}: {shown}"))


def _text(message: OutboundMessage) -> str:
    if isinstance(message, Text):
        return message.text
    if isinstance(message, Media):
        return message.caption or ""
    if isinstance(message, Card):
        return "\n".join(part for part in (message.title, message.subtitle) if part)
    return ""


_NUMBERED = re.compile(r"(?:\n\d+\. [^\n]*)+$")


def _body(message: OutboundMessage) -> str:
    """A text without the numbered options a channel without buttons appended."""
    return _NUMBERED.sub("", _text(message)) if isinstance(message, Text) else _text(message)


def _show(message: OutboundMessage) -> str:
    if isinstance(message, Text):
        buttons = " ".join(f"[{b.title}]" for b in (*message.buttons, *message.quick_replies))
        return message.text.replace("\n", "\n      ") + (f"  {buttons}" if buttons else "")
    if isinstance(message, Media):
        return f"({message.kind} {message.url})" + (
            f" {message.caption}" if message.caption else ""
        )
    if isinstance(message, Card):
        return f"(card {message.title})"
    return "(typing)"


def _describe(expected: Expect | None) -> str:
    if expected is None:
        return "a message"
    parts = [f"{key} {value!r}" for key, value in expected.model_dump(exclude_none=True).items()]
    return "a message that " + " and ".join(parts)


def _diff(expected: str, actual: str) -> str:
    lines = [f"  expected: {expected}", f"  actual:   {actual}"]
    if "\n" in expected or "\n" in actual:
        delta = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "expected", "actual", lineterm=""
        )
        lines = ["  " + line for line in delta]
    return "\n".join(lines)


async def run_suites(
    flowset: FlowSet,
    suites: list[Suite],
    channels: list[str],
    linking: LinkPolicy | None = None,
    *,
    sandboxes: OpenSandbox,
) -> list[Result]:
    """Every test of every suite on each channel it runs on, each in a sandbox of its own."""
    results = []
    for suite in suites:
        for index, test in enumerate(suite.tests):
            for channel in [c for c in (test.channels or channels) if c in channels]:
                loc = ("tests", index)
                result = await run_test(
                    flowset, test, channel, suite.document, loc, linking, sandboxes=sandboxes
                )
                results.append(result)
    return results


def chosen_channels(wanted: str) -> list[str]:
    """The channels ``--channel`` names: one, or ``all`` of them."""
    return list(CHANNEL_NAMES) if wanted == "all" else [wanted]
