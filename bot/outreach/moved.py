"""A proactive message a channel refused as undeliverable goes once to the customer's next one.

When a channel refuses the customer's address (WhatsApp's 131026, at sending or in a late
``undeliverable`` status), the channel is marked unreachable in the customer's record
(:data:`bot.turn.pipeline.UNREACHABLE`). A message of a turn the business started with the
``transactional`` purpose (an order shipped) is not lost with it: :func:`moved_event` queues a
:data:`MOVED` event behind that mark, and its turn (:func:`moved`) says the same words again
as a proactive turn, so the same :class:`~bot.outreach.reach.Reach` decision applies (consent,
the next reachable channel, quiet hours, caps) and the metrics count it delivered on the new
channel. A template the closed window had made of it goes as the words it stands for.

Only once: the event's id is made of the refused message's id, so a failure reported again
(Meta redelivers statuses; a status after a refusal at sending) is deduplicated by the inbox.
Not moved: a reply to the customer (they are on that channel, and wrote there themselves), and
a ``marketing`` message (WhatsApp's 131050 means the customer stopped offers there, and an
offer is not chased across channels).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pydantic import JsonValue

from bot.connector import Outgoing
from bot.format.channel_names import channel_name
from bot.format.messages import SystemEvent
from bot.format.outbound import OUTBOUND, OutboundMessage, Template, Text, Typing
from bot.format.transcript import NoteEntry
from bot.outreach.consent import TRANSACTIONAL
from bot.turn.handler import Turn, TurnOutcome

MOVED = "omnibot.moved"
"""The system event that sends again, on another channel, what one refused as undeliverable."""
MOVED_ID = "moved:"
"""The prefix of its event id, followed by the id of the first message refused."""
NOTE = "outreach"


def moved_event(
    channel: str,
    purpose: str | None,
    messages: Sequence[Outgoing],
    reason: str,
    sent: Collection[str] = (),
) -> SystemEvent | None:
    """The event that moves what ``channel`` refused (``messages`` but the ``sent`` ids) to
    the customer's next channel; ``None`` unless they were a proactive transactional turn's."""
    refused = [
        o for o in messages if o.message_id not in sent and not isinstance(o.message, Typing)
    ]
    if purpose != TRANSACTIONAL or not refused:
        return None
    data: dict[str, JsonValue] = {
        "channel": channel,
        "reason": reason,
        "purpose": purpose,
        "messages": [OUTBOUND.dump_python(_words(o.message), mode="json") for o in refused],
    }
    return SystemEvent(event_id=f"{MOVED_ID}{refused[0].message_id}"[:256], name=MOVED, data=data)


def moved(turn: Turn, event: SystemEvent) -> TurnOutcome:
    """The turn of a :data:`MOVED` event: the refused messages, as replies of a proactive turn
    of their purpose, with a note saying why they move; the refusing channel is (again) marked
    unreachable, so the decision skips it even if its own mark has not been taken yet."""
    channel = str(event.data.get("channel", ""))
    customer = turn.customer.model_copy(
        update={"unreachable": turn.customer.unreachable | {channel}}
    )
    raw = event.data.get("messages")
    replies = tuple(OUTBOUND.validate_python(m) for m in raw) if isinstance(raw, list) else ()
    name, why = channel_name(channel, in_sentence=True), event.data.get("reason")
    text = f"{len(replies)} message(s) refused by {name} sent again: {why}"
    note = NoteEntry(at=turn.now, kind=NOTE, text=text)
    return TurnOutcome(customer=customer, replies=replies, notes=(note,), purpose=TRANSACTIONAL)


def _words(message: OutboundMessage) -> OutboundMessage:
    """A template goes on another channel as the words it stands for."""
    return Text(text=message.text) if isinstance(message, Template) else message
