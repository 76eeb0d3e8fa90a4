"""Linking a customer's channels on verified evidence, around each turn.

Before a turn, the input is examined for proof that its customer is someone the bot already
knows:

- a **link code** or link token it presents (see :mod:`bot.link_codes`): the customer who asked
  for it is the one; the input becomes a ``linked`` event for the dialog to welcome them back;
- a **verified attribute** the channel vouches for (the SMS sender's phone, a Telegram contact
  shared by its owner, a Slack workspace e-mail, the web chat's signed identity) that another
  customer already owns, of a kind the bot links automatically (``linking.automatic``).

After a turn, an attribute the dialog proved (a phone confirmed by a one-time code) that another
customer owns links the two the same way. Either way the customer whose turn it is is folded into
the other (see :mod:`bot.joining`) and the turns go on as that customer. Nothing else links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import JsonValue

from bot.customer import CustomerRecord
from bot.delivery import Outlets
from bot.joining import Joined, Joiner
from bot.link_codes import LinkCode, LinkCodes, LinkPolicy, Presented, Redemption
from bot.messages import InboundEvent, SystemEvent, VerifiedAttribute
from bot.phone_check import CheckResult, PhoneCheck, Sent
from bot.transcript import NoteEntry
from bot.turn import Turn, TurnOutcome
from memory.store import Lease, Memory

LINKED = "linked"
"""The event a redeemed link code becomes: the dialog welcomes the customer back."""
UNLINK = "omnibot.unlink"
"""The system event that drops an identity from a customer's record (the pipeline handles it)."""
LINK_FAILED = "link_failed"
"""The event a refused link code becomes (``reason``: ``invalid``, ``limited``, ``busy``)."""


@dataclass(frozen=True, slots=True)
class Examined:
    """What :meth:`Linker.before` found: a join to continue as, or the turn to run (its input
    maybe replaced by a ``linked`` or ``link_failed`` event)."""

    turn: Turn
    joined: Joined | None = None


class TurnLinking:
    """What a dialog may do about linking during one customer's turn (built-in actions)."""

    def __init__(self, linker: Linker, customer_id: str, channel: str | None, now: datetime):
        self._linker = linker
        self._customer_id = customer_id
        self._channel = channel
        self._now = now
        self.proven: list[VerifiedAttribute] = []
        """Attributes proven this turn; the pipeline, not the dialog, adds them to the record."""

    async def link_code(self) -> tuple[LinkCode, dict[str, str]]:
        """A new link code for this customer, and how to use it on each channel that is on
        (a Telegram deep link, a web chat URL, the number to text it to)."""
        code = await self._linker.codes.issue(self._customer_id, self._channel, self._now)
        return code, self._linker.outlets.invites(code.code, code.token)

    async def send_code(self, phone: str, text: Callable[[str, int], str]) -> Sent:
        """Text a one-time code to ``phone``, worded by ``text``."""
        return await self._linker.phones.send(self._customer_id, phone, text, self._now)

    async def check_code(self, phone: str, code: str) -> CheckResult:
        """Check a typed one-time code; a right one proves ``phone`` for this customer."""
        result = await self._linker.phones.check(self._customer_id, phone, code, self._now)
        if result.attribute is not None:
            self.proven.append(result.attribute)
        return result


class Linker:
    """Finds proof around turns and joins customers on it; see the module docstring."""

    def __init__(
        self,
        memory: Memory,
        outlets: Outlets,
        tokens: Callable[[], str],
        policy: LinkPolicy | None = None,
    ) -> None:
        self.policy = policy or LinkPolicy()
        self.outlets = outlets
        self.codes = LinkCodes(memory, self.policy.rules)
        self.phones = PhoneCheck(memory, outlets, self.policy.rules)
        self._memory = memory
        self._joiner = Joiner(memory, tokens)

    async def before(self, lease: Lease, stored: CustomerRecord, turn: Turn) -> Examined:
        """Look for proof in the input of ``turn`` (``stored`` is the record as it was before
        the input touched it)."""
        item = turn.input
        if not isinstance(item, InboundEvent):
            return Examined(turn)
        presented = self.codes.presented(item, first_contact=stored.version == 0)
        if presented is not None:
            return await self._redeem(lease, stored, turn, item, presented)
        for attribute in item.verified:
            if attribute.kind not in self.policy.automatic or _known(stored, attribute):
                continue
            owner = await self._memory.claim(attribute, lease.customer_id)
            if owner != lease.customer_id:
                joined = await self._joiner.join(
                    lease, stored, owner, reason=f"verified {attribute.kind}", now=turn.now
                )
                if joined is not None:
                    return Examined(turn, joined)
        return Examined(turn)

    def handle(self, turn: Turn) -> TurnLinking:
        """What the dialog may do about linking during ``turn``."""
        channel = turn.address.channel if turn.address else None
        return TurnLinking(self, turn.customer.id, channel, turn.now)

    async def after(
        self,
        lease: Lease,
        committed: CustomerRecord,
        proven: Sequence[VerifiedAttribute],
        now: datetime,
    ) -> Joined | None:
        """Claim what the dialog proved this turn; join the customer who owns it already."""
        for attribute in proven:
            owner = await self._memory.claim(attribute, lease.customer_id)
            if owner != lease.customer_id:
                reason = f"{attribute.kind} proven by a one-time code"
                return await self._joiner.join(
                    lease,
                    committed,
                    owner,
                    reason=reason,
                    now=now,
                    follow_up=SystemEvent(name="resume", received_at=now),
                )
        return None

    async def _redeem(
        self,
        lease: Lease,
        stored: CustomerRecord,
        turn: Turn,
        item: InboundEvent,
        presented: Presented,
    ) -> Examined:
        redeemed = await self.codes.redeem(presented, item.sender)
        if redeemed.outcome is not Redemption.LINKED or redeemed.owner is None:
            return Examined(_replaced(turn, LINK_FAILED, reason=redeemed.outcome.value))
        linked = _replaced(turn, LINKED, channel=item.channel, asked_on=redeemed.asked_on)
        if redeemed.owner == lease.customer_id:
            return Examined(linked)
        source = turn.customer.model_copy(update={"updated_at": stored.updated_at})
        joined = await self._joiner.join(
            lease,
            source,
            redeemed.owner,
            reason="link code",
            now=turn.now,
            replace_head=linked.input,
        )
        if joined is None:
            await self.codes.restore(redeemed.owner, redeemed.asked_on, presented)
            return Examined(_replaced(turn, LINK_FAILED, reason="busy"))
        return Examined(linked, joined)


async def unlinked(memory: Memory, turn: Turn, event: SystemEvent) -> TurnOutcome:
    """The record after one of its identities was moved away (``omnibot customer unlink``):
    its address and the attributes that channel vouched for go too, so that the channel does
    not link itself back on its next message."""
    key = str(event.data.get("identity", ""))
    record = turn.customer
    channel = key.partition(":")[0]
    vouched = [
        a for a in record.verified if a.issuer == channel or a.issuer.startswith(f"{channel}:")
    ]
    dropped = [a for a in record.verified if any(a.same(v) for v in vouched)]
    for attribute in dropped:
        await memory.disown(attribute, record.id)
    addresses = {
        name: address for name, address in record.addresses.items() if address.identity.key != key
    }
    customer = record.model_copy(
        update={
            "identities": tuple(i for i in record.identities if i.key != key),
            "addresses": addresses,
            "verified": tuple(a for a in record.verified if a not in dropped),
            "last_channel": record.last_channel if record.last_channel in addresses else None,
        }
    )
    text = f"{key} was unlinked from this customer"
    note = NoteEntry(at=turn.now, kind="unlink", text=text, data={"identity": key})
    return TurnOutcome(customer=customer, notes=(note,))


def _known(record: CustomerRecord, attribute: VerifiedAttribute) -> bool:
    return any(a.same(attribute) for a in record.verified)


def _replaced(turn: Turn, name: str, **data: JsonValue) -> Turn:
    """``turn`` with its input replaced by a system event the dialog understands; replies go
    where the customer wrote from."""
    event = SystemEvent(name=name, data=data, received_at=turn.input.received_at)
    return Turn(
        input=event,
        customer=turn.customer,
        address=turn.address,
        capabilities=turn.capabilities,
        now=turn.now,
        switched_from=turn.switched_from,
        linking=turn.linking,
    )
