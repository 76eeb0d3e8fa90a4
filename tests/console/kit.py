"""A bot with a handoff, served with the agent console, its customers on loopback channels."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app.compose import create_runtime, flow_titles, step_labels
from bot.app.config import Settings, load_bot_config
from bot.app.runtime import Runtime
from bot.connector import Connector
from bot.desk.store import Desk as DeskStore
from bot.format.outbound import Text
from bot.turn.store import Memory
from connectors.channels import CHANNELS
from connectors.loopback import LoopbackConnector
from dialogs.design.agent_words import FlowWords
from dialogs.design.loader import load_flowset
from dialogs.design.summary import summarise
from dialogs.engine import DialogEngine
from tests.in_process import served

TOKENS = {
    "ana": "ana-token-0123456789abcdef0123456789",
    "bruno": "bruno-token-0123456789abcdef0123456789",
}
FLOWS = """
slots:
  order_id:
    type: text
    prompt: "What's your order number?"
flows:
  welcome:
    triggers: {start: true}
    steps:
      - say: "Hi! Ask me about an order, or for a person."
  order:
    triggers: {en: [where is my order]}
    steps:
      - ask: order_id
      - handoff: a question about an order
        say: "Let me get someone to look at order {{ slots.order_id }}."
  survey:
    triggers: {en: [take the survey]}
    steps:
      - say: "How did we do?"
"""
TITLED = (
    FLOWS
    + """
  exchange:
    title: {en: Exchange or return}
    triggers: {en: [exchange]}
    steps:
      - say: "What would you like to exchange?"
  cart_reminder:
    title: {en: Cart reminder}
    triggers: {event: cart.abandoned}
    steps:
      - say: "You left something in your cart: {{ event.data.cart_url }}"
"""
)
"""The console kit's flows, with a titled one and one the business starts on an event (which
an agent is never offered)."""


@dataclass
class Agent:
    """An agent's browser session with the console's API."""

    http: aiohttp.ClientSession
    base: str
    csrf: str = ""
    name: str = ""

    async def sign_in(self, **body: str) -> aiohttp.ClientResponse:
        response = await self.http.post(f"{self.base}/agent/api/session", json=body)
        if response.status == 200:
            data = await response.json()
            self.csrf, self.name = data["csrf"], data["agent"]
        return response

    async def get(self, path: str) -> Any:
        async with self.http.get(f"{self.base}{path}") as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def act(
        self, customer: str, action: str, csrf: str | None = None, **body: Any
    ) -> aiohttp.ClientResponse:
        headers = {"X-CSRF-Token": self.csrf if csrf is None else csrf}
        return await self.http.post(
            f"{self.base}/agent/api/conversations/{customer}/{action}", json=body, headers=headers
        )


@dataclass
class Desk:
    """The running bot, its channels and the agents' sessions."""

    runtime: Runtime
    server: TestServer
    channels: dict[str, LoopbackConnector]
    agents: list[Agent] = field(default_factory=list)

    @property
    def base(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def agent(self) -> Agent:
        jar = aiohttp.CookieJar(unsafe=True)
        made = Agent(aiohttp.ClientSession(cookie_jar=jar), self.base)
        self.agents.append(made)
        return made

    async def signed_in(self, name: str) -> Agent:
        agent = self.agent()
        assert (await agent.sign_in(token=TOKENS[name])).status == 200
        return agent

    async def say(self, channel: str, user: str, text: str) -> list[str]:
        connector = self.channels[channel]
        before = len(connector.sent[user])
        await connector.say(user, text)
        await self.runtime.pipeline.join()
        return [m.text for m in connector.sent[user][before:] if isinstance(m, Text)]

    async def settle(self) -> None:
        await self.runtime.pipeline.join()

    async def customer(self, channel: str, user: str) -> str:
        found = await self.runtime.memory.lookup(self.channels[channel].address(user).identity)
        assert found is not None
        return found

    async def online(self, name: str = "ana") -> None:
        await self.runtime.desk.desk.present(name, timedelta(minutes=5))


@asynccontextmanager
async def serving(
    root: Path,
    memory: Memory | None = None,
    bot_yaml: str = "",
    environment: dict[str, str] | None = None,
    names: tuple[str, ...] = ("sms", "webchat"),
    clock: Callable[[], datetime] | None = None,
    connectors: Sequence[Connector] = (),
    desk_store: DeskStore | None = None,
    flows: str = FLOWS,
) -> AsyncIterator[Desk]:
    """The bot served with the console; its customers on loopback channels of ``names``, and
    on ``connectors`` (real channels a test serves too); the desk on ``desk_store`` (in process
    by default); ``flows`` replaces the kit's."""
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text(f"name: Shop\nlanguages: [en]\n{textwrap.dedent(bot_yaml)}")
    (root / "flows" / "main.yaml").write_text(textwrap.dedent(flows))
    config = load_bot_config(root)
    engine = DialogEngine(load_flowset(root, config))
    channels = {name: LoopbackConnector(name, CHANNELS[name]) for name in names}
    tokens = ",".join(f"{name}:{token}" for name, token in TOKENS.items())
    runtime = create_runtime(
        root,
        config,
        Settings.from_env({"OMNIBOT_AGENT_TOKENS": tokens, **(environment or {})}),
        handler=engine,
        connectors=[*channels.values(), *connectors],
        memory=memory,
        desk=desk_store,
        flow_names=lambda: sorted(engine.flowset.flows),
        summarise=lambda summary, languages: summarise(engine.flowset, summary, languages),
        flow_titles=lambda: flow_titles(engine, config.language),
        step_labels=lambda: step_labels(engine, config.language),
        words=FlowWords(lambda: engine.flowset),
        clock=clock,
    )
    async with served(runtime) as server:
        desk = Desk(runtime, server, channels)
        try:
            yield desk
        finally:
            for agent in desk.agents:
                await agent.http.close()
