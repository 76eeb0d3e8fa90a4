"""Inviting an address the customer typed to continue there, without making the bot a relay.

A customer who asks to continue by e-mail, having typed an e-mail address into a slot, may have
the bot mail that address an invitation whose reply presents their link code's token (the
channel says where it goes: :meth:`bot.connector.Connector.invitation`). The address is only a
claim: whoever owns it gets a message they did not ask for. So an invitation goes:

- at most once per customer per link code lifetime, and once per address per day, counted in
  the shared memory whichever worker asks (the address is counted by its digest);
- never to an address whose own conversation on that channel said stop (an unsubscribe).

It joins nothing by itself: a reply presents the token like any link, and the consent question
is asked of whoever replies (:mod:`bot.identity.consent`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.format.messages import Address, ChannelIdentity
from bot.turn.delivery import Outlets
from bot.turn.store import Memory

PER_ADDRESS = timedelta(days=1)
"""How long an address invited once is not invited again, by anyone."""


class Invited(StrEnum):
    """What became of an invitation asked for."""

    SENT = "sent"
    NO_WAY = "no way"
    """The channel is off, has no invitations, or the contact is not one of its addresses."""
    OPTED_OUT = "opted out"
    LIMITED = "limited"


@dataclass(frozen=True, slots=True)
class Invitation:
    """Where the invitation goes (when ``outcome`` is ``SENT``)."""

    outcome: Invited
    address: Address | None = None


class Invitations:
    """Decides whether an invitation may go; ``lifetime`` is a link code's."""

    def __init__(self, memory: Memory, outlets: Outlets, lifetime: timedelta) -> None:
        self._memory = memory
        self._outlets = outlets
        self._lifetime = lifetime

    async def invite(self, customer_id: str, channel: str, contact: str, token: str) -> Invitation:
        """Where an invitation from ``customer_id`` to ``contact`` on ``channel``, presenting
        ``token``, goes, if it may go at all."""
        address = self._outlets.invitation(channel, contact, token)
        if address is None:
            return Invitation(Invited.NO_WAY)
        if await self._opted_out(address):
            return Invitation(Invited.OPTED_OUT)
        if await self._memory.hit(f"invite:{customer_id}", self._lifetime) > 1:
            return Invitation(Invited.LIMITED)
        named = hashlib.sha256(address.identity.key.encode()).hexdigest()
        if await self._memory.hit(f"invite-to:{named}", PER_ADDRESS) > 1:
            return Invitation(Invited.LIMITED)
        return Invitation(Invited.SENT, address)

    async def _opted_out(self, address: Address) -> bool:
        identity = ChannelIdentity(channel=address.channel, user_id=address.user_id)
        owner = await self._memory.lookup(identity)
        record = await self._memory.load(owner) if owner is not None else None
        return record is not None and address.channel in record.opted_out
