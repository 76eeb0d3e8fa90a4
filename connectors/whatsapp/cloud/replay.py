"""Replayed notifications: what is older than the deduplication window is not taken.

Meta signs a notification's body and nothing else: no timestamp in a header, so a captured
notification verifies for ever. Within the deduplication window (``memory.dedup_window_hours``,
24 hours by default) a replayed message is dropped by its message id, as a redelivery is; after
it, the id is forgotten, so the message's own ``timestamp`` (and a status's) decides instead:
what is older than the window is dropped, and a notification left with nothing is refused (403)
and changes nothing. The cost is deliberate: a message Meta still retries after an outage longer
than the window is refused too, as omnibot could not tell it from a replay.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connectors.whatsapp.cloud import api_types as wa


def current(
    notification: wa.Notification, now: datetime, window: timedelta
) -> wa.Notification | None:
    """``notification`` without the messages and statuses dated before ``now - window``;
    ``None`` when it held some and every one was."""
    oldest = int((now - window).timestamp())
    dated = kept = 0
    entries = []
    for entry in notification.entry:
        changes = []
        for change in entry.changes:
            value = change.value
            if value is not None:
                messages = tuple(m for m in value.messages if m.timestamp >= oldest)
                statuses = tuple(s for s in value.statuses if s.timestamp >= oldest)
                dated += len(value.messages) + len(value.statuses)
                kept += len(messages) + len(statuses)
                value = value.model_copy(update={"messages": messages, "statuses": statuses})
            changes.append(change.model_copy(update={"value": value}))
        entries.append(entry.model_copy(update={"changes": tuple(changes)}))
    if dated and not kept:
        return None
    return notification.model_copy(update={"entry": tuple(entries)})
