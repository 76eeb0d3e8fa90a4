"""Transcript entries as the frames the browser shows: the customer's messages and the replies,
from every channel, each with the id a reconnecting client resumes from."""

from __future__ import annotations

from typing import Any

from bot.messages import InboundEvent
from bot.outbound import OUTBOUND, Typing
from bot.transcript import InboundEntry, Logged, OutboundEntry


def entry_frame(logged: Logged) -> dict[str, Any] | None:
    """The frame for one entry, or ``None`` for what a customer does not see (notes, statuses,
    system events)."""
    entry = logged.entry
    if isinstance(entry, InboundEntry) and isinstance(entry.event, InboundEvent):
        return {"id": logged.id, "at": entry.at.isoformat(), **_customer(entry.event)}
    if isinstance(entry, OutboundEntry) and not isinstance(entry.message, Typing):
        return {
            "id": logged.id,
            "at": entry.at.isoformat(),
            "from": "bot" if entry.author == "bot" else "agent",
            "channel": entry.channel,
            "message": OUTBOUND.dump_python(entry.message, mode="json", exclude_none=True),
        }
    return None


def _customer(event: InboundEvent) -> dict[str, Any]:
    frame: dict[str, Any] = {"from": "customer", "channel": event.channel, "kind": event.kind}
    if event.channel == "webchat":
        frame["client_id"] = event.event_id
    text = event.text
    if event.kind == "location" and event.location is not None:
        text = f"{event.location.latitude:.5f}, {event.location.longitude:.5f}"
    elif event.kind == "contact":
        text = "(a contact card)"
    elif event.kind == "attachment":
        text = text or ", ".join(f"({a.kind})" for a in event.attachments)
    elif event.kind == "command" and event.command is not None:
        text = text or f"/{event.command.name}"
    frame["text"] = text or event.payload or ""
    return frame
