"""The customer record: everything omnibot remembers about one customer, whatever the channel."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field, JsonValue

from bot.desk.insights.marks import InsightMarks
from bot.format.messages import Address, ChannelIdentity, Model, VerifiedAttribute
from bot.format.offered import OfferedOptions
from bot.identity.consent import PendingJoin
from bot.identity.visibility import JoinMark
from bot.outreach.consent import OutreachState

HandoffStatus = Literal["bot", "waiting", "agent"]


class Handoff(Model):
    """Who is talking to the customer: the bot, nobody yet (waiting for an agent), or an agent.

    ``summary`` is what the agent sees first (the slots collected, language, channel);
    ``contact_on`` the channel a customer who could not be answered asked to be contacted on
    later (the conversation goes back to the bot meanwhile, and stays on the desk);
    ``acknowledged_at`` when a waiting customer's message was last acknowledged; ``greeted``
    whether an agent greeted the customer in this handoff already (a claim after a release does
    not greet them again).
    """

    status: HandoffStatus = "bot"
    since: AwareDatetime | None = None
    reason: str | None = None
    agent_id: str | None = None
    summary: dict[str, JsonValue] = Field(default_factory=dict)
    contact_on: str | None = None
    acknowledged_at: AwareDatetime | None = None
    greeted: bool = False

    @property
    def on_desk(self) -> bool:
        """Whether agents should see this conversation: waiting, with an agent, or asking to be
        contacted later."""
        return self.status != "bot" or self.contact_on is not None


class CustomerRecord(Model):
    """One customer's state, shared by every channel and every worker.

    ``slots`` belong to the current conversation, ``profile`` lasts across conversations and
    channels, ``dialog`` is the dialog engine's place in the flows (its own model validates it),
    ``addresses`` is the last address seen on each channel (``unreachable`` names the channels
    whose address refused our last message, until the customer writes from it again;
    ``opted_out`` those where the customer said stop, until they say start; ``wrote_at`` when
    they last wrote on each channel, from which a channel's customer-service window counts:
    :mod:`bot.turn.window`; ``first_wrote_at`` when they first did, for the agent's view) and
    ``version``
    grows by one with every committed turn. Only the core sets ``joining`` (a link code this
    customer presented, whose join waits for their yes: :mod:`bot.identity.consent`) and ``joins``
    (the joins their transcript went through, which decide what each channel is shown of it:
    :mod:`bot.identity.visibility`). ``outreach`` holds the customer's answers about marketing
    and their recent proactive messages (:mod:`bot.outreach.consent`). ``insight`` is where the
    customer's conversation stands for the managers' insights (:mod:`bot.desk.insights.marks`).
    """

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    version: int = Field(default=0, ge=0)
    created_at: AwareDatetime
    updated_at: AwareDatetime
    last_channel: str | None = None
    language: str | None = None
    profile: dict[str, JsonValue] = Field(default_factory=dict)
    slots: dict[str, JsonValue] = Field(default_factory=dict)
    dialog: dict[str, JsonValue] = Field(default_factory=dict)
    handoff: Handoff = Field(default_factory=lambda: _WITH_BOT)
    addresses: dict[str, Address] = Field(default_factory=dict)
    identities: tuple[ChannelIdentity, ...] = ()
    verified: tuple[VerifiedAttribute, ...] = ()
    offered: OfferedOptions | None = None
    unreachable: frozenset[str] = frozenset()
    opted_out: frozenset[str] = frozenset()
    wrote_at: dict[str, AwareDatetime] = Field(default_factory=dict)
    first_wrote_at: dict[str, AwareDatetime] = Field(default_factory=dict)
    joining: PendingJoin | None = None
    joins: tuple[JoinMark, ...] = ()
    outreach: OutreachState = Field(default_factory=lambda: _NO_OUTREACH)
    insight: InsightMarks = Field(default_factory=lambda: _NO_INSIGHT)

    @classmethod
    def new(cls, customer_id: str, now: datetime) -> CustomerRecord:
        """A customer seen for the first time."""
        return cls(id=customer_id, created_at=now, updated_at=now)

    @property
    def last_address(self) -> Address | None:
        """Where the customer wrote from most recently: where agent replies and notices go."""
        return self.addresses.get(self.last_channel) if self.last_channel else None

    def seen_at(self, address: Address, now: datetime) -> CustomerRecord:
        """This record after the customer wrote from ``address``."""
        identities = self.identities
        known = (i.channel == address.channel and i.user_id == address.user_id for i in identities)
        if not any(known):
            identities = (*identities, address.identity)
        return self.model_copy(
            update={
                "addresses": {**self.addresses, address.channel: address},
                "last_channel": address.channel,
                "identities": identities,
                "unreachable": self.unreachable - {address.channel},
                "wrote_at": {**self.wrote_at, address.channel: now},
                "first_wrote_at": {address.channel: now, **self.first_wrote_at},
                "updated_at": now,
            }
        )

    def window_closed(self, channel: str) -> CustomerRecord:
        """This record after ``channel`` said its window is closed whatever our clock says
        (WhatsApp's 131047): free-form messages wait until the customer writes there again."""
        wrote = {name: at for name, at in self.wrote_at.items() if name != channel}
        return self.model_copy(update={"wrote_at": wrote})

    def opting(self, channel: str, out: bool) -> CustomerRecord:
        """This record after the customer said stop (``out``) or start on ``channel``."""
        opted = self.opted_out | {channel} if out else self.opted_out - {channel}
        return self.model_copy(update={"opted_out": opted})

    def named(self, name: str | None) -> CustomerRecord:
        """This record with ``profile.name`` set from the channel, unless the customer already
        has a name (one they gave the bot wins over a channel's display name)."""
        if not name or "name" in self.profile:
            return self
        return self.model_copy(update={"profile": {**self.profile, "name": name}})

    def with_verified(self, attributes: tuple[VerifiedAttribute, ...]) -> CustomerRecord:
        """This record with newly vouched-for attributes added (each kind and value once)."""
        known = {(a.kind, a.value) for a in self.verified}
        new: list[VerifiedAttribute] = []
        for attribute in attributes:
            if (attribute.kind, attribute.value) not in known:
                known.add((attribute.kind, attribute.value))
                new.append(attribute)
        return self.model_copy(update={"verified": (*self.verified, *new)}) if new else self


# The defaults every record without its own shares. A record is saved without them
# (``exclude_defaults``), so reading one back would build each, and saving one would build a
# default to compare with: shared, neither builds anything. They are frozen, and the one
# mutable part, an empty handoff's ``summary``, is only ever copied (as every frozen model's
# dicts are), never changed in place.
_WITH_BOT: Handoff = Handoff()
_NO_OUTREACH: OutreachState = OutreachState()
_NO_INSIGHT: InsightMarks = InsightMarks()


def new_customer_id() -> str:
    """A fresh, unguessable customer id (64 random bits)."""
    return "c" + secrets.token_hex(8)
