"""A bot served in process with WhatsApp through Twilio on, behind the fake Twilio (and the
Cloud API or SMS beside it, when a test asks). Twilio knows the bot by a public URL that is not
where it listens, as behind a proxy, so every webhook also proves the signature check there.
The fixtures that serve it are in the suite's conftest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from connectors.whatsapp.twilio.settings import TwilioContent, TwilioWhatsappSettings
from tests.fakes.twilio import WHATSAPP_SENDER, Content, FakeTwilio, Sent
from tests.fakes.whatsapp import FakeGraph
from tests.fakes.whatsapp_notifications import encode, sign
from tests.whatsapp.kit import Fetched, ServedWhatsapp

PUBLIC_URL = "https://bot.example.test"
CUSTOMER = "+5511987654321"
TO = "whatsapp:" + CUSTOMER
QUICK_REPLY = {n: f"HX{n:032x}" for n in (1, 2, 3)}
LIST_PICKER = {n: f"HX{0x100 + n:032x}" for n in range(1, 11)}
CONTENT = TwilioContent(QUICK_REPLY, LIST_PICKER)
"""Templates for every number of choices: quick replies up to 3, lists up to 10."""


def settings(twilio: FakeTwilio, content: TwilioContent | None = None) -> TwilioWhatsappSettings:
    """WhatsApp through the fake Twilio, known by :data:`PUBLIC_URL`."""
    return TwilioWhatsappSettings(
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token,
        sender=WHATSAPP_SENDER,
        api_base=twilio.url,
        public_url=PUBLIC_URL,
        content=content or TwilioContent(),
        links_base=PUBLIC_URL,
    )


def register(twilio: FakeTwilio, content: TwilioContent) -> None:
    """Create ``content``'s templates in the fake account, as a designer does in the console."""
    for count, sid in content.quick_reply.items():
        twilio.contents[sid] = Content("twilio/quick-reply", count)
    for count, sid in content.list_picker.items():
        twilio.contents[sid] = Content("twilio/list-picker", count)


def shown(sent: Sent) -> str:
    """The words of a message sent: its body, or its template's body."""
    if sent.content_variables is not None:
        return sent.content_variables["1"]
    return sent.body or ""


def offered(sent: Sent) -> list[tuple[str, str]]:
    """The (id, title) of a template's choices."""
    values = sent.content_variables or {}
    count = (len(values) - 1) // 2
    return [(values[str(2 * k + 1)], values[str(2 * k)]) for k in range(1, count + 1)]


@dataclass
class TwilioWhatsappBot(ServedWhatsapp):
    """A running bot, where it listens, the fake Twilio it talks to and the fake Graph API
    (used when the Cloud API is on beside Twilio)."""

    twilio: FakeTwilio
    graph: FakeGraph

    async def notify(self, notification: dict[str, object]) -> int:
        """Meta posts a signed Cloud API notification (its senders' windows open on the fake
        Graph API); returns the webhook's status."""
        self.graph.heard(notification)
        body = encode(notification)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + "/whatsapp/webhook", data=body, headers=headers) as answer,
        ):
            return answer.status

    async def write(self, body: str, sender: str = CUSTOMER, **extra: str) -> int:
        """The customer writes on WhatsApp; returns the webhook's status."""
        return (await self.twilio.whatsapp(sender, body, **extra)).status

    async def follow(self, link: str) -> Fetched:
        """Follow a media link the bot made (public, as Twilio knows the bot), as a customer or
        an agent would."""
        assert link.startswith(PUBLIC_URL), link
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.url + link.removeprefix(PUBLIC_URL)) as response,
        ):
            return Fetched(response.status, dict(response.headers), await response.read())

    async def replies(self, count: int, to: str = TO) -> list[Sent]:
        """The first ``count`` messages sent to ``to`` (waits for them)."""
        return (await self.twilio.wait_sent(to, count))[:count]


TwilioBotFactory = Callable[..., Awaitable[TwilioWhatsappBot]]
