"""No duplicates: a provider's retry is processed once, whichever worker it reaches.

Two ``omnibot run`` processes on two ports serve one bot folder on one Redis namespace, so they
share the memory exactly as two workers do, with Telegram, Slack, SMS, the web chat and Direct
Line on against the fake vendor APIs. For each channel a message reaches worker A, the
provider's retry of the very same message reaches worker B, and a third copy reaches A again;
then the first copy and its retries reach both workers at the same moment, from a customer
neither has seen (as when a slow first answer makes Slack retry while the first request still
runs). The web chat resends a frame with the same id on the same session through the other
worker; Slack's two envelopes of one thread reply reach one worker each. Each time the message
has exactly one turn in the customer's transcript and one reply reached the channel.

A later message from the same customer is the barrier: turns run one at a time, in arrival
order, and each turn delivers its replies before the next begins, so once the barrier's reply
is out, a duplicate queued before it would have been answered already. No timing is assumed
(the waits are generous ceilings for a loaded machine, not measurements).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.format.messages import ChannelIdentity, InboundEvent
from bot.format.outbound import Text
from bot.format.transcript import InboundEntry, OutboundEntry
from bot.turn.store import MemoryPolicy
from connectors.telegram.connector import SECRET_HEADER
from connectors.webchat.directline.inbound import address_of
from memory.redis.store import RedisMemory
from tests.fakes import slack_events
from tests.fakes.slack import BOT_TOKEN, FakeSlack, FakeUser
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_updates import Person, Updates
from tests.fakes.twilio import FakeTwilio
from tests.helpers import anonymous_user
from tests.server_process import Server, clean_env, echo_bot, serving_all, wipe
from tests.webchat.kit import DirectLine, bot_messages
from tests.webchat.kit import message as activity

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

PUBLIC_URL = "https://bot.example.test"
TELEGRAM_SECRET = "retries-webhook-secret"
DIRECTLINE_SECRET = "retries-directline-secret-0123456789abcdef"
TEXT = "where is my parcel"
LATER = "and my refund"
AFTER = "thanks"
ECHOED = [f"echo {TEXT}", f"echo {LATER}"]
WAIT = 30.0

Json = dict[str, Any]


@dataclass
class Rig:
    """Two workers of one bot, the fake vendor APIs they talk to, and the memory they share."""

    a: Server
    b: Server
    telegram: FakeTelegram
    slack: FakeSlack
    twilio: FakeTwilio
    memory: RedisMemory
    session: aiohttp.ClientSession

    async def said(self, identity: ChannelIdentity) -> list[str]:
        """The texts of the customer's own inputs in their transcript, in order."""
        entries = await self._entries(identity)
        return [
            e.event.text or ""
            for e in entries
            if isinstance(e, InboundEntry) and isinstance(e.event, InboundEvent)
        ]

    async def answered(self, identity: ChannelIdentity) -> list[str]:
        """The texts of the bot's replies in the customer's transcript, in order."""
        entries = await self._entries(identity)
        return [
            e.message.text
            for e in entries
            if isinstance(e, OutboundEntry) and isinstance(e.message, Text)
        ]

    async def _entries(self, identity: ChannelIdentity) -> list[Any]:
        customer = await self.memory.lookup(identity)
        assert customer is not None, f"no customer for {identity.key}"
        return await self.memory.transcript(customer, 1000)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rig(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> AsyncIterator[Rig]:
    namespace = f"retries{secrets.token_hex(6)}"
    folder = echo_bot(tmp_path_factory.mktemp("retries") / "bot", namespace)
    telegram, slack, twilio = FakeTelegram(), FakeSlack(), FakeTwilio()
    env = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        **telegram.environment(TELEGRAM_SECRET),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=slack_events.SECRET,
        SLACK_API_BASE=slack.api_base,
        **twilio.environment(),
        OMNIBOT_DIRECTLINE_SECRET=DIRECTLINE_SECRET,
    )
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        for fake in (telegram, slack, twilio):
            await fake.start()
        async with (
            serving_all((folder, (), env), (folder, (), env)) as (a, b),
            aiohttp.ClientSession() as session,
        ):
            yield Rig(a, b, telegram, slack, twilio, memory, session)
    finally:
        await memory.close()
        for fake in (telegram, slack, twilio):
            await fake.stop()
        await wipe(redis_url, namespace)
    assert telegram.refused == [], "calls the real Bot API would refuse"


class Provider(ABC):
    """One customer of one channel, seen from the provider's side: the requests it posts to
    the bot (the first copy and its retries), and what the bot sent back through its API."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig

    @property
    @abstractmethod
    def identity(self) -> ChannelIdentity:
        """The customer's identity on the channel."""

    @abstractmethod
    def message(self, text: str) -> Json:
        """A new message from the customer, as the provider delivers it (its id fixed)."""

    @abstractmethod
    async def deliver(self, server: Server, message: Json, attempt: int) -> int:
        """Post ``message`` to ``server`` as the provider does on its ``attempt`` (0 for the
        first); the HTTP status."""

    @abstractmethod
    async def replies(self, count: int) -> list[str]:
        """Once at least ``count`` replies reached the API: every reply's text, in order."""

    async def write(self, server: Server, text: str) -> None:
        """A new message, delivered once."""
        assert await self.deliver(server, self.message(text), 0) == 200


_ids = itertools.count(1)


class Telegram(Provider):
    """Telegram sends an update again, the same ``update_id``, until it is answered 200."""

    updates = Updates(first=700_000)

    def __init__(self, rig: Rig) -> None:
        super().__init__(rig)
        self.person = Person(700_000 + next(_ids), "Retried")

    @property
    def identity(self) -> ChannelIdentity:
        return ChannelIdentity(channel="telegram", user_id=str(self.person.id))

    def message(self, text: str) -> Json:
        return self.updates.text(self.person, text)

    async def deliver(self, server: Server, message: Json, attempt: int) -> int:
        headers = {SECRET_HEADER: TELEGRAM_SECRET}
        url = f"{server.url}/telegram/webhook"
        async with self.rig.session.post(url, json=message, headers=headers) as response:
            return response.status

    async def replies(self, count: int) -> list[str]:
        return await self.rig.telegram.wait_for_texts(self.person.id, count, WAIT)


class Slack(Provider):
    """Slack retries an event callback, the same body signed anew, with ``X-Slack-Retry-Num``
    and ``X-Slack-Retry-Reason``."""

    def __init__(self, rig: Rig) -> None:
        super().__init__(rig)
        n = next(_ids)
        self.user = rig.slack.add_user(FakeUser(f"U0R{n}", f"r{n}", "Retried Person"))
        self.dm = f"D0R{n}"

    @property
    def identity(self) -> ChannelIdentity:
        return ChannelIdentity(channel="slack", user_id=self.user.id)

    def message(self, text: str) -> Json:
        return slack_events.envelope(slack_events.message(text, user=self.user.id, channel=self.dm))

    async def deliver(self, server: Server, message: Json, attempt: int) -> int:
        body = json.dumps(message)
        headers = {"Content-Type": "application/json", **slack_events.signed(body)}
        if attempt:
            headers |= {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
        url = f"{server.url}/slack/events"
        async with self.rig.session.post(url, data=body.encode(), headers=headers) as response:
            return response.status

    async def replies(self, count: int) -> list[str]:
        posts = await self.rig.slack.wait_posts(count, self.dm, WAIT)
        return [text for post in posts for text in slack_events.texts(post)]


class Sms(Provider):
    """Twilio posts an incoming message again, the same ``MessageSid``, signed for the public
    URL, which both workers are known by."""

    def __init__(self, rig: Rig) -> None:
        super().__init__(rig)
        self.phone = f"+55119{next(_ids):08d}"

    @property
    def identity(self) -> ChannelIdentity:
        return ChannelIdentity(channel="sms", user_id=self.phone)

    def message(self, text: str) -> Json:
        return self.rig.twilio.incoming(self.phone, text)

    async def deliver(self, server: Server, message: Json, attempt: int) -> int:
        signature = self.rig.twilio.sign(f"{PUBLIC_URL}/sms/twilio", message)
        headers = {"X-Twilio-Signature": signature}
        url = f"{server.url}/sms/twilio"
        async with self.rig.session.post(url, data=message, headers=headers) as response:
            return response.status

    async def replies(self, count: int) -> list[str]:
        sent = await self.rig.twilio.wait_sent(self.phone, count, WAIT)
        return [message.body or "" for message in sent]


PROVIDERS: dict[str, type[Provider]] = {"telegram": Telegram, "slack": Slack, "sms": Sms}


@pytest.mark.parametrize("channel", list(PROVIDERS))
async def test_a_retry_reaching_the_other_worker_is_processed_once(rig: Rig, channel: str) -> None:
    customer = PROVIDERS[channel](rig)
    message = customer.message(TEXT)
    assert await customer.deliver(rig.a, message, 0) == 200
    assert await customer.replies(1) == ECHOED[:1]
    assert await customer.deliver(rig.b, message, 1) == 200
    assert await customer.deliver(rig.a, message, 2) == 200
    await customer.write(rig.b, LATER)
    assert await customer.replies(2) == ECHOED
    assert await rig.said(customer.identity) == [TEXT, LATER]


@pytest.mark.parametrize("channel", list(PROVIDERS))
async def test_retries_reaching_both_workers_at_the_same_moment_are_processed_once(
    rig: Rig, channel: str
) -> None:
    customer = PROVIDERS[channel](rig)
    message = customer.message(TEXT)
    copies = [rig.a, rig.b, rig.a, rig.b]  # the first and three retries, as Slack sends them
    statuses = await asyncio.gather(
        *(customer.deliver(server, message, attempt) for attempt, server in enumerate(copies))
    )
    assert statuses == [200] * len(copies)
    await customer.write(rig.a, LATER)
    assert await customer.replies(2) == ECHOED
    assert await rig.said(customer.identity) == [TEXT, LATER]


async def test_a_thread_reply_slack_sends_twice_is_one_turn_when_each_copy_reaches_a_worker(
    rig: Rig,
) -> None:
    """A thread reply that mentions the bot comes as ``app_mention`` and as a channel
    ``message``: two envelopes, one message."""
    customer = Slack(rig)
    channel, user = f"C0THREAD{next(_ids)}", customer.user.id
    started = slack_events.mention(TEXT, user=user, channel=channel)
    assert await customer.deliver(rig.a, slack_events.envelope(started), 0) == 200
    await rig.slack.wait_posts(1, channel, WAIT)
    mention = slack_events.mention(LATER, user=user, channel=channel, thread_ts=started["ts"])
    also = slack_events.message(
        mention["text"],
        user=user,
        channel=channel,
        channel_type="channel",
        thread_ts=started["ts"],
        at=mention["ts"],
    )
    statuses = await asyncio.gather(
        customer.deliver(rig.a, slack_events.envelope(mention), 0),
        customer.deliver(rig.b, slack_events.envelope(also), 0),
    )
    assert list(statuses) == [200, 200]
    last = slack_events.mention(AFTER, user=user, channel=channel, thread_ts=started["ts"])
    assert await customer.deliver(rig.b, slack_events.envelope(last), 0) == 200
    posts = await rig.slack.wait_posts(3, channel, WAIT)
    assert [text for post in posts for text in slack_events.texts(post)] == [
        *ECHOED,
        f"echo {AFTER}",
    ]
    assert await rig.said(customer.identity) == [TEXT, LATER, AFTER]


@dataclass
class Chat:
    """One websocket of the web chat."""

    ws: aiohttp.ClientWebSocketResponse
    session: str

    @classmethod
    async def open(cls, rig: Rig, server: Server, session: str | None = None) -> Chat:
        ws = await rig.session.ws_connect(f"{server.url}/chat/ws")
        hello: Json = {"type": "hello", "protocol": 1}
        if session is not None:
            hello["session"] = session
        await ws.send_json(hello)
        welcome = await _frame(ws)
        assert welcome["type"] == "welcome", welcome
        return cls(ws, welcome["session"])

    @property
    def identity(self) -> ChannelIdentity:
        """An anonymous web chat customer is their session, kept as a hash (see
        ``connectors/webchat/socket.py``)."""
        user = anonymous_user(self.session)
        return ChannelIdentity(channel="webchat", user_id=user)

    async def send(self, frame_id: str, text: str) -> str:
        """Send a message frame; the ``ack``'s result (``accepted`` or ``duplicate``)."""
        await self.ws.send_json({"type": "message", "id": frame_id, "text": text})
        while True:
            frame = await _frame(self.ws)
            assert frame["type"] != "error", frame
            if frame["type"] == "ack" and frame["id"] == frame_id:
                return str(frame["result"])

    async def shown(self, text: str) -> None:
        """Wait until the bot's ``text`` is shown on this socket."""
        while True:
            frame = await _frame(self.ws)
            if frame["type"] == "entries":
                bot = [e["message"].get("text") for e in frame["entries"] if e["from"] == "bot"]
                if text in bot:
                    return


async def _frame(ws: aiohttp.ClientWebSocketResponse) -> Json:
    message = await ws.receive(timeout=WAIT)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    frame: Json = json.loads(message.data)
    return frame


@pytest_asyncio.fixture(loop_scope="module")
async def chats(rig: Rig) -> AsyncIterator[tuple[Chat, Chat]]:
    """The same browser session on worker A, then on worker B (a reconnect that reached the
    other worker)."""
    here = await Chat.open(rig, rig.a)
    there = await Chat.open(rig, rig.b, here.session)
    yield here, there
    await here.ws.close()
    await there.ws.close()


async def test_a_web_chat_resend_to_the_other_worker_is_processed_once(
    rig: Rig, chats: tuple[Chat, Chat]
) -> None:
    here, there = chats
    assert await here.send("m1", TEXT) == "accepted"
    await here.shown(ECHOED[0])
    assert await there.send("m1", TEXT) == "duplicate"
    assert await here.send("m1", TEXT) == "duplicate"
    assert await there.send("m2", LATER) == "accepted"
    await there.shown(ECHOED[1])
    assert await rig.said(here.identity) == [TEXT, LATER]
    assert await rig.answered(here.identity) == ECHOED


async def test_a_web_chat_resend_to_the_other_worker_at_the_same_moment_is_processed_once(
    rig: Rig, chats: tuple[Chat, Chat]
) -> None:
    here, there = chats
    acks = await asyncio.gather(here.send("m1", TEXT), there.send("m1", TEXT))
    assert sorted(acks) == ["accepted", "duplicate"]
    assert await here.send("m2", LATER) == "accepted"
    await here.shown(ECHOED[1])
    assert await rig.said(here.identity) == [TEXT, LATER]
    assert await rig.answered(here.identity) == ECHOED


async def test_a_direct_line_activity_posted_again_to_the_other_worker_is_processed_once(
    rig: Rig,
) -> None:
    here = DirectLine(rig.session, rig.a.url)
    there = DirectLine(rig.session, rig.b.url)
    conversation = await here.start(DIRECTLINE_SECRET)
    first = activity(TEXT, "c-1")
    statuses = [(await client.post(conversation, first))[0] for client in (here, there, here)]
    assert statuses == [200, 200, 200]
    await there.say(conversation, LATER, "c-2")
    answer = await there.poll_until(conversation, ECHOED[1])
    assert [a["text"] for a in bot_messages(answer["activities"])] == ECHOED
    identity = address_of(conversation["conversationId"]).identity
    assert await rig.said(identity) == [TEXT, LATER]
