"""The handler interface: where a dialog engine plugs into the turn pipeline.

A handler is a pure-ish async function of one :class:`Turn`: it gets the input and the customer's
state, held exclusively for it, and returns the new state and what to say. It does not persist,
send or lock anything; the pipeline does all of that around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.desk.handoff import DeskView
from bot.format.capabilities import Capabilities
from bot.format.messages import Address, InboundEvent, SystemEvent
from bot.format.outbound import OutboundMessage
from bot.format.transcript import NoteEntry
from bot.identity.invitations import Invitation
from bot.identity.link_codes import LinkCode
from bot.identity.phone_codes import CheckResult, CodeText, Sent
from bot.turn.customer import CustomerRecord


class Linking(Protocol):
    """Linking a customer's channels, for the dialog's built-in actions (see
    :mod:`bot.identity.linking`); bound to the customer whose turn it is."""

    @property
    def channels(self) -> frozenset[str]:
        """The channels that are on."""
        ...

    async def link_code(self) -> tuple[LinkCode, dict[str, str]]:
        """A new link code, and how to use it on each channel that is on."""
        ...

    async def invite(self, channel: str, contact: str) -> Invitation:
        """Where to send ``contact`` (an address the customer typed) an invitation to continue
        on ``channel`` with the link code given this turn, if it may go at all."""
        ...

    async def send_code(self, phone: str, text: CodeText) -> Sent:
        """Text a one-time code to ``phone``; ``text`` words the message around the code and
        the minutes it lasts."""
        ...

    async def check_code(self, phone: str, code: str) -> CheckResult:
        """Check a typed one-time code; a right one proves ``phone``."""
        ...


@dataclass(frozen=True, slots=True)
class Turn:
    """One input for one customer, with that customer's state.

    ``address`` is where replies go: the event's own address for a customer message, the
    customer's last address for a system event (``None`` if the customer has none reachable).
    ``switched_from`` is the channel the customer last wrote from when this message comes from
    another one: they are continuing the conversation somewhere else.
    """

    input: InboundEvent | SystemEvent
    customer: CustomerRecord
    address: Address | None
    capabilities: Capabilities | None
    now: datetime
    switched_from: str | None = None
    linking: Linking | None = None
    desk: DeskView | None = None


@dataclass(frozen=True, slots=True)
class Send:
    """Messages for an address other than the one being answered (another of the customer's
    channels)."""

    address: Address
    messages: tuple[OutboundMessage, ...]


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """What a handler decided: the new state, the replies, other sends and transcript notes.

    ``author`` is who the replies are from in the transcript: ``bot``, or ``agent:<name>``
    for a person's reply passed on by the dialog. ``purpose`` is why the replies of a turn the
    business started are sent (``transactional`` or ``marketing``, :mod:`bot.outreach.reach`);
    ``None`` reads as transactional."""

    customer: CustomerRecord
    replies: tuple[OutboundMessage, ...] = ()
    sends: tuple[Send, ...] = ()
    notes: tuple[NoteEntry, ...] = ()
    author: str = "bot"
    purpose: str | None = None


class TurnHandler(Protocol):
    """Anything that can take a turn: the dialog engine, or a small function in a test."""

    async def __call__(self, turn: Turn, /) -> TurnOutcome:
        """Decide the outcome of ``turn``."""
        ...
