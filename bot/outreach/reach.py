"""Where and whether a message the business starts goes: one decision per proactive turn.

A turn is proactive when nobody asked for it: a business event (``POST /events``) or a
scheduled item firing. When its flow has something to say, :meth:`Reach.decide` answers, in
this order:

1. **Consent.** A ``marketing`` flow needs the customer's latest answer to "may we send you
   offers?" to be yes (recorded by a flow, :mod:`bot.outreach.consent`), and no ``stop`` on any
   channel: otherwise the messages are *suppressed*.
2. **The channel.** The customer's preferred channel (``profile.preferred_channel``), then the
   one they wrote on last, then ``outreach.channels`` in the bot's order, then the others they
   wrote on, most recent first, then any other address they have. A channel is skipped when
   it is off, the customer has no address there or it refused the last message, they said
   stop there, it only shows pages and none of theirs is open now (the web chat: see
   :mod:`bot.turn.presence`), or its window is closed (WhatsApp's 24 hours) and no template
   serves the flow's purpose.
   No channel left: *suppressed*.
3. **Quiet hours** in the customer's time zone (:mod:`bot.outreach.quiet`): *deferred* to when
   they end.
4. **Daily caps** per purpose, counted in the customer's day: over the ``marketing`` cap the
   message is *suppressed* (an offer tomorrow is another offer); over the ``transactional`` cap
   it is *deferred* to the next day (an order's news is never dropped).

A suppressed or deferred turn leaves the conversation as it was: the transcript gets the input
and a note, nothing else changes, and a deferred one is queued again through the schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.format.capabilities import Capabilities
from bot.format.messages import Address, SystemEvent
from bot.format.transcript import NoteEntry
from bot.outreach.consent import MARKETING, Purpose
from bot.outreach.events.business import BUSINESS_EVENT
from bot.outreach.moved import MOVED
from bot.outreach.quiet import QuietHours, customer_zone, day_start
from bot.outreach.schedule import Scheduled
from bot.turn.customer import CustomerRecord
from bot.turn.window import Windows

SCHEDULED = "sched:"
"""The event id prefix of a scheduled item's system event (:mod:`bot.outreach.scheduler`)."""
PREFERRED = "preferred_channel"
"""The profile field naming the channel the customer wants the business to write on."""
NOTE = "outreach"
"""The kind of the transcript note each decision leaves."""


def is_proactive(event: object) -> bool:
    """Whether a turn's input is the business speaking first, not an answer to the customer
    (a message moved off a channel that refused it is still the business's, :mod:`.moved`)."""
    return isinstance(event, SystemEvent) and (
        event.name in (BUSINESS_EVENT, MOVED) or (event.event_id or "").startswith(SCHEDULED)
    )


@dataclass(frozen=True, slots=True)
class Policy:
    """``bot.yaml``'s ``outreach``: the channels in the bot's order, the quiet hours, the daily
    caps per purpose, and the time zone of customers whose own is unknown."""

    channels: tuple[str, ...] = ()
    quiet: QuietHours | None = None
    caps: Mapping[str, int] = field(default_factory=dict)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))


@dataclass(frozen=True, slots=True)
class Go:
    """Send on ``address`` (as a template when ``template``, the window being closed)."""

    address: Address
    note: NoteEntry
    template: bool = False


@dataclass(frozen=True, slots=True)
class Suppressed:
    """Never send: ``reason`` is the metric's label (``opted_out``, ``no_consent``,
    ``unreachable``, ``cap``)."""

    reason: str
    note: NoteEntry


@dataclass(frozen=True, slots=True)
class Deferred:
    """Send at ``until`` instead (``reason``: ``quiet_hours`` or ``cap``)."""

    reason: str
    until: datetime
    note: NoteEntry


Decision = Go | Suppressed | Deferred


@dataclass(frozen=True, slots=True)
class Reach:
    """Decides where and whether the messages of a proactive turn go; see the module."""

    policy: Policy
    windows: Windows
    capabilities: Callable[[str], Capabilities | None]
    live: Callable[[str], bool]

    def decide(
        self,
        customer: CustomerRecord,
        purpose: Purpose,
        now: datetime,
        words: str = "",
        pages: frozenset[str] = frozenset(),
    ) -> Decision:
        """The decision for ``purpose`` messages to ``customer`` now (``words``: what they
        say, for a template's ``{{ message }}``; ``pages``: the channels that only show pages
        on which the customer has one open now)."""
        refused = self._consent(customer, purpose, now)
        if refused is not None:
            return refused
        found, skipped = self._channel(customer, purpose, now, words, pages)
        if found is None:
            why = "; ".join(skipped) or "the customer has no address on any channel"
            return Suppressed("unreachable", _note(now, f"{purpose} message not sent: {why}"))
        zone = customer_zone(customer, self.policy.zone)
        later = self._timing(customer, purpose, now, zone)
        if later is not None:
            return later
        address, template = found
        how = " as its approved template (the window is closed)" if template else ""
        why = f" ({'; '.join(skipped)})" if skipped else ""
        return Go(address, _note(now, f"{purpose} message sent on {address.channel}{how}{why}"))

    def deferral(
        self, customer_id: str, event: SystemEvent, until: datetime, now: datetime
    ) -> Scheduled:
        """The scheduled item that brings ``event`` back at ``until``: keyed by the event's id,
        so a turn retried after a crash schedules it once."""
        origin = event.event_id or f"{event.name}:{until.isoformat()}"
        return Scheduled(
            customer_id=customer_id,
            key=f"deferred:{origin}"[:256],
            due_at=until,
            name=event.name,
            data=dict(event.data),
            created_at=now,
        )

    def _consent(
        self, customer: CustomerRecord, purpose: Purpose, now: datetime
    ) -> Suppressed | None:
        if purpose != MARKETING:
            return None
        if customer.opted_out:
            where = ", ".join(sorted(customer.opted_out))
            text = f"marketing message not sent: the customer said stop on {where}"
            return Suppressed("opted_out", _note(now, text))
        if not customer.outreach.marketing_allowed:
            text = "marketing message not sent: the customer has not opted in to marketing"
            return Suppressed("no_consent", _note(now, text))
        return None

    def _channel(
        self,
        customer: CustomerRecord,
        purpose: Purpose,
        now: datetime,
        words: str,
        pages: frozenset[str],
    ) -> tuple[tuple[Address, bool] | None, list[str]]:
        """The first channel that reaches the customer, and why the ones before it did not."""
        skipped: list[str] = []
        for channel in self._order(customer):
            address = customer.addresses.get(channel)
            why = self._unusable(customer, channel, address, pages)
            if why is None and address is not None:
                if self.windows.is_open(customer, channel, now):
                    return (address, False), skipped
                if self.windows.template(customer, purpose, words or "…") is not None:
                    return (address, True), skipped
                why = f"its window is closed and no {purpose!r} template fits"
            skipped.append(f"{channel} skipped: {why}")
        return None, skipped

    def _order(self, customer: CustomerRecord) -> list[str]:
        preferred = customer.profile.get(PREFERRED)
        wrote = sorted(customer.wrote_at, key=lambda name: customer.wrote_at[name], reverse=True)
        order = [
            preferred if isinstance(preferred, str) else None,
            *wrote[:1],
            *self.policy.channels,
            *wrote,
            *customer.addresses,
        ]
        return list(dict.fromkeys(name for name in order if name))

    def _unusable(
        self,
        customer: CustomerRecord,
        channel: str,
        address: Address | None,
        pages: frozenset[str] = frozenset(),
    ) -> str | None:
        if self.capabilities(channel) is None:
            return "the channel is off"
        if address is None:
            return "the customer has no address there"
        if channel in customer.opted_out:
            return "the customer said stop there"
        if channel in customer.unreachable:
            return "it refused the last message"
        if self.live(channel) and channel not in pages:
            return "the customer has no page open there"
        return None

    def _timing(
        self, customer: CustomerRecord, purpose: Purpose, now: datetime, zone: ZoneInfo
    ) -> Suppressed | Deferred | None:
        quiet = self.policy.quiet
        if quiet is not None and quiet.quiet(now.astimezone(zone)):
            until = quiet.next_allowed(now, zone)
            text = f"{purpose} message deferred to {until.isoformat()}: quiet hours in {zone.key}"
            return Deferred("quiet_hours", until, _note(now, text))
        cap = self.policy.caps.get(purpose)
        today = day_start(now, zone)
        if cap is None or customer.outreach.sent_since(purpose, today) < cap:
            return None
        if purpose == MARKETING:
            text = f"marketing message not sent: {cap} already sent today"
            return Suppressed("cap", _note(now, text))
        tomorrow = day_start(today + timedelta(hours=36), zone)
        until = quiet.next_allowed(tomorrow, zone) if quiet is not None else tomorrow
        text = f"{purpose} message deferred to {until.isoformat()}: {cap} already sent today"
        return Deferred("cap", until, _note(now, text))


def _note(now: datetime, text: str) -> NoteEntry:
    return NoteEntry(at=now, kind=NOTE, text=text)
