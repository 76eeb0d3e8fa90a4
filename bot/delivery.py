"""The connectors the pipeline sends through, looked up by channel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.capabilities import Capabilities
from bot.connector import Connector, Outgoing, Receipt
from bot.errors import Unreachable
from bot.messages import Address


class Outlets:
    """Sends to whichever channel an address is on."""

    def __init__(self, connectors: Iterable[Connector]) -> None:
        self._connectors = {connector.channel: connector for connector in connectors}

    @property
    def channels(self) -> list[str]:
        """The channels that are on."""
        return sorted(self._connectors)

    def capabilities(self, channel: str) -> Capabilities | None:
        """What ``channel`` can show, or ``None`` if it is off."""
        connector = self._connectors.get(channel)
        return connector.capabilities if connector else None

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        """Send through the address's channel; a channel that is off is unreachable."""
        connector = self._connectors.get(address.channel)
        if connector is None:
            raise Unreachable(f"channel {address.channel!r} is off")
        return await connector.send(address, messages)
