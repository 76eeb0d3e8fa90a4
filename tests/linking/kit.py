"""A bot with linking flows, run by the real pipeline over loopback channels on a real memory."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.format.messages import Address, VerifiedAttribute, utcnow
from bot.format.outbound import OutboundMessage, Text
from bot.identity.code_budget import CodeBudget
from bot.identity.link_codes import LinkPolicy
from bot.turn.customer import CustomerRecord
from bot.turn.delivery import Outlets
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory
from connectors.channels import CHANNELS
from connectors.loopback import LoopbackConnector
from dialogs.engine import DialogEngine
from tests.dialogs.kit import bot_folder, flowset_of

FLOWS = """
slots:
  order_id:
    type: pattern
    pattern: "[A-Z]-[0-9]{5}"
    transform: upper
    prompt: "What's your order number?"
  email:
    type: email
    prompt: "What's your email?"
  size:
    type: choice
    options: [{value: S, title: Small}, {value: M, title: Medium}, {value: L, title: Large}]
    prompt: "Which size?"
  phone:
    type: phone
    prompt: "What's your phone number?"
  code:
    type: text
    prompt: "What's the code we texted you?"
flows:
  order:
    triggers: {en: [where is my order, track my order]}
    resume: "Welcome back! We were checking order {{ slots.order_id }}."
    steps:
      - ask: order_id
      - ask: email
      - ask: size
      - say: "All set: order {{ slots.order_id }}, size {{ slots.size }}, to {{ slots.email }}."
  elsewhere:
    triggers: {en: [continue on my phone, continue elsewhere]}
    steps:
      - call: link_code
        into: link
      - say: >-
          Code {{ slots.link.code }} ({{ slots.link.minutes }} min);
          sms {{ slots.link.sms }}; telegram {{ slots.link.telegram }}
  ping_phone:
    triggers: {en: [text my phone]}
    steps:
      - say: "Here is your tracking link."
        to: sms
      - say: "I've sent the tracking link to your phone."
  verify:
    triggers: {en: [verify my phone]}
    steps:
      - ask: phone
      - call: send_code
        args: {phone: "{{ slots.phone }}"}
        into: sent
      - branch:
          - when: not slots.sent.sent
            goto: not_sent
      - id: typed
        ask: code
        always: true
      - call: check_code
        args: {phone: "{{ slots.phone }}", code: "{{ slots.code }}"}
        into: checked
      - branch:
          - when: slots.checked.ok
            goto: done
          - when: slots.checked.reason == "wrong"
            goto: wrong
      - say: "That code can't be used any more ({{ slots.checked.reason }})."
      - end
      - id: wrong
        say: "Wrong code, {{ slots.checked.left }} tries left."
      - goto: typed
      - id: done
        say: "Your phone is verified."
      - end
      - id: not_sent
        say: "I couldn't send a code ({{ slots.sent.reason }})."
"""

PHONE = "+12025550143"
US_CODES = LinkPolicy(budget=CodeBudget(countries={"US": None}))
"""The linking rules of these tests: one-time codes may be texted to US numbers."""
CODE = re.compile(r"\b(\d{4} ?\d{4})\b")
LINKED = "Done: this chat is now part of your conversation."
DECLINED = "OK, nothing was joined: this chat goes on as before."


def question(channel: str, started: datetime) -> str:
    """The question asked where someone else's link code is presented, naming the channel the
    code was asked for on and when that conversation started (the bot's time zone is UTC)."""
    when = "today" if started.date() == utcnow().date() else f"on {started.date().isoformat()}"
    return (
        f"This will join this chat to a {channel} conversation started {when} at"
        f" {started:%H:%M} (UTC). Only say yes if you asked for this code yourself. Join them?"
    )


def refused(channel: str) -> str:
    """What the channel a code was asked for on is told when it was not accepted on another."""
    return (
        f"The code you asked for was used on {channel}, but not accepted there: nothing was"
        " joined. Ask for a new code if you still want to continue elsewhere."
    )


def texts(messages: list[OutboundMessage]) -> list[str]:
    return [m.text for m in messages if isinstance(m, Text)]


@dataclass
class Linked:
    """The running bot: a pipeline, its memory and one loopback connector per channel."""

    pipeline: TurnPipeline
    memory: Memory
    channels: dict[str, LoopbackConnector]

    def __getitem__(self, channel: str) -> LoopbackConnector:
        return self.channels[channel]

    async def say(
        self,
        channel: str,
        user: str,
        text: str,
        verified: tuple[VerifiedAttribute, ...] = (),
        client: str | None = None,
    ) -> list[str]:
        """``user`` types ``text`` on ``channel`` (from ``client``, a web chat's source key);
        the bot's texts to them in reply."""
        connector = self.channels[channel]
        before = len(connector.sent[user])
        await connector.submit(user, None, kind="text", text=text, verified=verified, client=client)
        await self.pipeline.join()
        return texts(connector.sent[user][before:])

    async def command(self, channel: str, user: str, name: str) -> None:
        """``user`` sends a channel command (``stop``, ``start``) on ``channel``."""
        await self.channels[channel].submit(user, None, kind="command", command={"name": name})
        await self.pipeline.join()

    async def start(self, channel: str, user: str, argument: str) -> list[str]:
        """``user`` opens a deep link: ``/start <argument>``."""
        connector = self.channels[channel]
        before = len(connector.sent[user])
        await connector.submit(
            user, None, kind="command", command={"name": "start", "argument": argument}
        )
        await self.pipeline.join()
        return texts(connector.sent[user][before:])

    async def press(self, channel: str, user: str, payload: str) -> list[str]:
        """``user`` presses a button carrying ``payload`` on ``channel``; the bot's texts."""
        connector = self.channels[channel]
        before = len(connector.sent[user])
        await connector.press(user, payload)
        await self.pipeline.join()
        return texts(connector.sent[user][before:])

    def buttons(self, channel: str, user: str) -> dict[str, str]:
        """The buttons of the last message ``user`` was sent on ``channel``: title → payload."""
        last = self.channels[channel].sent[user][-1]
        assert isinstance(last, Text), last
        return {b.title: b.payload or "" for b in (*last.buttons, *last.quick_replies)}

    async def customer(self, channel: str, user: str) -> CustomerRecord:
        address = Address(channel=channel, user_id=user, conversation_id=user)
        customer_id = await self.memory.lookup(address.identity)
        assert customer_id is not None, f"{channel}:{user} is nobody"
        record = await self.memory.load(customer_id)
        assert record is not None
        return record

    async def who(self, channel: str, user: str) -> str | None:
        address = Address(channel=channel, user_id=user, conversation_id=user)
        return await self.memory.lookup(address.identity)

    def sms_to(self, phone: str) -> list[str]:
        return texts(self.channels["sms"].sent[phone])


def sms_vouched(phone: str = PHONE) -> tuple[VerifiedAttribute, ...]:
    return (VerifiedAttribute(kind="phone", value=phone, issuer="sms"),)


def code_in(texts_: list[str]) -> str:
    for text in texts_:
        found = CODE.search(text)
        if found:
            return found.group(1)
    raise AssertionError(f"no code in {texts_}")


def token_in(texts_: list[str]) -> str:
    for text in texts_:
        found = re.search(r"telegram\?start=([A-Za-z0-9_-]{22})", text)
        if found:
            return found.group(1)
    raise AssertionError(f"no telegram link in {texts_}")


@asynccontextmanager
async def linked_bot(
    root: Path,
    memory: Memory,
    policy: LinkPolicy | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> AsyncIterator[Linked]:
    """The linking bot on ``memory``; ``policy`` changes what links automatically (by default
    :data:`US_CODES`)."""
    folder = bot_folder(root / "bot", FLOWS)
    # e-mail is off: its continuation is tests/email's, and its offer after the e-mail slot
    # would add a line to every conversation here
    channels = {
        name: LoopbackConnector(name, caps) for name, caps in CHANNELS.items() if name != "email"
    }
    engine = DialogEngine(flowset_of(folder))
    pipeline = TurnPipeline(
        memory=memory,
        handler=engine,
        outlets=Outlets(channels.values()),
        linking=policy or US_CODES,
        clock=clock,
    )
    for connector in channels.values():
        await connector.start(pipeline)
    try:
        yield Linked(pipeline, memory, channels)
    finally:
        await pipeline.close()
        await engine.aclose()
