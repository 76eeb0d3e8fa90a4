"""Both ways into WhatsApp at once: the Cloud API and Twilio, one ``whatsapp`` channel.

Each keeps its own routes. A reply goes through the provider the customer last wrote through,
which the address says: Twilio puts our ``whatsapp:+...`` sender in its ``bot_id``, the Cloud
API its phone number id. An address that says neither (a customer met on another channel, an
agent's or an outreach message to a number never seen on WhatsApp) goes through the Cloud API,
the provider the channel was first built on. The capability row is what both can show: the
WhatsApp row with as many choices as the Twilio side's templates reach.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.format.messages import Address
from connectors.whatsapp.cloud.connector import WhatsappConnector
from connectors.whatsapp.rules import CHANNEL
from connectors.whatsapp.twilio.connector import TwilioWhatsappConnector


class WhatsappProviders(Connector):
    """The Cloud API's connector and Twilio's, as one channel."""

    channel = CHANNEL

    def __init__(self, cloud: WhatsappConnector, twilio: TwilioWhatsappConnector) -> None:
        self.cloud = cloud
        self.twilio = twilio
        self.capabilities = twilio.capabilities

    def routes(self) -> Sequence[web.RouteDef]:
        return [*self.cloud.routes(), *self.twilio.routes()]

    async def start(self, core: Core) -> None:
        await self.cloud.start(core)
        await self.twilio.start(core)

    async def stop(self) -> None:
        try:
            await self.twilio.stop()
        finally:
            await self.cloud.stop()

    def invite(self, code: str, token: str) -> str | None:
        return self.cloud.invite(code, token)

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        chosen: Connector = self.twilio if self.twilio.sends_to(address) else self.cloud
        return await chosen.send(address, messages)
