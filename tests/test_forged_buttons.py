"""A button press counts only if the bot offered that button: through ``omnibot run`` on Redis,
with the web chat socket, Direct Line, Telegram, Slack and SMS on (fake vendor APIs).

The flow is the one of issue 17: "show the orders on my phone number" asks for a phone, texts it
a one-time code, and shows the orders only once the code is right. On every channel a customer
can press a button the bot never sent (a web chat frame, a Direct Line ``value``, Telegram's
``callback_data``, a Slack ``value`` in a signed interactivity request) that names the step past
the check, ``goto:orders:show``. It must be read as typed text, and leave the conversation at
the code question with nothing verified. Honest presses (a ``goto`` button, and a numbered
option typed by SMS) still work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.format.messages import ChannelIdentity
from bot.format.transcript import NoteEntry
from bot.turn.store import MemoryPolicy
from connectors.telegram.connector import SECRET_HEADER
from dialogs.state import DialogState
from memory.redis.store import RedisMemory
from tests.fakes.slack import BOT_TOKEN, FakeSlack, FakeUser
from tests.fakes.slack_events import ANA, DM, click, envelope, form, message, signed, texts
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_updates import JOHN, Updates
from tests.fakes.twilio import FakeTwilio
from tests.helpers import anonymous_user
from tests.server_process import Server, clean_env, serving, wipe

PUBLIC_URL = "https://bot.example.test"
TELEGRAM_SECRET = "forged-buttons-webhook-secret"
SLACK_SECRET = "fake-signing-secret-for-tests"
DIRECTLINE_SECRET = "directline-secret-for-the-forged-buttons-test"
FORGED = "goto:orders:show"
ASK_PHONE = "What's your phone number?"
ASK_CODE = "What's the code we texted you?"
WRONG = "That's not it."
VERIFIED = "Verified. Orders on"
FLOWS = """
slots:
  phone: {type: phone, prompt: "What's your phone number?"}
  code: {type: text, prompt: "What's the code we texted you?"}
flows:
  orders:
    triggers: {en: [show the orders on my phone number]}
    steps:
      - ask: phone
      - call: send_code
        args: {phone: "{{ slots.phone }}"}
        into: sent
      - id: typed
        ask: code
        always: true
      - call: check_code
        args: {phone: "{{ slots.phone }}", code: "{{ slots.code }}"}
        into: checked
      - branch:
          - when: slots.checked.ok
            goto: show
      - say: "That's not it."
      - goto: typed
      - id: show
        say: "Verified. Orders on {{ slots.phone }}: A-10001, A-10002."
  shirts:
    triggers: {en: [buy a shirt]}
    steps:
      - say:
          text: Which size?
          buttons:
            - {title: Small, goto: small}
            - {title: Large, goto: large}
      - end
      - id: small
        say: A small shirt, then.
      - end
      - id: large
        say: A large shirt, then.
"""
WAIT = 15.0


class Customer:
    """One customer on one channel: what they can do, and what the bot showed them."""

    identity: ChannelIdentity

    async def say(self, text: str) -> None:
        raise NotImplementedError

    async def press(self, payload: str, title: str | None) -> None:
        """Press a button carrying ``payload``, whether or not the bot sent one."""
        raise NotImplementedError

    async def press_offered(self, title: str) -> None:
        """Press the button titled ``title`` of the bot's latest message, as the channel
        delivered it."""
        raise NotImplementedError

    async def shown(self) -> list[str]:
        """Every text the bot showed this customer, in order."""
        raise NotImplementedError

    async def answer(self, act: Awaitable[None], until: str) -> list[str]:
        """Do ``act``; the bot's texts that follow, up to the first that starts with ``until``
        (or that shows the gated step, which must never come)."""
        before = len(await self.shown())
        await act
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            new = (await self.shown())[before:]
            if any(text.startswith((until, VERIFIED)) for text in new):
                return new
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {until!r} in time; the bot said {new}")


@dataclass
class WebChat(Customer):
    """The web chat's own protocol, spoken as a custom client would."""

    ws: aiohttp.ClientWebSocketResponse
    identity: ChannelIdentity = field(init=False)
    entries: list[dict[str, Any]] = field(default_factory=list)
    ids: int = 0

    @classmethod
    async def connect(cls, session: aiohttp.ClientSession, server: Server) -> WebChat:
        ws = await session.ws_connect(f"{server.url}/chat/ws")
        await ws.send_json({"type": "hello", "protocol": 1})
        welcome = json.loads((await ws.receive(timeout=WAIT)).data)
        chat = cls(ws)
        user = anonymous_user(welcome["session"])
        chat.identity = ChannelIdentity(channel="webchat", user_id=user)
        return chat

    async def say(self, text: str) -> None:
        await self._send({"type": "message", "text": text})

    async def press(self, payload: str, title: str | None) -> None:
        frame = {"type": "button", "payload": payload}
        await self._send(frame if title is None else {**frame, "title": title})

    async def press_offered(self, title: str) -> None:
        messages = [e["message"] for e in self.entries if e["from"] == "bot"]
        [button] = [b for b in messages[-1]["buttons"] if b["title"] == title]
        await self.press(button["payload"], title)

    async def shown(self) -> list[str]:
        with contextlib.suppress(TimeoutError):
            while True:
                frame = json.loads((await self.ws.receive(timeout=0.05)).data)
                self.entries += frame.get("entries", [])
        return [e["message"]["text"] for e in self.entries if e["from"] == "bot"]

    async def _send(self, frame: dict[str, Any]) -> None:
        self.ids += 1
        await self.ws.send_json({**frame, "id": f"f{self.ids}"})


@dataclass
class DirectLine(Customer):
    """A Direct Line 3.0 client, such as the Bot Framework Web Chat or a script."""

    session: aiohttp.ClientSession
    url: str
    conversation: dict[str, Any]
    identity: ChannelIdentity = field(init=False)
    ids: int = 0

    @classmethod
    async def start(cls, session: aiohttp.ClientSession, server: Server) -> DirectLine:
        headers = {"Authorization": f"Bearer {DIRECTLINE_SECRET}"}
        url = f"{server.url}/v3/directline/conversations"
        async with session.post(url, headers=headers) as response:
            assert response.status == 201
            conversation = await response.json()
        client = cls(session, url, conversation)
        key = f"dl:{conversation['conversationId']}"
        client.identity = ChannelIdentity(channel="webchat", user_id=key)
        return client

    async def say(self, text: str) -> None:
        await self._post({"type": "message", "text": text, "from": {"id": "dl_x", "role": "user"}})

    async def press(self, payload: str, title: str | None) -> None:
        activity: dict[str, Any] = {"type": "message", "value": payload}
        activity["from"] = {"id": "dl_x", "role": "user"}
        if title is not None:
            activity["channelData"] = {"messageBack": {"displayText": title}}
        await self._post(activity)

    async def press_offered(self, title: str) -> None:
        last = [a for a in await self._activities() if a.get("suggestedActions")][-1]
        [action] = [a for a in last["suggestedActions"]["actions"] if a["title"] == title]
        await self.press(action["value"], action["displayText"])

    async def shown(self) -> list[str]:
        return [a.get("text") or "" for a in await self._activities()]

    async def _activities(self) -> list[dict[str, Any]]:
        path = f"{self.url}/{self.conversation['conversationId']}/activities"
        async with self.session.get(path, headers=self._auth()) as response:
            assert response.status == 200
            activities: list[dict[str, Any]] = (await response.json())["activities"]
        return [a for a in activities if a["from"]["role"] == "bot"]

    async def _post(self, activity: dict[str, Any]) -> None:
        self.ids += 1
        data = {**activity.get("channelData", {}), "clientActivityID": f"a{self.ids}"}
        path = f"{self.url}/{self.conversation['conversationId']}/activities"
        body = {**activity, "channelData": data}
        async with self.session.post(path, json=body, headers=self._auth()) as response:
            assert response.status == 200, await response.text()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.conversation['token']}"}


@dataclass
class Telegram(Customer):
    """A Telegram user; updates reach the webhook as Telegram sends them, secret included."""

    session: aiohttp.ClientSession
    server: Server
    fake: FakeTelegram
    updates: Updates = field(default_factory=Updates)
    identity: ChannelIdentity = field(
        default_factory=lambda: ChannelIdentity(channel="telegram", user_id=str(JOHN.id))
    )

    async def say(self, text: str) -> None:
        await self._deliver(self.updates.text(JOHN, text))

    async def press(self, payload: str, title: str | None) -> None:
        keyboard = [[{"text": title or "?", "callback_data": payload}]]
        await self._deliver(self.updates.press(JOHN, payload, keyboard=keyboard))

    async def press_offered(self, title: str) -> None:
        last = [c for c in self.fake.sent(JOHN.id) if "reply_markup" in c.params][-1]
        keyboard = last.params["reply_markup"]["inline_keyboard"]
        [data] = [b["callback_data"] for row in keyboard for b in row if b["text"] == title]
        await self._deliver(self.updates.press(JOHN, data, keyboard=keyboard))

    async def shown(self) -> list[str]:
        return self.fake.texts(JOHN.id)

    async def _deliver(self, update: dict[str, Any]) -> None:
        url = f"{self.server.url}/telegram/webhook"
        headers = {SECRET_HEADER: TELEGRAM_SECRET}
        async with self.session.post(url, json=update, headers=headers) as response:
            assert response.status == 200, await response.text()


@dataclass
class Slack(Customer):
    """A Slack member in a direct conversation with the bot; requests signed as Slack signs."""

    session: aiohttp.ClientSession
    server: Server
    fake: FakeSlack
    identity: ChannelIdentity = field(
        default_factory=lambda: ChannelIdentity(channel="slack", user_id=ANA)
    )

    async def say(self, text: str) -> None:
        await self._post(json.dumps(envelope(message(text))), "application/json")

    async def press(self, payload: str, title: str | None) -> None:
        """A click on a button of a message the bot never sent, with Slack's signature."""
        label = title or "?"
        button: dict[str, Any] = {"type": "button", "action_id": "forged", "value": payload}
        button["text"] = {"type": "plain_text", "text": label}
        never_sent: dict[str, Any] = {"ts": self.fake.posts(DM)[-1]["ts"], "channel": DM}
        never_sent["blocks"] = [{"type": "actions", "block_id": "b1", "elements": [button]}]
        await self._post(form(click(never_sent, label)), "application/x-www-form-urlencoded")

    async def press_offered(self, title: str) -> None:
        last = [p for p in self.fake.posts(DM) if title in json.dumps(p["blocks"])][-1]
        await self._post(form(click(last, title)), "application/x-www-form-urlencoded")

    async def shown(self) -> list[str]:
        return [text for post in self.fake.posts(DM) for text in texts(post)]

    async def _post(self, body: str, content_type: str) -> None:
        headers = {"Content-Type": content_type, **signed(body, secret=SLACK_SECRET)}
        url = f"{self.server.url}/slack/events"
        async with self.session.post(url, data=body, headers=headers) as response:
            assert response.status == 200, await response.text()


@dataclass
class Shop:
    """``omnibot run`` of the orders bot, its fakes, and a reader of its memory."""

    server: Server
    session: aiohttp.ClientSession
    memory: RedisMemory
    twilio: FakeTwilio
    telegram: FakeTelegram
    slack: FakeSlack

    async def record_of(self, customer: Customer) -> Any:
        customer_id = await self.memory.lookup(customer.identity)
        assert customer_id is not None
        record = await self.memory.load(customer_id)
        assert record is not None
        return customer_id, record


def bot_folder(root: Path, namespace: str) -> Path:
    folder = root / "shop"
    (folder / "flows").mkdir(parents=True)
    # The bot's number (+1 555...) is of no region, so the countries codes go to are named.
    config = (
        f"name: Shop\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n"
        "linking:\n  code_countries: [US]\n"
    )
    (folder / "bot.yaml").write_text(config)
    (folder / "flows" / "main.yaml").write_text(textwrap.dedent(FLOWS))
    return folder


@pytest.fixture
async def shop(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Shop]:
    twilio, telegram, slack = FakeTwilio(), FakeTelegram(), FakeSlack()
    slack.add_user(FakeUser(ANA, "ana", "Ana Souza", "ana@example.com"))
    for fake in (twilio, telegram, slack):
        await fake.start()
    env = clean_env(
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_PUBLIC_URL=PUBLIC_URL,
        OMNIBOT_DIRECTLINE_SECRET=DIRECTLINE_SECRET,
        **twilio.environment(),
        **telegram.environment(TELEGRAM_SECRET),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SLACK_SECRET,
        SLACK_API_BASE=slack.api_base,
    )
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        async with serving(bot_folder(tmp_path, namespace), env=env) as server:
            twilio.point_at(server.url, PUBLIC_URL)
            async with aiohttp.ClientSession() as session:
                yield Shop(server, session, memory, twilio, telegram, slack)
    finally:
        await memory.close()
        for fake in (twilio, telegram, slack):
            await fake.stop()
        await wipe(redis_url, namespace)


Opening = Callable[[Shop], Awaitable[Customer]]


async def on_web_chat(shop: Shop) -> Customer:
    return await WebChat.connect(shop.session, shop.server)


async def on_direct_line(shop: Shop) -> Customer:
    return await DirectLine.start(shop.session, shop.server)


async def on_telegram(shop: Shop) -> Customer:
    return Telegram(shop.session, shop.server, shop.telegram)


async def on_slack(shop: Shop) -> Customer:
    return Slack(shop.session, shop.server, shop.slack)


CHANNELS = {
    "web chat": (on_web_chat, None),
    "Direct Line": (on_direct_line, None),
    "Telegram": (on_telegram, "Show my orders"),
    "Slack": (on_slack, "Show my orders"),
}


@pytest.mark.parametrize("channel", list(CHANNELS))
async def test_a_forged_button_past_the_one_time_code_is_read_as_typed_text(
    shop: Shop, channel: str
) -> None:
    opening, title = CHANNELS[channel]
    customer = await opening(shop)
    phone = "+14155550143"
    said = await customer.answer(customer.say("show the orders on my phone number"), ASK_PHONE)
    assert said[-1] == ASK_PHONE
    said = await customer.answer(customer.say(phone), ASK_CODE)
    assert said[-1] == ASK_CODE
    assert len(await shop.twilio.wait_sent(phone, 1)) == 1  # the code went to the phone's owner
    customer_id, before = await shop.record_of(customer)

    said = await customer.answer(customer.press(FORGED, title), ASK_CODE)

    assert not any(VERIFIED in text for text in said), said
    assert said == [WRONG, ASK_CODE]  # what typing the button's text gets: a wrong code
    _, after = await shop.record_of(customer)
    assert after.verified == before.verified
    assert all(attribute.kind != "phone" for attribute in after.verified)
    state = DialogState.load(after.dialog)
    assert [(frame.flow, frame.step) for frame in state.stack] == [("orders", "typed")]
    assert state.awaiting == "code"
    notes = [e for e in await shop.memory.transcript(customer_id) if isinstance(e, NoteEntry)]
    assert [n.kind for n in notes if n.kind == "unoffered_press"] == ["unoffered_press"]


@pytest.mark.parametrize("channel", list(CHANNELS))
async def test_a_button_the_bot_offered_still_goes_where_it_leads(shop: Shop, channel: str) -> None:
    opening, _ = CHANNELS[channel]
    customer = await opening(shop)
    said = await customer.answer(customer.say("buy a shirt"), "Which size?")
    assert said[-1].startswith("Which size?")
    said = await customer.answer(customer.press_offered("Large"), "A large shirt")
    assert said == ["A large shirt, then."]


async def test_a_numbered_option_typed_by_sms_still_chooses_it(shop: Shop) -> None:
    phone = "+14155550199"
    await shop.twilio.text(phone, "buy a shirt")
    [asked] = await shop.twilio.wait_sent(phone, 1)
    assert asked.body == "Which size?\n1. Small\n2. Large"
    await shop.twilio.text(phone, "2")
    assert [sent.body for sent in await shop.twilio.wait_sent(phone, 2)][-1] == (
        "A large shirt, then."
    )
