"""E-mail buttons served in process: the press routes on a small aiohttp app, in front of a real
turn pipeline (the ``counting`` handler) on the memory under test, with an ``email`` loopback
channel standing for the connector's sending side."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.format.capabilities import RICH
from connectors.email.links.buttons import ButtonLinks, Option
from connectors.loopback import LoopbackConnector
from tests.helpers import Clock, Worker, seen

PUBLIC_URL = "https://bot.example.test"
SECRET = "email-inbound-token-for-the-button-tests"
ANA = "ana@example.com"
BOB = "bob@example.com"


@dataclass
class ButtonBot:
    """The served routes, the links they check, the pipeline behind them and its clock."""

    client: TestClient[web.Request, web.Application]
    links: ButtonLinks
    worker: Worker
    clock: Clock

    @property
    def email(self) -> LoopbackConnector:
        return self.worker.channels["email"]

    async def customer(self, user: str) -> str:
        """A customer who wrote "choose" by e-mail and was offered Courier and Store."""
        submission = await self.email.say(user, "choose")
        await self.email.wait_for(user, 1)
        return submission.customer_id

    def link(self, customer_id: str, user: str = ANA, payload: str = "courier", **kw: str) -> str:
        """The path of a link for one option of the offer."""
        title = kw.pop("title", payload.title())
        option = Option(customer_id, user, "msg-1@bot.example.test", payload, title, **kw)
        return self.links.issue(option).removeprefix(PUBLIC_URL)

    async def state(self, customer_id: str) -> tuple[list[str], int]:
        """What the customer's turns saw, and how long the transcript is."""
        await self.worker.pipeline.join()
        record = await self.worker.memory.load(customer_id)
        assert record is not None
        return seen(record), len(await self.worker.memory.transcript(customer_id))


def email_channel() -> LoopbackConnector:
    return LoopbackConnector("email", RICH)


def tampered(path: str, **changes: object) -> str:
    """``path`` with fields of its signed press changed and its signature kept."""
    prefix, _, token = path.rpartition("/")
    body, _, signature = token.partition(".")
    press = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw = json.dumps({**press, **changes}).encode()
    return f"{prefix}/{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}.{signature}"
