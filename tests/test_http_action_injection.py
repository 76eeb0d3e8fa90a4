"""What a customer types cannot reach the bot's secrets or another path through an HTTP action:
through ``omnibot run`` on Redis, a customer on the web chat socket, and a local API that
records every request and echoes what it was sent.

The action is written as ``docs/dialogs.md`` teaches: a header carrying the customer's
reference (``X-Customer-Ref: "{{ args.ref }}"``), a secret from the environment
(``Authorization: "Bearer ${CARRIER_TOKEN}"``), the reference in the URL's path and the body.
"""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.format.messages import ChannelIdentity
from bot.format.transcript import NoteEntry
from bot.turn.store import MemoryPolicy
from memory.redis.store import RedisMemory
from tests.fakes.twilio import ACCOUNT_SID, BOT_NUMBER, FakeTwilio
from tests.helpers import anonymous_user
from tests.server_process import Server, clean_env, serving, wipe

CARRIER_TOKEN = "carrier-token-for-the-injection-test-0123"
TWILIO_AUTH_TOKEN = "twilio-auth-token-for-the-injection-test"
AGENT_TOKENS = "Ana:agent-token-for-the-injection-test-0123"
ASK_REF = "What's your customer reference?"
FAILED = "The lookup failed."
FLOWS = """
slots:
  ref: {{type: text, prompt: "What's your customer reference?"}}
actions:
  lookup:
    http:
      method: POST
      url: "http://127.0.0.1:{port}/api/orders/{{{{ args.ref }}}}?lang=en"
      headers:
        X-Customer-Ref: "{{{{ args.ref }}}}"
        Authorization: "Bearer ${{CARRIER_TOKEN}}"
      body: {{ref: "{{{{ args.ref }}}}"}}
flows:
  lookup:
    triggers: {{en: [look up my order]}}
    steps:
      - ask: ref
      - call: lookup
        args: {{ref: "{{{{ slots.ref }}}}"}}
        into: found
        on_error: {{say: "The lookup failed."}}
      - say: "The API saw {{{{ slots.found.customer_ref }}}} at {{{{ slots.found.path }}}}."
"""


@dataclass
class Seen:
    """One request the API received, as it arrived."""

    method: str
    raw_path: str
    headers: dict[str, str]
    body: str


@dataclass
class EchoApi:
    """An API that answers every path, records each request, and echoes what it was sent."""

    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.answer)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def answer(self, request: web.Request) -> web.Response:
        body = await request.text()
        self.seen.append(Seen(request.method, request.raw_path, dict(request.headers), body))
        return web.json_response(
            {
                "path": request.raw_path.partition("?")[0],
                "customer_ref": request.headers.get("X-Customer-Ref"),
                "authorization": request.headers.get("Authorization"),
            }
        )

    def received(self) -> str:
        """Everything the API was sent, as one text."""
        return "\n".join(
            f"{s.method} {s.raw_path}\n{json.dumps(s.headers)}\n{s.body}" for s in self.seen
        )


@dataclass
class Bot:
    """``omnibot run`` with the lookup flow, the API it calls, and a reader of its memory."""

    server: Server
    api: EchoApi
    memory: RedisMemory
    secrets: tuple[str, ...]

    async def lookup(self, ref: str) -> tuple[list[str], str]:
        """A new customer asks for a lookup and gives ``ref``: what the bot answered that, and
        the customer's id."""
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{self.server.url}/chat/ws")
            await ws.send_json({"type": "hello", "protocol": 1})
            welcome = json.loads((await ws.receive(timeout=10)).data)
            await _exchange(ws, "m1", "look up my order", ASK_REF)
            said = await _exchange(ws, "m2", ref, None)
            await ws.close()
        user = anonymous_user(welcome["session"])
        customer = await self.memory.lookup(ChannelIdentity(channel="webchat", user_id=user))
        assert customer is not None
        return said, customer

    async def notes(self, customer: str) -> list[NoteEntry]:
        entries = await self.memory.transcript(customer)
        return [entry for entry in entries if isinstance(entry, NoteEntry)]


async def _exchange(
    ws: aiohttp.ClientWebSocketResponse, frame_id: str, text: str, until: str | None
) -> list[str]:
    """Send ``text``; the bot's texts of the turn (up to ``until``, or the turn's last)."""
    await ws.send_json({"type": "message", "id": frame_id, "text": text})
    said: list[str] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        frame = json.loads((await ws.receive(timeout=15)).data)
        entries = frame.get("entries", [])
        said += [e["message"]["text"] for e in entries if e["from"] == "bot"]
        if said and (until is None or said[-1] == until):
            return said
    raise AssertionError(f"the bot did not answer {text!r} in time: {said}")


@pytest.fixture
async def bot(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Bot]:
    api, twilio = EchoApi(), FakeTwilio()
    await api.start()
    await twilio.start()
    folder = tmp_path / "lookup"
    (folder / "flows").mkdir(parents=True)
    config = f"name: Lookup\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n"
    (folder / "bot.yaml").write_text(config)
    flows = textwrap.dedent(FLOWS.format(port=api.port))
    (folder / "flows" / "main.yaml").write_text(flows)
    env = clean_env(
        CARRIER_TOKEN=CARRIER_TOKEN,
        OMNIBOT_REDIS_URL=redis_url,
        OMNIBOT_AGENT_TOKENS=AGENT_TOKENS,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN,
        TWILIO_FROM_NUMBER=BOT_NUMBER,
        TWILIO_API_BASE=twilio.url,
    )
    memory = RedisMemory.from_url(redis_url, MemoryPolicy(), namespace)
    try:
        async with serving(folder, env=env) as server:
            yield Bot(server, api, memory, (TWILIO_AUTH_TOKEN, AGENT_TOKENS, redis_url))
    finally:
        await memory.close()
        await api.stop()
        await twilio.stop()
        await wipe(redis_url, namespace)


def secret_parts(value: str) -> list[str]:
    """A secret and its pieces long enough to recognise (an agent token without its name)."""
    return [value, *(part for part in value.replace(",", ":").split(":") if len(part) >= 16)]


async def test_environment_references_typed_by_a_customer_reach_the_api_as_typed(
    bot: Bot,
) -> None:
    typed = "${TWILIO_AUTH_TOKEN} ${OMNIBOT_AGENT_TOKENS} ${OMNIBOT_REDIS_URL}"
    said, _ = await bot.lookup(typed)

    [request] = bot.api.seen
    assert request.headers["X-Customer-Ref"] == typed
    assert request.headers["Authorization"] == f"Bearer {CARRIER_TOKEN}"  # the designer's own
    assert json.loads(request.body) == {"ref": typed}
    for secret in bot.secrets:
        for part in secret_parts(secret):
            assert part not in bot.api.received()
            assert all(part not in text for text in said)
    assert said[-1].startswith(f"The API saw {typed} at /api/orders/")


async def test_a_path_typed_by_a_customer_stays_one_segment_of_the_designers_path(
    bot: Bot,
) -> None:
    said, _ = await bot.lookup("../../echo?")

    [request] = bot.api.seen
    assert request.raw_path == "/api/orders/..%2F..%2Fecho%3F?lang=en"
    assert said[-1] == "The API saw ../../echo? at /api/orders/..%2F..%2Fecho%3F."


@pytest.mark.parametrize("ref", ["..", "."])
async def test_a_dot_segment_typed_by_a_customer_sends_nothing(bot: Bot, ref: str) -> None:
    said, customer = await bot.lookup(ref)

    assert bot.api.seen == []
    assert said == [FAILED]
    [note] = [n for n in await bot.notes(customer) if n.kind == "action_failed"]
    assert note.text == (
        "HTTP action 'lookup' sent nothing: the URL path: a value in the path is empty, '.' or '..'"
    )


async def test_a_line_break_typed_into_a_header_sends_nothing(bot: Bot) -> None:
    said, customer = await bot.lookup("A-1\r\nX-Injected: yes")

    assert bot.api.seen == []
    assert said == [FAILED]
    [note] = [n for n in await bot.notes(customer) if n.kind == "action_failed"]
    assert note.text == (
        "HTTP action 'lookup' sent nothing: the header X-Customer-Ref would hold a line break"
        " or another control character"
    )


async def test_an_honest_lookup_sends_what_the_designer_wrote(bot: Bot) -> None:
    said, _ = await bot.lookup("C-30005")

    [request] = bot.api.seen
    assert (request.method, request.raw_path) == ("POST", "/api/orders/C-30005?lang=en")
    assert request.headers["X-Customer-Ref"] == "C-30005"
    assert request.headers["Authorization"] == f"Bearer {CARRIER_TOKEN}"
    assert json.loads(request.body) == {"ref": "C-30005"}
    assert said == ["The API saw C-30005 at /api/orders/C-30005."]
