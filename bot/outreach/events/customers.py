"""The customer a business event is about: found by a verified attribute, or made.

A customer who wrote from a phone the SMS channel vouched for, or signed in on the web chat with
your site's user id, owns that attribute (:meth:`~bot.turn.store.Memory.owner`), and an event
naming it is theirs. An event naming an attribute nobody owns makes a customer only when
``bot.yaml`` allows it for that kind (``outreach.create_customers``): the store's signature is
then taken as the store vouching for the attribute. The new record is written before the
attribute is claimed, so a message from the same phone that arrives meanwhile finds a customer
to join; of two events racing to make the same customer, the one whose claim loses erases what
it wrote and goes to the winner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.format.messages import VerifiedAttribute
from bot.identity.texted_codes import sms_address
from bot.turn.customer import CustomerRecord, new_customer_id
from bot.turn.store import Memory


class Customers:
    """Finds, or makes when ``creatable`` names the attribute's kind, an event's customer."""

    def __init__(
        self,
        memory: Memory,
        creatable: frozenset[str],
        clock: Callable[[], datetime],
        tokens: Callable[[], str],
    ) -> None:
        self._memory = memory
        self._creatable = creatable
        self._clock = clock
        self._tokens = tokens

    async def find(self, attribute: VerifiedAttribute) -> str | None:
        """The id of the customer who owns ``attribute``, made if allowed; ``None`` when
        nobody does and none may be made (nothing is written then)."""
        owner = await self._memory.owner(attribute)
        if owner is not None or attribute.kind not in self._creatable:
            return owner
        return await self._make(attribute)

    async def _make(self, attribute: VerifiedAttribute) -> str:
        fresh = new_customer_id()
        lease = await self._memory.try_lease(fresh, self._tokens())
        assert lease is not None  # nobody else knows a fresh id yet
        try:
            await self._memory.rewrite(lease, introduced(fresh, attribute, self._clock()), [], {})
        finally:
            await self._memory.drop_lease(lease)
        owner = await self._memory.claim(attribute, fresh)
        if owner != fresh:
            await self._memory.erase(fresh)
        return owner


def introduced(customer_id: str, attribute: VerifiedAttribute, now: datetime) -> CustomerRecord:
    """The record of a customer the store introduced by ``attribute``: it is verified, and a
    phone can be texted (the SMS channel is where their messages go until they write)."""
    record = CustomerRecord.new(customer_id, now).with_verified((attribute,))
    if attribute.kind != "phone":
        return record
    address = sms_address(attribute.value)
    return record.model_copy(update={"addresses": {"sms": address}, "last_channel": "sms"})
