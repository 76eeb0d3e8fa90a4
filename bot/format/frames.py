"""Transcript entries as the frames browsers show, each with the id a reconnecting client
resumes from: the customer's view (the web chat: messages and replies from every channel) and
the agent's (the console: the same, plus who replied, delivery statuses and notes)."""

from __future__ import annotations

from typing import Any

from bot.format.messages import InboundEvent
from bot.format.outbound import OUTBOUND, Typing
from bot.format.transcript import InboundEntry, Logged, NoteEntry, OutboundEntry, StatusEntry


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


def console_frame(logged: Logged) -> dict[str, Any] | None:
    """The frame an agent sees for one entry: everything the customer sees, with the agent's
    name on their replies, plus delivery statuses and notes (internal notes included)."""
    entry = logged.entry
    if isinstance(entry, StatusEntry):
        return {
            "id": logged.id,
            "at": entry.at.isoformat(),
            "from": "status",
            "message_id": entry.message_id,
            "status": entry.status,
            "detail": entry.detail,
        }
    if isinstance(entry, NoteEntry):
        agent = entry.data.get("agent")
        return {
            "id": logged.id,
            "at": entry.at.isoformat(),
            "from": "note",
            "kind": entry.kind,
            "text": entry.text,
            "agent": agent if isinstance(agent, str) else None,
        }
    shown = entry_frame(logged)
    if shown is not None and isinstance(entry, OutboundEntry):
        shown["message_id"] = entry.message_id
        if entry.author.startswith("agent:"):
            shown["agent"] = entry.author.removeprefix("agent:")
    return shown


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
