"""What became of our messages, whichever provider reported it: into the customer's transcript.

WhatsApp often accepts a message (200) and only later reports it ``failed`` because the
customer-service window had closed (131047; Twilio's 63016). That takes the path of the
refusal at sending (:data:`bot.turn.pipeline.WINDOW_CLOSED`): the window closes in the
customer's record, and the refused message, read back from the transcript by the id the status
names, goes again as the approved template or on the customer's next channel. A message no
longer in the transcript's recent entries (or a template, which a closed window lets through)
is not sent again: the window still closes, so the next message takes the template path, and
the transcript says so. A status reported twice (Meta redelivers) is recorded and acted on once.

A late ``undeliverable`` (131026, the number cannot receive it) takes the path of the refusal at
sending: WhatsApp is marked unreachable for the customer, and a message a transactional turn
the business started sent goes once to their next channel (:mod:`bot.outreach.moved`).
Statuses come only in notifications signed with the app secret (:mod:`.cloud.inbound`), so nobody
else can make the bot send a message again.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import JsonValue

from bot.connector import Core, Outgoing
from bot.format.messages import ChannelIdentity, SystemEvent, utcnow
from bot.format.outbound import OUTBOUND, Template, Typing
from bot.format.transcript import OutboundEntry, StatusEntry
from bot.outreach.moved import moved_event
from bot.turn.pipeline import UNREACHABLE, WINDOW_CLOSED
from connectors.whatsapp.rules import CHANNEL, StatusReport

LOOK_BACK = 500
"""How many of the customer's latest transcript entries are searched for the refused message."""


async def record_status(core: Core, report: StatusReport) -> None:
    """Append ``report`` to the transcript of the customer it was sent to (by number or by
    business-scoped id); one no customer has, such as one whose data was erased, is ignored.
    A late refusal for a closed window or an undeliverable number is routed again (see the
    module docstring)."""
    customer = None
    for recipient in report.recipients:
        identity = ChannelIdentity(channel=CHANNEL, user_id=recipient)
        customer = customer or await core.customer_of(identity)
    if customer is None:
        return
    entry = StatusEntry(
        at=utcnow(), message_id=report.message_id, status=report.status, detail=report.detail
    )
    if not report.window_closed and report.status != "undeliverable":
        await core.record(customer, [entry])
        return
    entries = [logged.entry for logged in await core.entries(customer, None, LOOK_BACK)]
    if _failed_before(entries, report.message_id):
        return
    await core.record(customer, [entry])
    if report.window_closed:
        await core.notify(customer, _refused_late(entries, report))
        return
    data: dict[str, JsonValue] = {"channel": CHANNEL, "reason": report.detail}
    await core.notify(customer, SystemEvent(name=UNREACHABLE, data=data))
    moving = _moved_late(entries, report)
    if moving is not None:
        await core.notify(customer, moving)


def _failed_before(entries: Sequence[object], message_id: str) -> bool:
    """Whether the message's failure is already recorded (a redelivered status, or another
    part of the same message)."""
    return any(
        isinstance(e, StatusEntry)
        and e.message_id == message_id
        and e.status in ("failed", "undeliverable")
        for e in entries
    )


def _moved_late(entries: Sequence[object], report: StatusReport) -> SystemEvent | None:
    """The event that moves the undeliverable message to the customer's next channel, if the
    transcript still holds it and a transactional turn the business started sent it."""
    for e in entries:
        if isinstance(e, OutboundEntry) and e.message_id == report.message_id:
            sent = Outgoing(e.message_id, e.message)
            return moved_event(CHANNEL, e.purpose, [sent], report.detail)
    return None


def _refused_late(entries: Sequence[object], report: StatusReport) -> SystemEvent:
    """The event that closes the window and sends the refused message again, if the
    transcript still holds it."""
    refused = [
        OUTBOUND.dump_python(e.message, mode="json")
        for e in entries
        if isinstance(e, OutboundEntry)
        and e.message_id == report.message_id
        and not isinstance(e.message, Typing | Template)
    ]
    reason = f"reported after it was accepted: {report.detail}"
    if not refused:
        reason += "; the message is not sent again (not in the transcript, or a template)"
    data: dict[str, JsonValue] = {"channel": CHANNEL, "reason": reason, "messages": refused}
    return SystemEvent(name=WINDOW_CLOSED, data=data)
