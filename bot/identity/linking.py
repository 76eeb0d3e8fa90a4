"""Linking a customer's channels on verified evidence, around each turn.

Before a turn, the input is examined for proof that its customer is someone the bot already
knows:

- a **link code** or link token it presents (see :mod:`bot.identity.link_codes`) names the customer
  who asked for it, but joins nothing yet: the code is spent and the input becomes a
  ``link_consent`` event, for the dialog to ask the person who presented it whether to join
  (see :mod:`bot.identity.consent`). Their yes, in a later turn, joins the two and becomes a
  ``linked`` event for the dialog to welcome them back; anything else becomes ``link_declined``,
  and the customer who asked for the code is told either way;
- a **verified attribute** the channel vouches for (the SMS sender's phone, a Telegram contact
  shared by its owner, a Slack workspace e-mail, the web chat's signed identity) that another
  customer already owns, of a kind the bot links automatically (``linking.automatic``): the
  same person on both sides, so this joins at once.

After a turn, an attribute the dialog proved (a phone confirmed by a one-time code) that another
customer owns links the two the same way. Either way the customer whose turn it is is folded into
the other (see :mod:`bot.identity.joining`) and the turns go on as that customer. Nothing else
links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pydantic import JsonValue

from bot.app.metrics import Metrics
from bot.format.channel_names import channel_name
from bot.format.messages import ChannelIdentity, InboundEvent, SystemEvent, VerifiedAttribute
from bot.format.transcript import NoteEntry
from bot.http.sources import source_of
from bot.identity.code_budget import CodeAsk
from bot.identity.consent import Answer, PendingJoin, answer, told
from bot.identity.invitations import Invitation, Invitations, Invited
from bot.identity.joining import Joined, Joiner
from bot.identity.link_codes import (
    Asker,
    LinkCode,
    LinkCodes,
    LinkPolicy,
    Presented,
    Redeemed,
    Redemption,
)
from bot.identity.phone_check import PhoneCheck
from bot.identity.phone_codes import CheckResult, CodeProvider, CodeText, Sent
from bot.identity.texted_codes import TextedCodes
from bot.outreach.schedule import Schedule
from bot.turn.customer import CustomerRecord
from bot.turn.delivery import Outlets
from bot.turn.handler import Turn, TurnOutcome
from bot.turn.store import Lease, Memory

LINKED = "linked"
"""The event the yes to a join becomes: the dialog welcomes the customer back (``channel``: where
they said yes; ``asked_on``, ``asked_from``: the channel and address the code was asked for
on, where the asker is told)."""
LINK_CONSENT = "link_consent"
"""The event a good link code becomes: the dialog asks whether to join (``asked_on``,
``started``: what to tell of the other side; ``yes``, ``no``: the payloads of the answers;
``busy``: asked again because the join could not be made just now)."""
LINK_DECLINED = "link_declined"
"""The event anything but the yes becomes, while a join waits for it: nothing was joined."""
LINK_REFUSED = "link_refused"
"""The event the customer who asked for a code gets when the person who presented it did not
say yes (``channel``, ``asked_on``, ``asked_from`` as for ``linked``)."""
UNLINK = "omnibot.unlink"
"""The system event that drops an identity from a customer's record (the pipeline handles it)."""
LINK_FAILED = "link_failed"
"""The event a refused link code becomes (``reason``: ``invalid``, ``limited``)."""


@dataclass(frozen=True, slots=True)
class Notice:
    """A system event for another customer, queued once the turn is committed."""

    customer_id: str
    event: SystemEvent


@dataclass(frozen=True, slots=True)
class Examined:
    """What :meth:`Linker.before` found: a join to continue as, or the turn to run (its input
    maybe replaced by a linking event, its record maybe with a question pending), and notices
    for other customers."""

    turn: Turn
    joined: Joined | None = None
    notices: tuple[Notice, ...] = ()


class TurnLinking:
    """What a dialog may do about linking during one customer's turn (built-in actions)."""

    def __init__(self, linker: Linker, turn: Turn):
        self._linker = linker
        self._customer_id = turn.customer.id
        self._asker = Asker(turn.customer.id, turn.address, turn.customer.created_at)
        self._input = turn.input  # who presented it is worked out only if a code is sent
        self._now = turn.now
        self.proven: list[VerifiedAttribute] = []
        """Attributes proven this turn; the pipeline, not the dialog, adds them to the record."""
        self._code: LinkCode | None = None

    @property
    def channels(self) -> frozenset[str]:
        """The channels that are on."""
        return frozenset(self._linker.outlets.channels)

    async def link_code(self) -> tuple[LinkCode, dict[str, str]]:
        """A new link code for this customer, and how to use it on each channel that is on
        (a Telegram deep link, a web chat URL, the number to text it to)."""
        code = await self._linker.codes.issue(self._asker, self._now)
        self._code = code
        return code, self._linker.outlets.invites(code.code, code.token)

    async def invite(self, channel: str, contact: str) -> Invitation:
        """Where to send ``contact`` an invitation to continue on ``channel`` with the link code
        given this turn, if it may go (see :mod:`bot.identity.invitations`)."""
        if self._code is None:
            return Invitation(Invited.NO_WAY)
        invitations = self._linker.invitations
        return await invitations.invite(self._customer_id, channel, contact, self._code.token)

    async def send_code(self, phone: str, text: CodeText) -> Sent:
        """Send a one-time code to ``phone`` (``text`` words it when omnibot texts it), counted
        against the budget of this turn's source."""
        source = source_of(self._input, self._customer_id)
        ask = CodeAsk(customer_id=self._customer_id, phone=phone, source=source)
        return await self._linker.phones.send(ask, text, self._now)

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
        code_provider: CodeProvider | None = None,
        metrics: Metrics | None = None,
        schedule: Schedule | None = None,
    ) -> None:
        self.policy = policy or LinkPolicy()
        self.outlets = outlets
        self.codes = LinkCodes(memory, self.policy.rules)
        rules = self.policy.rules
        provider = code_provider or TextedCodes(outlets, rules.digits, rules.lifetime)
        self.phones = PhoneCheck(memory, provider, rules, self.policy.budget, metrics)
        self.invitations = Invitations(memory, outlets, rules.lifetime)
        self._memory = memory
        self._joiner = Joiner(memory, tokens, schedule=schedule)

    async def before(self, lease: Lease, stored: CustomerRecord, turn: Turn) -> Examined:
        """Look for proof in the input of ``turn`` (``stored`` is the record as it was before
        the input touched it), or the answer to a join waiting for one."""
        item = turn.input
        if not isinstance(item, InboundEvent):
            return Examined(turn)
        pending = stored.joining
        if pending is not None:
            answered = answer(pending, item, turn.now)
            if answered is not Answer.ELSEWHERE:
                return await self._answered(lease, stored, turn, item, pending, answered)
        presented = self.codes.presented(item, first_contact=stored.version == 0)
        if presented is not None:
            await self._claim_unowned(lease, stored, item)
            return await self._redeem(turn, item, presented)
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

    async def _claim_unowned(
        self, lease: Lease, stored: CustomerRecord, item: InboundEvent
    ) -> None:
        """Claim what the channel vouches for in a message that presents a code, unless another
        customer owns it: the code's question comes first, but the attribute is recorded as
        known this turn, so it must be indexed now or never (and a join then carries it)."""
        for attribute in item.verified:
            if attribute.kind in self.policy.automatic and not _known(stored, attribute):
                await self._memory.claim(attribute, lease.customer_id)

    def handle(self, turn: Turn) -> TurnLinking:
        """What the dialog may do about linking during ``turn``."""
        return TurnLinking(self, turn)

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

    async def _redeem(self, turn: Turn, item: InboundEvent, presented: Presented) -> Examined:
        """A code presented: spent, and, when it is someone else's, a question for the person
        who presented it. A question still waiting from another of this customer's channels
        gives way to it (nothing was joined: its asker is told)."""
        redeemed = await self.codes.redeem(presented, item.sender)
        if redeemed.outcome is not Redemption.VALID or redeemed.owner is None:
            return Examined(_replaced(turn, LINK_FAILED, {"reason": redeemed.outcome.value}))
        if redeemed.owner == turn.customer.id:  # already one customer: nothing to join
            data = told(item.sender, redeemed.asked_on, redeemed.asked_from)
            return Examined(_replaced(turn, LINKED, data))
        earlier = turn.customer.joining
        pending = _question(redeemed, item, turn.now, self.codes.rules.lifetime)
        asking = turn.customer.model_copy(update={"joining": pending})
        notices = () if earlier is None else (_refused(earlier, item.sender, turn.now),)
        return Examined(_asking(turn, asking, pending), notices=notices)

    async def _answered(
        self,
        lease: Lease,
        stored: CustomerRecord,
        turn: Turn,
        item: InboundEvent,
        pending: PendingJoin,
        answered: Answer,
    ) -> Examined:
        """The identity that was asked wrote: the join, or nothing joined."""
        settled = turn.customer.model_copy(update={"joining": None})
        if answered is Answer.EXPIRED:
            forgotten = stored.model_copy(update={"joining": None})
            return await self.before(lease, forgotten, replace(turn, customer=settled))
        if answered is Answer.LATE:
            return Examined(_replaced(turn, LINK_FAILED, {"reason": "invalid"}, settled))
        if answered is Answer.DECLINED:
            declined = _replaced(turn, LINK_DECLINED, {}, settled)
            return Examined(declined, notices=(_refused(pending, item.sender, turn.now),))
        source = settled.model_copy(update={"updated_at": stored.updated_at})
        linked = _replaced(turn, LINKED, pending.told(item.sender), source)
        joined = await self._joiner.join(
            lease,
            source,
            pending.owner,
            reason=f"link code, accepted on {channel_name(item.channel, in_sentence=True)}",
            now=turn.now,
            replace_head=linked.input,
        )
        if joined is None:
            return Examined(_asking(turn, turn.customer, pending, busy=True))
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


def _question(
    redeemed: Redeemed, item: InboundEvent, now: datetime, lifetime: timedelta
) -> PendingJoin:
    """What the person who presented a good code is asked, and whose yes alone joins."""
    assert redeemed.owner is not None
    return PendingJoin.ask(
        owner=redeemed.owner,
        asked_on=redeemed.asked_on,
        asked_from=redeemed.asked_from,
        started=redeemed.started or now,
        presenter=item.sender,
        expires_at=redeemed.expires_at or now + lifetime,
    )


def _asking(turn: Turn, customer: CustomerRecord, pending: PendingJoin, busy: bool = False) -> Turn:
    """``turn`` asking whether to make the join ``pending`` (again, when ``busy``)."""
    data: dict[str, JsonValue] = {
        "asked_on": pending.asked_on,
        "started": pending.started.isoformat(),
        "yes": pending.yes,
        "no": pending.no,
        "busy": busy,
    }
    return _replaced(turn, LINK_CONSENT, data, customer)


def _refused(pending: PendingJoin, presenter: ChannelIdentity, now: datetime) -> Notice:
    """The notice for whoever asked for a code that was presented and not accepted."""
    event = SystemEvent(name=LINK_REFUSED, data=pending.told(presenter), received_at=now)
    return Notice(pending.owner, event)


def _replaced(
    turn: Turn,
    name: str,
    data: dict[str, JsonValue],
    customer: CustomerRecord | None = None,
) -> Turn:
    """``turn`` with its input replaced by a system event the dialog understands (and its
    record by ``customer``, when given); replies go where the customer wrote from."""
    event = SystemEvent(name=name, data=data, received_at=turn.input.received_at)
    return replace(turn, input=event, customer=customer or turn.customer)
