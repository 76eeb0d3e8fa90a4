"""The conversation ``omnibot chat`` holds in the terminal.

The designer types as a customer and reads the bot's answers. Time passes by the real clock:
while they type, what a flow scheduled (a ``wait:``, an ``ask``'s ``timeout``) fires when it is
due, and what the bot says then is printed as it comes. ``/event TYPE [JSON]`` sends a business
event about the customer, as the store's ``POST /events`` would; ``/start``, ``/help``,
``/stop`` and ``/restart`` are the channel's commands; ``/quit`` leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from pydantic import JsonValue, TypeAdapter, ValidationError

from bot.connector import Submission
from bot.format.messages import ChannelIdentity, SystemEvent
from bot.format.outbound import Card, Media, OutboundMessage, Text
from bot.outreach.events.business import BUSINESS_EVENT, EventType
from bot.outreach.scheduler import Scheduler
from bot.turn.pipeline import TurnPipeline
from dialogs.nlu.explanation import Understood
from dialogs.tools.sandbox import Loopback, Sandbox

USER = "you"
"""The customer the designer plays, on the chat's channel."""
PROMPT = "you> "
TICK = 0.2
"""Seconds between two looks at the schedule: how late, at most, a due wait is printed."""
COMMANDS = ("start", "help", "stop", "restart")
HELP = "Type /quit to leave, /event TYPE {json} to send a business event."

ReadLine = Callable[[], Awaitable[str | None]]
"""The designer's next line, or ``None`` when their input ends."""
_EVENT_TYPE: TypeAdapter[str] = TypeAdapter(EventType)
_DATA: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])


async def terminal_line() -> str | None:
    """A line typed in the terminal (read in a thread, so that due waits fire meanwhile)."""
    try:
        return await asyncio.to_thread(input, PROMPT)
    except EOFError:
        return None


@dataclass
class _Screen:
    """What the bot said to the designer so far, and how much of it was printed."""

    connector: Loopback
    out: TextIO
    shown: int = 0

    def show(self, *, unprompted: bool = False) -> None:
        """Print what the bot said since last time; ``unprompted`` (a wait fired while the
        designer was typing): on a line of its own, and the prompt again after it."""
        sent = self.connector.sent[USER]
        new = [m for m in sent[self.shown :] if isinstance(m, Text | Media | Card)]
        self.shown = len(sent)
        if unprompted and new:
            print(file=self.out)
        for message in new:
            show_message(message, self.out)
        if unprompted and new:
            print(PROMPT, end="", file=self.out)
        self.out.flush()


async def hold_chat(
    sandbox: Sandbox,
    channel: str,
    out: TextIO,
    heard: list[Understood] | None,
    read: ReadLine = terminal_line,
) -> None:
    """Hold the conversation until ``/quit`` or the end of input; the sandbox's pipeline is
    closed after."""
    connector, pipeline = sandbox.channels[channel], sandbox.pipeline
    await connector.start(pipeline)
    screen = _Screen(connector, out)
    ticking = None
    if sandbox.scheduler is not None:
        ticking = asyncio.create_task(_fire_due(sandbox.scheduler, pipeline, screen))
    try:
        while (line := await read()) is not None:
            line = line.strip()
            if line in ("/quit", "/exit"):
                break
            if line:
                await _take(line, channel, connector, pipeline, out)
                if heard is not None:
                    _explain(heard, out)
                screen.show()
    finally:
        if ticking is not None:
            ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticking
        await pipeline.close()


async def _fire_due(scheduler: Scheduler, pipeline: TurnPipeline, screen: _Screen) -> None:
    """Fire what is due by the real clock, and print what the bot says then, until cancelled."""
    while True:
        if await scheduler.fire_due():
            await pipeline.join()
            screen.show(unprompted=True)
        await asyncio.sleep(TICK)


async def _take(
    line: str, channel: str, connector: Loopback, pipeline: TurnPipeline, out: TextIO
) -> None:
    """One line the designer typed: a business event, a command or words."""
    if line == "/event" or line.startswith("/event "):
        await _event(line.removeprefix("/event").strip(), channel, pipeline, out)
    else:
        await _say(connector, line)
    await pipeline.join()


async def _say(connector: Loopback, line: str) -> Submission:
    if line.startswith("/") and line[1:].split(" ")[0] in COMMANDS:
        name, _, argument = line[1:].partition(" ")
        command = {"name": name, "argument": argument or None}
        return await connector.submit(USER, None, kind="command", text=line, command=command)
    return await connector.say(USER, line)


async def _event(given: str, channel: str, pipeline: TurnPipeline, out: TextIO) -> None:
    """``TYPE [JSON]``: the store sends a business event about the designer's customer."""
    kind, _, raw = given.partition(" ")
    try:
        kind = _EVENT_TYPE.validate_python(kind)
        data = _DATA.validate_json(raw) if raw.strip() else {}
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        print(f"event> not sent: {problem} (/event TYPE {{json object}})", file=out)
        return
    customer = await pipeline.customer_of(ChannelIdentity(channel=channel, user_id=USER))
    if customer is None:
        print("event> not sent: say something first (the event is about you)", file=out)
        return
    event = SystemEvent(name=BUSINESS_EVENT, data={"type": kind, "data": data})
    await pipeline.notify(customer, event)


def _explain(heard: list[Understood], out: TextIO) -> None:
    """The decisions of the turn just taken (one per line), and forget them."""
    for understood in heard:
        print(f"why> {understood.line()}", file=out)
    if not heard:
        print("why> no trigger consulted: an answer, a button, a command or a language", file=out)
    heard.clear()


def show_message(message: OutboundMessage, out: TextIO) -> None:
    """One message of the bot, as the terminal shows it."""
    if isinstance(message, Text):
        print(f"bot> {message.text}", file=out)
        choices = [*message.buttons, *message.quick_replies]
        if choices:
            print("     " + "  ".join(f"[{b.title}]" for b in choices), file=out)
    elif isinstance(message, Media):
        print(f"bot> ({message.kind}) {message.url} {message.caption or ''}".rstrip(), file=out)
    elif isinstance(message, Card):
        print(f"bot> [{message.title}] {message.subtitle or ''}".rstrip(), file=out)
        if message.buttons:
            print("     " + "  ".join(f"[{b.title}]" for b in message.buttons), file=out)
